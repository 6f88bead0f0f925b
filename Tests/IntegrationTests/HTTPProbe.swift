import Foundation

/// A plain HTTP/1.1 GET over a loopback TCP socket, as a Kubernetes probe does it: the status code
/// and body, or nil when nothing listens. Takes about a millisecond, so a test can watch a short
/// state (a drain) without spawning a program per look.
enum HTTPProbe {
    struct Answer: Equatable { var status: Int; var body: String }

    /// `url` is "http://127.0.0.1:PORT/path".
    static func get(_ url: String) -> Answer? {
        guard let parsed = URL(string: url), let port = parsed.port, let host = parsed.host else { return nil }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return nil }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        let request = Array("GET \(parsed.path) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == request.count else { return nil }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            response += chunk[0..<n]
        }
        let text = String(decoding: response, as: UTF8.self)
        let parts = text.components(separatedBy: "\r\n\r\n")
        guard let statusLine = parts.first?.split(separator: "\r\n").first, statusLine.split(separator: " ").count >= 2,
            let status = Int(statusLine.split(separator: " ")[1])
        else { return nil }
        return Answer(status: status, body: parts.dropFirst().joined(separator: "\r\n\r\n"))
    }

    /// Looks every 20 ms until `condition` holds for an answer (or nil) or `seconds` pass; returns the last answer.
    static func wait(_ url: String, seconds: Double = 20, until condition: (Answer?) -> Bool) -> Answer? {
        let deadline = Date().addingTimeInterval(seconds)
        var answer = get(url)
        while !condition(answer) && Date() < deadline {
            usleep(20_000)
            answer = get(url)
        }
        return answer
    }
}
