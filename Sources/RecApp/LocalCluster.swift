import Foundation

/// Shard workers and a coordinator started as processes on loopback (what `cluster` runs and
/// `bench-floor` measures). The caller owns the processes: `stop()` ends them all.
public struct LocalCluster {
    public var workers: [LocalProcess] = []
    public var coordinator: LocalProcess?
    /// Per shard, its replicas' endpoints.
    public var workerEndpoints: [[String]] = []
    public var coordinatorEndpoint = ""
    public var adminEndpoint = ""

    public var processes: [LocalProcess] { workers + (coordinator.map { [$0] } ?? []) }

    /// Starts `shards` × `replicas` workers, then the coordinator; `port` 0 lets the kernel choose,
    /// else the coordinator binds `port` and worker i binds port + 1 + i. `notice` hears each
    /// process as it comes up. On a failure the processes started so far are stopped.
    public static func launch(executable: String, model: String, shards: Int, replicas: Int = 1, port: Int = 0,
                              workerArguments: [String] = [], coordinatorArguments: [String] = [],
                              notice: (String) -> Void = { _ in }) throws(AppError) -> LocalCluster {
        var cluster = LocalCluster()
        do throws(AppError) {
            func endpoint(_ offset: Int) -> String { port == 0 ? "tcp://127.0.0.1:*" : "tcp://127.0.0.1:\(port + offset)" }
            for shard in 0..<shards {
                var group: [String] = []
                for replica in 0..<replicas {
                    let child = try LocalProcess.launch(executable, ["worker", "--model", model, "--shard", "\(shard)", "--shards", "\(shards)",
                                                                     "--bind", endpoint(1 + shard * replicas + replica)] + workerArguments)
                    cluster.workers.append(child)
                    let line = try child.firstLine(containing: "listening on", timeoutSeconds: 60)
                    group.append(String(line.split(separator: " ").last!))
                    notice("worker \(shard).\(replica): \(group.last!) (pid \(child.pid))")
                }
                cluster.workerEndpoints.append(group)
            }
            let coordinator = try LocalProcess.launch(executable, ["coordinator", "--model", model, "--workers",
                                                                   cluster.workerEndpoints.map { $0.joined(separator: "|") }.joined(separator: ","),
                                                                   "--bind", endpoint(0)] + coordinatorArguments)
            cluster.coordinator = coordinator
            let adminLine = try coordinator.firstLine(containing: "admin endpoint on", timeoutSeconds: 60)
            let line = try coordinator.firstLine(containing: "listening on", timeoutSeconds: 60)
            cluster.coordinatorEndpoint = String(line.split(separator: " ").last!)
            cluster.adminEndpoint = String(adminLine.split(separator: " ").last!)
            notice("coordinator: \(cluster.coordinatorEndpoint) (pid \(coordinator.pid))")
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
