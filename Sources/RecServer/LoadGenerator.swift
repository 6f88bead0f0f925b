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
        /// The latencies of answered requests in bins growing by half each (µs): (lower, upper, count).
        public var latencyBins: [(lower: Int, upper: Int, count: Int)] = []

        public var throughput: Double { seconds > 0 ? Double(completed) / seconds : 0 }

        public init() {}

        public var description: String {
            String(
                format: "%d requests in %.1f s: %.0f requests/s; latency p50 %d us, p90 %d us, p99 %d us, max %d us; ",
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
    /// message); `concurrency` and `rate` still count requests. `progress` hears (seconds elapsed,
    /// requests sent) about ten times a second.
    public func run(
        requests: [RecommendRequest], concurrency: Int, duration: Double, rate: Double? = nil,
        batchSize: Int = 1, progress: ((Double, Int) -> Void)? = nil
    ) throws(TransportError) -> Report {
        guard !requests.isEmpty, concurrency >= 1 else { return Report() }
        let templates = Self.templates(for: requests)
        guard !templates.isEmpty else { return Report() }
        var traffic = Traffic(templates: templates, batch: max(1, batchSize))
        let start = WallClock.nowMicros()
        let end = start + UInt64(duration * 1_000_000)
        let poller = Poller()
        // Open loop: the n-th request is due at start + n / rate, whether or not replies came.
        let interval = rate.map { 1_000_000 / max($0, 1e-6) }
        var due = Double(start)
        var nextProgress = start
        while WallClock.nowMicros() < end || (!traffic.inFlight.isEmpty && WallClock.nowMicros() < end + 2_000_000) {
            var timeout = 10
            if let interval {
                timeout = try sendDue(&traffic, due: &due, interval: interval, end: end, concurrency: concurrency)
            } else {
                while WallClock.nowMicros() < end && traffic.inFlight.count < concurrency { try traffic.sendNext(on: socket) }
            }
            _ = try poller.wait(sockets: [socket], timeoutMilliseconds: timeout)
            try traffic.receiveReplies(on: socket)
            let now = WallClock.nowMicros()
            if let progress, now >= nextProgress {
                progress(Double(now - start) / 1_000_000, traffic.report.sent)
                nextProgress = now + 100_000
            }
        }
        return traffic.finalReport(start: start, end: end)
    }

    /// Each request serialized once with a fixed-width placeholder ID, and the offset of that ID:
    /// each send patches its own ID in place, so the load generator spends its CPU on sending, not
    /// on encoding.
    private static func templates(for requests: [RecommendRequest]) -> [(bytes: [UInt8], idOffset: Int)] {
        var templates: [(bytes: [UInt8], idOffset: Int)] = []
        for var r in requests {
            r.requestID = Traffic.placeholder
            let bytes = ClientMessage.recommend(r).serializedBytes()
            let needle = Array(Traffic.placeholder.utf8)
            guard let offset = (0...(bytes.count - needle.count)).first(where: { bytes[$0..<($0 + needle.count)].elementsEqual(needle) }) else {
                continue
            }
            templates.append((bytes, offset))
        }
        return templates
    }

    /// Open loop: sends every request that fell due (while fewer than `concurrency` are in flight)
    /// and returns the poll timeout in milliseconds until the next one is due.
    private func sendDue(
        _ traffic: inout Traffic, due: inout Double, interval: Double, end: UInt64,
        concurrency: Int
    ) throws(TransportError) -> Int {
        var now = WallClock.nowMicros()
        while now < end && Double(now) >= due && traffic.inFlight.count < concurrency {
            try traffic.sendNext(on: socket)
            due += interval
            now = WallClock.nowMicros()
        }
        if Double(now) >= due { due = Double(now) }  // cannot keep up (or at the cap): do not burst later
        // Sleep at least 1 ms (poll's unit) and send what fell due in one burst: rounding
        // down to 0 would spin this thread, starving libzmq's I/O thread on the same core
        // and adding the generator's own delay to every latency it measures.
        return now < end ? max(1, min(10, Int((due - Double(now) + 999) / 1_000))) : 10
    }

    /// The requests of one run: what was sent and is still in flight, the latencies of the
    /// answered ones and the report's counts.
    private struct Traffic {
        static let placeholder = String(repeating: "#", count: 16)
        let templates: [(bytes: [UInt8], idOffset: Int)]
        /// Requests per message.
        let batch: Int
        var sequence = 0
        var inFlight: [String: UInt64] = [:]  // request ID → send time (µs)
        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        var report = Report()

        init(templates: [(bytes: [UInt8], idOffset: Int)], batch: Int) {
            self.templates = templates
            self.batch = batch
        }

        /// Sends the next `batch` requests (cycling through the templates) as one message, each
        /// with the next sequence number as its 16-hex-digit ID.
        mutating func sendNext(on socket: ZMQSocket) throws(TransportError) {
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

        /// Reads every reply waiting on `socket`.
        mutating func receiveReplies(on socket: ZMQSocket) throws(TransportError) {
            while let frames = try socket.receive() {
                let now = WallClock.nowMicros()
                for payload in frames { record(payload, at: now) }
            }
        }

        /// Counts one reply; an answered recommendation's latency goes into the histogram.
        private mutating func record(_ payload: [UInt8], at now: UInt64) {
            guard let reply = try? ServerMessage(serializedBytes: payload) else { report.errors += 1; return }
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
            guard let sent = inFlight.removeValue(forKey: id) else { return }
            guard answered else { return }
            _ = histogram.record(now > sent ? now - sent : 0)
            report.completed += 1
        }

        /// The report with the requests still in flight counted as timed out and the latency percentiles.
        func finalReport(start: UInt64, end: UInt64) -> Report {
            var report = report
            report.timedOut = inFlight.count
            report.seconds = Double(min(WallClock.nowMicros(), end) - start) / 1_000_000
            report.p50 = Int(histogram.valueAtPercentile(50))
            report.p90 = Int(histogram.valueAtPercentile(90))
            report.p99 = Int(histogram.valueAtPercentile(99))
            report.max = Int(histogram.max)
            if histogram.totalCount > 0 {
                report.latencyBins = histogram.logarithmicBucketValues(valueUnitsInFirstBucket: 10, logBase: 1.5).map {
                    (Int($0.prevValue), Int($0.value), Int($0.countAddedInThisIterationStep))
                }
            }
            return report
        }
    }
}
