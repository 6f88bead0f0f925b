import Foundation
import RecApp
import RecData
import RecInference
import RecModelFile
import RecServer
import RecTestSupport
import RecTransport
import RecWire
import XCTest

/// What the hostile-client tests measure and send: a process's memory, frames built by hand, replies read with a timeout.
extension HostileClientTests {
    /// VmRSS and VmHWM of a process, in MB.
    static func memory(_ pid: Int32) -> (rss: Double, peak: Double) {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        func field(_ name: String) -> Double {
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return .nan }
            return (Double(line.split(separator: " ").dropFirst().first ?? "") ?? .nan) / 1024
        }
        return (field("VmRSS"), field("VmHWM"))
    }

    /// A ClientMessage whose recommend body holds `empties` empty item IDs (2 bytes each on the wire).
    static func frameOfEmptyItemIDs(_ empties: Int, requestID: String) -> [UInt8] {
        let id = Array(requestID.utf8)
        var body: [UInt8] = [0x0A, UInt8(id.count)] + id
        body.reserveCapacity(body.count + 2 * empties)
        for _ in 0..<empties { body += [0x12, 0x00] }
        var frame: [UInt8] = [0x08, 0x01, 0x12]
        var n = body.count
        while n >= 0x80 { frame.append(UInt8(n & 0x7F) | 0x80); n >>= 7 }
        frame.append(UInt8(n))
        return frame + body
    }

    /// The next message on `socket`, waiting at most `seconds` (nil: none came).
    static func nextMessage(on socket: ZMQSocket, seconds: Double) throws -> [[UInt8]]? {
        let deadline = Date().addingTimeInterval(seconds)
        let poller = Poller()
        while Date() < deadline {
            guard try poller.wait(sockets: [socket], timeoutMilliseconds: 200).sockets[0] else { continue }
            if let message = try socket.receive() { return message }
        }
        return nil
    }
}
