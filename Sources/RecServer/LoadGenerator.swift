import Foundation
import Histogram
import RecTransport
import RecWire

/// A load generator on one DEALER socket, cycling through the given requests for `duration`
/// seconds: closed loop (keep `concurrency` requests in flight) or open loop (send at a fixed
/// `rate` whatever the replies, at most `concurrency` outstanding). Latencies are recorded for
/// answered recommendations; error replies are counted (overload refusals separately).
public final class LoadGenerator {
    public struct Report: Sendable, CustomStringConvertible {
        public var sent = 0
        public var completed = 0
        public var errors = 0
        public var degraded = 0
        public var timedOut = 0
        /// Error replies that were `overloaded` refusals (included in `errors`).
        public var overloaded = 0
        public var seconds = 0.0
        public var p50 = 0, p90 = 0, p99 = 0, max = 0
        public var errorSamples: [String] = []

        public var throughput: Double { seconds > 0 ? Double(completed) / seconds : 0 }

        public var description: String {
            String(format: "%d requests in %.1f s: %.0f requests/s; latency p50 %d us, p90 %d us, p99 %d us, max %d us; ",
                   completed, seconds, throughput, p50, p90, p99, max)
                + "\(errors) errors, \(degraded) degraded (coverage < 1), \(timedOut) without reply"
                + (overloaded > 0 ? "; \(overloaded) of the errors were overload refusals; \(sent) sent" : "")
        }
    }

    private let context: ZMQContext
    private let socket: ZMQSocket

    public init(coordinator: String, security: CurveSettings? = nil) throws(TransportError) {
        context = try ZMQContext()
        var options = ZMQSocket.Options().cappingFrames(at: .standard)
        options.sendHighWaterMark = 100_000
        options.receiveHighWaterMark = 100_000
        if let security { options = try security.clientOptions(options) }
        socket = try ZMQSocket(context: context, kind: .dealer, options: options)
        // Several coordinators, comma-separated: the DEALER spreads requests over them.
        for endpoint in coordinator.split(separator: ",") { try socket.connect(String(endpoint)) }
    }

    /// Returns an empty report when there is nothing to send (no requests, or concurrency < 1).
    /// With `batchSize` > 1 each message carries that many requests (a batch, answered by one
    /// message); `concurrency` and `rate` still count requests.
    public func run(requests: [RecommendRequest], concurrency: Int, duration: Double, rate: Double? = nil,
                    batchSize: Int = 1) throws(TransportError) -> Report {
        guard !requests.isEmpty, concurrency >= 1 else { return Report() }
        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        var report = Report()
        var inFlight: [String: UInt64] = [:] // request ID → send time (µs)
        var sequence = 0
        // Serialize each request once with a fixed-width placeholder ID, then patch the ID in place
        // per send: the load generator should spend its CPU on sending, not on encoding.
        let placeholder = String(repeating: "#", count: 16)
        var templates: [(bytes: [UInt8], idOffset: Int)] = []
        for var r in requests {
            r.requestID = placeholder
            let bytes = ClientMessage.recommend(r).serializedBytes()
            let needle = Array(placeholder.utf8)
            guard let offset = (0...(bytes.count - needle.count)).first(where: { bytes[$0..<($0 + needle.count)].elementsEqual(needle) }) else { continue }
            templates.append((bytes, offset))
        }
        guard !templates.isEmpty else { return report }
        let start = WallClock.nowMicros()
        let end = start + UInt64(duration * 1_000_000)
        let poller = Poller()
        let batch = max(1, batchSize)
        func sendNext() throws(TransportError) {
            var frames: [[UInt8]] = [], ids: [String] = []
            for _ in 0..<batch {
                var (bytes, offset) = templates[sequence % templates.count]
                let hex = String(sequence, radix: 16)
                let id = String(repeating: "0", count: 16 - hex.count) + hex
                bytes.replaceSubrange(offset..<(offset + 16), with: Array(id.utf8))
                sequence += 1
                frames.append(bytes)
                ids.append(id)
            }
            let now = WallClock.nowMicros()
            if try socket.send(frames) {
                for id in ids { inFlight[id] = now }
                report.sent += ids.count
            }
        }
        // Open loop: the n-th request is due at start + n / rate, whether or not replies came.
        let interval = rate.map { 1_000_000 / max($0, 1e-6) }
        var due = Double(start)
        while WallClock.nowMicros() < end || (!inFlight.isEmpty && WallClock.nowMicros() < end + 2_000_000) {
            var timeout = 10
            if let interval {
                var now = WallClock.nowMicros()
                while now < end && Double(now) >= due && inFlight.count < concurrency {
                    try sendNext()
                    due += interval
                    now = WallClock.nowMicros()
                }
                if Double(now) >= due { due = Double(now) } // cannot keep up (or at the cap): do not burst later
                // Sleep at least 1 ms (poll's unit) and send what fell due in one burst: rounding
                // down to 0 would spin this thread, starving libzmq's I/O thread on the same core
                // and adding the generator's own delay to every latency it measures.
                timeout = now < end ? max(1, min(10, Int((due - Double(now) + 999) / 1_000))) : 10
            } else {
                while WallClock.nowMicros() < end && inFlight.count < concurrency { try sendNext() }
            }
            _ = try poller.wait(sockets: [socket], timeoutMilliseconds: timeout)
            while let frames = try socket.receive() {
                let now = WallClock.nowMicros()
                for payload in frames {
                    guard let reply = try? ServerMessage(serializedBytes: payload) else { report.errors += 1; continue }
                    let id: String
                    var answered = false
                    switch reply {
                    case let .recommend(r):
                        id = r.requestID
                        answered = true
                        if r.coverage < 1 { report.degraded += 1 }
                    case let .error(e):
                        id = e.requestID
                        report.errors += 1
                        if e.code == .overloaded { report.overloaded += 1 }
                        if report.errorSamples.count < 5 { report.errorSamples.append("\(e.code): \(e.message)") }
                    case let .status(s): id = s.requestID
                    }
                    guard let sent = inFlight.removeValue(forKey: id) else { continue }
                    guard answered else { continue }
                    _ = histogram.record(now > sent ? now - sent : 0)
                    report.completed += 1
                }
            }
        }
        report.timedOut = inFlight.count
        report.seconds = Double(min(WallClock.nowMicros(), end) - start) / 1_000_000
        report.p50 = Int(histogram.valueAtPercentile(50))
        report.p90 = Int(histogram.valueAtPercentile(90))
        report.p99 = Int(histogram.valueAtPercentile(99))
        report.max = Int(histogram.max)
        return report
    }
}
