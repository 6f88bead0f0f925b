import Foundation
import RecServer

/// `efficientrec cluster`: starts N shards × R replica workers and a coordinator as processes on loopback,
/// prints their endpoints, and stops them all on SIGINT/SIGTERM.
public struct ClusterJob {
    public var model: String
    public var shards: Int
    public var replicas = 1
    /// Coordinator processes (stateless; clients connect to all of them).
    public var coordinators = 1
    /// Poll loops per coordinator process (`coordinator --threads`).
    public var coordinatorThreads = 1
    /// CURVE key directory (see `CurveKeyFiles.clusterKeys`); nil runs in plaintext.
    public var keys: String?
    /// Base port: the coordinator binds it and worker i binds port + 1 + i; 0 lets the kernel choose.
    public var port: Int
    /// The `efficientrec` binary the worker and coordinator processes run (default: this one).
    public var executable: String

    public init(model: String, shards: Int, port: Int, executable: String = LocalProcess.currentExecutable) {
        self.model = model
        self.shards = shards
        self.port = port
        self.executable = executable
    }

    public func run() throws(AppError) {
        guard shards >= 1, shards <= 64 else { throw AppError("--shards must be between 1 and 64") }
        guard replicas >= 1, replicas <= 8 else { throw AppError("--replicas must be between 1 and 8") }
        guard coordinators >= 1, coordinators <= 16 else { throw AppError("--coordinators must be between 1 and 16") }
        guard (1...64).contains(coordinatorThreads) else { throw AppError("--coordinator-threads must be between 1 and 64") }
        guard (0...65_000).contains(port) else { throw AppError("--port must be between 0 and 65000") }
        guard FileManager.default.isReadableFile(atPath: model) else { throw AppError("cannot read model file '\(model)'") }
        var workerSecurity: [String] = [], coordinatorSecurity: [String] = []
        if let keys {
            let k = try CurveKeyFiles.clusterKeys(in: keys)
            workerSecurity = ["--curve-secret", k.worker + ".key", "--curve-clients", k.coordinator + ".pub"]
            coordinatorSecurity = ["--curve-secret", k.coordinator + ".key", "--curve-clients", k.clients, "--curve-worker-key", k.worker + ".pub"]
            announce("secured with CURVE: clients use --curve-secret \(k.client).key --curve-server-key \(k.coordinator).pub")
        }
        let stop = SignalStop.install()
        var children: [LocalProcess] = []
        defer { LocalProcess.terminateAll(children) }
        let cluster = try LocalCluster.launch(
            executable: executable, model: model, shards: shards, replicas: replicas,
            coordinators: coordinators, port: port,
            workerArguments: workerSecurity, coordinatorArguments: coordinatorSecurity + ["--threads", "\(coordinatorThreads)"],
            notice: { announce($0) })
        children = cluster.processes
        announce("coordinator admin (rollback, block): \(cluster.adminEndpoints.joined(separator: ","))")
        if coordinators > 1 { announce("clients connect to every coordinator: --coordinator \(cluster.clientEndpoint)") }
        announce("ready; Ctrl-C stops the cluster")
        while !stop.isStopped {
            if let dead = children.first(where: { !$0.isRunning }) {
                throw AppError("process \(dead.pid) exited with status \(dead.status); stopping the cluster")
            }
            usleep(100_000)
        }
        Terminal.log("stopping \(children.count) processes")
        // All at once (each drains in parallel); each must exit 0 on SIGTERM by itself.
        let stubborn = LocalProcess.terminateAll(children)
        children = []
        if !stubborn.isEmpty {
            throw AppError(
                "\(stubborn.count) process(es) did not exit cleanly on SIGTERM: "
                    + stubborn.map { "pid \($0.pid) (status \($0.status))" }.joined(separator: ", "))
        }
    }
}

/// A child process whose standard output is read line by line.
public final class LocalProcess {
    let process = Process()
    private let output = Pipe()
    private var buffer = Data()

    public static var currentExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    public static func launch(_ executable: String, _ arguments: [String]) throws(AppError) -> LocalProcess {
        let p = LocalProcess()
        p.process.executableURL = URL(fileURLWithPath: executable)
        p.process.arguments = arguments
        p.process.standardOutput = p.output
        do { try p.process.run() } catch { throw AppError("cannot start \(executable): \(error)") }
        return p
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }
    public var status: Int32 { process.isRunning ? 0 : process.terminationStatus }

    /// Reads standard output until a line containing `text` (the process announces its endpoint).
    public func firstLine(containing text: String, timeoutSeconds: Double) throws(AppError) -> String {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        let handle = output.fileHandleForReading
        while Date() < deadline {
            if let range = buffer.firstRange(of: Data("\n".utf8)) {
                let line = String(decoding: buffer[buffer.startIndex..<range.lowerBound], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex..<range.upperBound)
                if line.contains(text) { return line }
                continue
            }
            guard process.isRunning else { throw AppError("process \(pid) exited (status \(process.terminationStatus)) before '\(text)'") }
            let chunk = handle.availableData
            if chunk.isEmpty { usleep(10_000) } else { buffer.append(chunk) }
        }
        throw AppError("process \(pid) did not print '\(text)' within \(Int(timeoutSeconds)) s")
    }

    /// SIGTERM to every process at once, SIGKILL to those still running after `grace` seconds;
    /// waits for every exit. Returns the processes that did not exit 0 by themselves.
    @discardableResult
    public static func terminateAll(_ processes: [LocalProcess], grace: Double = 2) -> [LocalProcess] {
        for p in processes where p.process.isRunning { kill(p.pid, SIGTERM) }
        let deadline = Date().addingTimeInterval(grace)
        while processes.contains(where: { $0.process.isRunning }) && Date() < deadline { usleep(10_000) }
        var failed: [LocalProcess] = []
        for p in processes {
            if p.process.isRunning {
                kill(p.pid, SIGKILL)
                p.process.waitUntilExit()
                failed.append(p)
            } else {
                p.process.waitUntilExit()
                if !(p.process.terminationReason == .exit && p.process.terminationStatus == 0) { failed.append(p) }
            }
        }
        return failed
    }

    /// SIGTERM, then SIGKILL after `grace` seconds (longer than a cluster needs to stop its own
    /// children); waits for the exit, so nothing is left behind. True when the process exited by
    /// itself with status 0.
    @discardableResult
    public func terminate(grace: Double = 5) -> Bool {
        if process.isRunning {
            kill(pid, SIGTERM)
            let deadline = Date().addingTimeInterval(grace)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            if process.isRunning {
                kill(pid, SIGKILL)
                process.waitUntilExit()
                return false
            }
        }
        process.waitUntilExit()
        return process.terminationReason == .exit && process.terminationStatus == 0
    }
}
