import Foundation

/// Shard workers and a coordinator started as processes on loopback (what `cluster` runs and
/// `bench-floor` measures). The caller owns the processes: `stop()` ends them all.
public struct LocalCluster {
    public var workers: [LocalProcess] = []
    /// One or more stateless coordinators, each serving every shard.
    public var coordinators: [LocalProcess] = []
    public var coordinator: LocalProcess? { coordinators.first }
    /// Per shard, its replicas' endpoints.
    public var workerEndpoints: [[String]] = []
    public var coordinatorEndpoints: [String] = []
    public var adminEndpoints: [String] = []
    public var coordinatorEndpoint: String { coordinatorEndpoints.first ?? "" }
    public var adminEndpoint: String { adminEndpoints.first ?? "" }
    /// What a client connects to: every coordinator's endpoint, comma-separated (a DEALER
    /// connected to several spreads its requests over them).
    public var clientEndpoint: String { coordinatorEndpoints.joined(separator: ",") }

    public var processes: [LocalProcess] { workers + coordinators }

    /// Starts `shards` × `replicas` workers, then the coordinator; `port` 0 lets the kernel choose,
    /// else the coordinator binds `port`, worker i binds port + 1 + i and further coordinators the
    /// ports after the workers'. `notice` hears each process as it comes up. On a failure the
    /// processes started so far are stopped.
    public static func launch(
        executable: String, model: String, shards: Int, replicas: Int = 1, coordinators: Int = 1, port: Int = 0,
        workerArguments: [String] = [], coordinatorArguments: [String] = [],
        notice: (String) -> Void = { _ in }
    ) throws(AppError) -> LocalCluster {
        var cluster = LocalCluster()
        do throws(AppError) {
            func endpoint(_ offset: Int) -> String { port == 0 ? "tcp://127.0.0.1:*" : "tcp://127.0.0.1:\(port + offset)" }
            for shard in 0..<shards {
                var group: [String] = []
                for replica in 0..<replicas {
                    let child = try LocalProcess.launch(
                        executable,
                        [
                            "worker", "--model", model, "--shard", "\(shard)", "--shards", "\(shards)",
                            "--bind", endpoint(1 + shard * replicas + replica)
                        ] + workerArguments)
                    cluster.workers.append(child)
                    let line = try child.firstLine(containing: "listening on", timeoutSeconds: 60)
                    group.append(String(line.split(separator: " ").last!))
                    notice("worker \(shard).\(replica): \(group.last!) (pid \(child.pid))")
                }
                cluster.workerEndpoints.append(group)
            }
            let workerList = cluster.workerEndpoints.map { $0.joined(separator: "|") }.joined(separator: ",")
            for n in 0..<max(1, coordinators) {
                let offset = n == 0 ? 0 : shards * replicas + n
                let coordinator = try LocalProcess.launch(
                    executable,
                    [
                        "coordinator", "--model", model, "--workers", workerList,
                        "--bind", endpoint(offset)
                    ] + coordinatorArguments)
                cluster.coordinators.append(coordinator)
                let adminLine = try coordinator.firstLine(containing: "admin endpoint on", timeoutSeconds: 60)
                let line = try coordinator.firstLine(containing: "listening on", timeoutSeconds: 60)
                cluster.coordinatorEndpoints.append(String(line.split(separator: " ").last!))
                cluster.adminEndpoints.append(String(adminLine.split(separator: " ").last!))
                notice("coordinator: \(cluster.coordinatorEndpoints.last!) (pid \(coordinator.pid))")
            }
        } catch {
            LocalProcess.terminateAll(cluster.processes)
            throw error
        }
        return cluster
    }

    /// SIGTERM to all at once; returns the processes that did not exit 0 by themselves.
    @discardableResult
    public func stop() -> [LocalProcess] { LocalProcess.terminateAll(processes) }
}
