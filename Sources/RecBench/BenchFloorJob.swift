import Foundation
import RecApp
import RecData
import RecInference
import RecModelFile
import RecServer
import RecWire

/// `efficientrec bench-floor`: the cluster against the transport floor in one run. For each shard
/// count it starts `efficientrec-floor` (plain C over libzmq: a coordinator that fans each client
/// frame out to echo shards with the cluster's own frame sizes and answers with a real response
/// frame) and then the real cluster, drives both with the same load generator and histories, and
/// prints p50 at each concurrency, throughput, the ratios, and CPU per request of each side's
/// coordinator and workers.
public struct BenchFloorJob {
    public struct Measurement: Sendable {
        public var throughput = 0.0
        public var p50 = 0
        public var errors = 0
        /// CPU µs per answered request (user + system), coordinator and all workers.
        public var coordinatorCPU = 0.0
        public var workersCPU = 0.0
    }

    public struct Row: Sendable {
        public var shards: Int
        public var concurrency: Int
        /// Coordinator processes of the cluster side (the floor always has one).
        public var coordinators = 1
        /// Poll loops per coordinator process (`coordinator --threads`).
        public var threads = 1
        public var floor: Measurement
        public var cluster: Measurement
        public var p50Ratio: Double { floor.p50 > 0 ? Double(cluster.p50) / Double(floor.p50) : .infinity }
        public var throughputRatio: Double { floor.throughput > 0 ? cluster.throughput / floor.throughput : 0 }
    }

    public var model: String
    public var histories: String
    public var shardCounts = [1, 3]
    public var concurrencies = [1, 32]
    /// The cluster side is measured once per entry, with that many coordinator processes.
    public var coordinatorCounts = [1]
    /// … and once per entry here, with that many poll loops per coordinator process.
    public var threadCounts = [1]
    public var duration = 5.0
    public var warmup = 1.0
    public var rounds = 1
    public var k = 50
    public var executable = LocalProcess.currentExecutable
    /// The floor's binary (default: `efficientrec-floor` next to `executable`).
    public var floorExecutable: String?

    public init(model: String, histories: String) {
        self.model = model
        self.histories = histories
    }

    /// Why the flags cannot be measured, or nil.
    private func validate() throws(AppError) {
        guard rounds >= 1, rounds <= 20 else { throw AppError("--rounds must be between 1 and 20") }
        guard duration > 0, duration <= 600, warmup >= 0, warmup <= 60 else {
            throw AppError("--duration must be in (0, 600] s and --warmup in [0, 60] s")
        }
        guard !shardCounts.isEmpty, shardCounts.allSatisfy({ (1...64).contains($0) }) else { throw AppError("--shards: each count between 1 and 64") }
        guard !coordinatorCounts.isEmpty, coordinatorCounts.allSatisfy({ (1...16).contains($0) }) else {
            throw AppError("--coordinators: each between 1 and 16")
        }
        guard !threadCounts.isEmpty, threadCounts.allSatisfy({ (1...64).contains($0) }) else {
            throw AppError("--coordinator-threads: each between 1 and 64")
        }
        guard !concurrencies.isEmpty, concurrencies.allSatisfy({ (1...10_000).contains($0) }) else {
            throw AppError("--concurrency: each between 1 and 10000 (the floor keeps 65,536 requests in flight at most)")
        }
    }

    @discardableResult
    public func run() throws(AppError) -> [Row] {
        try validate()
        let floorBinary =
            floorExecutable ?? (URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("efficientrec-floor").path)
        guard FileManager.default.isExecutableFile(atPath: floorBinary) else {
            throw AppError("no floor binary at \(floorBinary): build it with `swift build -c release --product efficientrec-floor`")
        }
        let loaded = try AppError.wrap { try ModelFile.load(path: model) }
        let log = try AppError.wrap { try InteractionLog.read(path: histories) }
        let requests = (0..<log.users.count).map { u -> RecommendRequest in
            let h = log.history(of: u)
            return RecommendRequest(requestID: "", itemIDs: h.items.map { log.items[$0] }, ratings: h.ratings, k: UInt32(k))
        }
        guard !requests.isEmpty else { throw AppError("\(histories) has no users to send requests for") }
        print(
            "bench-floor: model \(loaded.version) (\(loaded.configuration.clusters) clusters, C = \(loaded.configuration.topClusters)), "
                + "\(requests.count) histories from \(histories), k \(k), \(warmup) s warm-up + \(duration) s per run, \(rounds) round(s)")
        var sizes: [Int: FrameSizes] = [:]
        for s in shardCounts {
            let f = try FrameSizes.measure(model: loaded, requests: requests, shards: s)
            sizes[s] = f
            print(
                "  \(s) shard(s), mean frame bytes: request \(f.request), sub-request \(f.subRequest) (\(String(format: "%.2f", f.subRequestsPerRequest)) per request), "
                    + "shard reply \(f.shardReply), response \(f.response)")
        }
        fflush(nil)
        var samples: [String: [Row]] = [:]
        for round in 1...rounds {
            for s in shardCounts {
                let floor = try measureFloor(binary: floorBinary, shards: s, sizes: sizes[s]!, requests: requests)
                for n in coordinatorCounts {
                    for t in threadCounts {
                        let cluster = try measureCluster(shards: s, coordinators: n, threads: t, requests: requests)
                        for (c, (f, e)) in zip(concurrencies, zip(floor, cluster)) {
                            let row = Row(shards: s, concurrency: c, coordinators: n, threads: t, floor: f, cluster: e)
                            samples["\(s)/\(c)/\(n)/\(t)", default: []].append(row)
                            Terminal.log(
                                "round \(round): \(s) shard(s), concurrency \(c), \(n) coordinator(s) x \(t) thread(s): "
                                    + "floor \(Int(f.throughput)) req/s p50 \(f.p50) us; efficientrec \(Int(e.throughput)) req/s p50 \(e.p50) us")
                        }
                    }
                }
            }
        }
        let rows = shardCounts.flatMap { s in
            coordinatorCounts.flatMap { n in threadCounts.flatMap { t in concurrencies.map { c in Self.median(samples["\(s)/\(c)/\(n)/\(t)"]!) } } }
        }
        print(Self.table(rows, rounds: rounds))
        return rows
    }

    /// Per field, the median over rounds.
    static func median(_ rows: [Row]) -> Row {
        func mid<T: Comparable>(_ values: [T]) -> T { values.sorted()[values.count / 2] }
        func m(_ pick: (Row) -> Measurement) -> Measurement {
            let all = rows.map(pick)
            return Measurement(
                throughput: mid(all.map(\.throughput)), p50: mid(all.map(\.p50)), errors: all.map(\.errors).reduce(0, +),
                coordinatorCPU: mid(all.map(\.coordinatorCPU)), workersCPU: mid(all.map(\.workersCPU)))
        }
        return Row(
            shards: rows[0].shards, concurrency: rows[0].concurrency, coordinators: rows[0].coordinators, threads: rows[0].threads,
            floor: m(\.floor), cluster: m(\.cluster))
    }

    static func table(_ rows: [Row], rounds: Int) -> String {
        var lines = [
            "shards  concurrency  coordinators x threads | floor: req/s  p50 us  CPU us/req coord/workers | efficientrec: req/s  p50 us  CPU us/req coord/workers | p50 ratio  throughput ratio"
                + (rounds > 1 ? "   (medians of \(rounds) rounds)" : "")
        ]
        for r in rows {
            func side(_ m: Measurement) -> String {
                String(format: "%10.0f  %6d  %8.1f / %-8.1f", m.throughput, m.p50, m.coordinatorCPU, m.workersCPU)
            }
            lines.append(
                String(format: "%6d  %11d  %12d x %7d | ", r.shards, r.concurrency, r.coordinators, r.threads) + side(r.floor) + "        | "
                    + side(r.cluster)
                    + String(format: "               | %8.2fx  %15.2fx", r.p50Ratio, r.throughputRatio)
                    + (r.cluster.errors + r.floor.errors > 0 ? "  (errors: floor \(r.floor.errors), efficientrec \(r.cluster.errors))" : ""))
        }
        return lines.joined(separator: "\n")
    }

    private func measureFloor(binary: String, shards: Int, sizes: FrameSizes, requests: [RecommendRequest]) throws(AppError) -> [Measurement] {
        let template = FileManager.default.temporaryDirectory.appendingPathComponent("efficientrec-floor-\(getpid())-\(shards).bin").path
        guard FileManager.default.createFile(atPath: template, contents: Data(sizes.responseTemplate)) else {
            throw AppError("cannot write \(template)")
        }
        defer { try? FileManager.default.removeItem(atPath: template) }
        var processes: [LocalProcess] = []
        defer { LocalProcess.terminateAll(processes) }
        var endpoints: [String] = []
        for _ in 0..<shards {
            let shard = try LocalProcess.launch(binary, ["shard", "tcp://127.0.0.1:*", "\(sizes.shardReply)"])
            processes.append(shard)
            endpoints.append(String(try shard.firstLine(containing: "listening on", timeoutSeconds: 10).split(separator: " ").last!))
        }
        let coordinator = try LocalProcess.launch(
            binary,
            [
                "coordinator", "tcp://127.0.0.1:*", "\(sizes.subRequest)", template,
                "\(sizes.requestIDOffset)"
            ] + endpoints)
        processes.append(coordinator)
        let endpoint = String(try coordinator.firstLine(containing: "listening on", timeoutSeconds: 10).split(separator: " ").last!)
        return try drive(endpoint, coordinators: [coordinator.pid], workers: processes.dropLast().map(\.pid), requests: requests)
    }

    private func measureCluster(shards: Int, coordinators: Int, threads: Int, requests: [RecommendRequest]) throws(AppError) -> [Measurement] {
        let cluster = try LocalCluster.launch(
            executable: executable, model: model, shards: shards, coordinators: coordinators,
            coordinatorArguments: ["--threads", "\(threads)"])
        defer { cluster.stop() }
        return try drive(
            cluster.clientEndpoint, coordinators: cluster.coordinators.map(\.pid), workers: cluster.workers.map(\.pid), requests: requests)
    }

    /// One warm-up and one measured run per concurrency, with the processes' CPU read around it.
    private func drive(_ endpoint: String, coordinators: [Int32], workers: [Int32], requests: [RecommendRequest]) throws(AppError) -> [Measurement] {
        let generator = try AppError.wrap { try LoadGenerator(coordinator: endpoint) }
        var out: [Measurement] = []
        for c in concurrencies {
            if warmup > 0 { _ = try AppError.wrap { try generator.run(requests: requests, concurrency: c, duration: warmup) } }
            func cpu(_ pids: [Int32]) -> Double { pids.compactMap { ProcessCPU.seconds(pid: $0) }.reduce(0, +) }
            let before = (cpu(coordinators), cpu(workers))
            let report = try AppError.wrap { try generator.run(requests: requests, concurrency: c, duration: duration) }
            let after = (cpu(coordinators), cpu(workers))
            let answered = Double(max(report.completed, 1))
            out.append(
                Measurement(
                    throughput: report.throughput, p50: report.p50, errors: report.errors + report.timedOut,
                    coordinatorCPU: (after.0 - before.0) / answered * 1e6, workersCPU: (after.1 - before.1) / answered * 1e6))
        }
        return out
    }
}
