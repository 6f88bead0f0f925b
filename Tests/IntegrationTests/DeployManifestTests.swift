import Foundation
import RecApp
import RecTestSupport
import XCTest
import Yams

/// The operator files in deploy/ agree with each other and with the CLI: Kubernetes manifests,
/// the cluster config they mount, systemd units and the container file.
final class DeployManifestTests: XCTestCase {
    var deploy: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("deploy")
    }

    func documents(_ file: String) throws -> [[String: Any]] {
        let text = try String(contentsOf: deploy.appendingPathComponent(file), encoding: .utf8)
        return try Yams.load_all(yaml: text).compactMap { $0 as? [String: Any] }
    }

    /// Every `--flag` in `args` must be one the subcommand's `--help` lists.
    func assertFlagsKnown(_ args: [String], subcommand: String, _ context: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let help = try CLI.run([subcommand, "--help"])
        XCTAssertEqual(help.status, 0, help.stderr, file: file, line: line)
        for flag in args where flag.hasPrefix("--") {
            XCTAssertTrue(
                help.stdout.contains(flag + " ") || help.stdout.contains(flag + "\n") || help.stdout.contains(flag + ","),
                "\(context): \(subcommand) has no flag \(flag)", file: file, line: line)
        }
    }

    func value(after flag: String, in args: [String]) -> String? {
        guard let k = args.firstIndex(of: flag), k + 1 < args.count else { return nil }
        return args[k + 1]
    }

    func port(_ endpoint: String) -> Int? { endpoint.split(separator: ":").last.flatMap { Int($0) } }

    func testKubernetesManifestsAgreeWithTheClusterConfigAndTheCLI() throws {
        let config = try ClusterConfig.load(path: deploy.appendingPathComponent("kubernetes/cluster.json").path)
        let docs = try documents("kubernetes/workers.yaml") + documents("kubernetes/coordinator.yaml")
        let secrets = try documents("kubernetes/secrets.yaml")
        func kind(_ k: String) -> [[String: Any]] { docs.filter { $0["kind"] as? String == k } }
        func name(_ d: [String: Any]) -> String { (d["metadata"] as? [String: Any])?["name"] as? String ?? "" }
        let secretKeys: [String: Set<String>] = Dictionary(
            uniqueKeysWithValues: secrets.map {
                (name($0), Set(($0["stringData"] as? [String: Any])?.keys.map { $0 } ?? []))
            })

        let statefulSets = kind("StatefulSet")
        let replicaCount = Set(config.shards.map(\.replicas.count))
        XCTAssertEqual(replicaCount.count, 1, "every shard has the same number of replicas")
        XCTAssertEqual(statefulSets.count, replicaCount.first, "one worker StatefulSet per replica index")
        for set in statefulSets {
            let spec = try XCTUnwrap(set["spec"] as? [String: Any])
            XCTAssertEqual(spec["replicas"] as? Int, config.shards.count, "\(name(set)): one pod per shard")
            XCTAssertEqual(spec["serviceName"] as? String, name(set))
            let pod = try XCTUnwrap((spec["template"] as? [String: Any])?["spec"] as? [String: Any])
            let container = try XCTUnwrap((pod["containers"] as? [[String: Any]])?.first)
            let args = try XCTUnwrap(container["args"] as? [String])
            XCTAssertEqual(args.first, "worker")
            try assertFlagsKnown(args, subcommand: "worker", name(set))
            XCTAssertEqual(value(after: "--shard", in: args), "$(SHARD)")
            let env = try XCTUnwrap((container["env"] as? [[String: Any]])?.first { $0["name"] as? String == "SHARD" })
            let field = ((env["valueFrom"] as? [String: Any])?["fieldRef"] as? [String: Any])?["fieldPath"] as? String
            XCTAssertEqual(field, "metadata.labels['apps.kubernetes.io/pod-index']", "the shard is the pod's ordinal")
            let replica = try XCTUnwrap(Int(value(after: "--replica", in: args) ?? ""))
            // The config names exactly this StatefulSet's pods for this replica index, on the bound port.
            let bindPort = port(try XCTUnwrap(value(after: "--bind", in: args)))
            for (shard, s) in config.shards.enumerated() {
                XCTAssertEqual(s.replicas[replica], "tcp://\(name(set))-\(shard).\(name(set)):\(bindPort ?? -1)")
            }
            let containerPort = (container["ports"] as? [[String: Any]])?.first?["containerPort"] as? Int
            XCTAssertEqual(containerPort, bindPort)
            try assertMetricsPortAgrees(args: args, container: container, context: name(set))
            // Its headless Service exposes that port.
            let service = try XCTUnwrap(kind("Service").first { name($0) == name(set) }, "no Service \(name(set))")
            let serviceSpec = try XCTUnwrap(service["spec"] as? [String: Any])
            XCTAssertEqual(serviceSpec["clusterIP"] as? String, "None")
            XCTAssertEqual((serviceSpec["ports"] as? [[String: Any]])?.first?["port"] as? Int, bindPort)
            try assertMountedFilesExist(args: args, pod: pod, container: container, secretKeys: secretKeys, context: name(set))
        }

        let deployment = try XCTUnwrap(kind("Deployment").first)
        let pod = try XCTUnwrap(((deployment["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any])
        let container = try XCTUnwrap((pod["containers"] as? [[String: Any]])?.first)
        let args = try XCTUnwrap(container["args"] as? [String])
        XCTAssertEqual(args.first, "coordinator")
        try assertFlagsKnown(args, subcommand: "coordinator", "coordinator")
        let bindPort = port(try XCTUnwrap(config.coordinator?.bind))
        XCTAssertEqual((container["ports"] as? [[String: Any]])?.first?["containerPort"] as? Int, bindPort)
        let service = try XCTUnwrap(kind("Service").first { name($0) == "efficientrec" })
        XCTAssertEqual(((service["spec"] as? [String: Any])?["ports"] as? [[String: Any]])?.first?["port"] as? Int, bindPort)
        try assertMountedFilesExist(args: args, pod: pod, container: container, secretKeys: secretKeys, context: "coordinator")
        try assertMetricsPortAgrees(args: args, container: container, context: "coordinator")
    }

    /// --metrics-bind's port is the container's `metrics` port, the readiness probe's /readyz and the
    /// liveness probe's /healthz.
    func assertMetricsPortAgrees(args: [String], container: [String: Any], context: String) throws {
        let metricsPort = port(try XCTUnwrap(value(after: "--metrics-bind", in: args), "\(context): no --metrics-bind"))
        let declared = (container["ports"] as? [[String: Any]])?.first { $0["name"] as? String == "metrics" }?["containerPort"] as? Int
        XCTAssertEqual(declared, metricsPort, "\(context): the metrics port")
        let probe = (container["readinessProbe"] as? [String: Any])?["httpGet"] as? [String: Any]
        XCTAssertEqual(probe?["path"] as? String, "/readyz", context)
        let liveness = (container["livenessProbe"] as? [String: Any])?["httpGet"] as? [String: Any]
        XCTAssertEqual(liveness?["path"] as? String, "/healthz", context)
        XCTAssertEqual(probe?["port"] as? Int, metricsPort, context)
    }

    /// Key files named in the arguments live under a mount of a Secret that has that key.
    func assertMountedFilesExist(
        args: [String], pod: [String: Any], container: [String: Any], secretKeys: [String: Set<String>],
        context: String
    ) throws {
        let mounts = (container["volumeMounts"] as? [[String: Any]]) ?? []
        let volumes = (pod["volumes"] as? [[String: Any]]) ?? []
        for flag in ["--curve-secret", "--curve-clients", "--curve-worker-key"] {
            guard let path = value(after: flag, in: args) else { continue }
            let mount = try XCTUnwrap(
                mounts.first { path.hasPrefix(($0["mountPath"] as? String ?? "") + "/") || path == $0["mountPath"] as? String },
                "\(context): nothing mounted at \(path)")
            let volume = try XCTUnwrap(volumes.first { $0["name"] as? String == mount["name"] as? String })
            let secretName = try XCTUnwrap((volume["secret"] as? [String: Any])?["secretName"] as? String, "\(context): \(path) is not from a Secret")
            let keys = try XCTUnwrap(secretKeys[secretName], "\(context): no Secret \(secretName) in secrets.yaml")
            let file = String(path.dropFirst((mount["mountPath"] as? String ?? "").count)).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            if file.isEmpty {
                XCTAssertTrue(keys.contains { $0.hasSuffix(".pub") }, "\(context): \(secretName) holds no .pub file for \(flag)")
            } else {
                XCTAssertTrue(keys.contains(file), "\(context): \(secretName) has no \(file)")
            }
        }
    }

    func testSystemdUnitsAndContainerFileAgreeWithTheCLI() throws {
        let config = try ClusterConfig.load(path: deploy.appendingPathComponent("systemd/cluster.json").path)
        XCTAssertNil(config.validationError())
        for (unit, subcommand) in [("efficientrec-worker@.service", "worker"), ("efficientrec-coordinator.service", "coordinator")] {
            let text = try String(contentsOf: deploy.appendingPathComponent("systemd/" + unit), encoding: .utf8)
            let exec = try XCTUnwrap(text.split(separator: "\n").first { $0.hasPrefix("ExecStart=") })
            let args = exec.dropFirst("ExecStart=".count).split(separator: " ").map(String.init)
            XCTAssertTrue(args[0].hasSuffix("/efficientrec"))
            XCTAssertEqual(args[1], subcommand)
            try assertFlagsKnown(Array(args.dropFirst(2)), subcommand: subcommand, unit)
            XCTAssertEqual(value(after: "--config", in: args), "/etc/efficientrec/cluster.json")
            XCTAssertTrue(text.contains("KillSignal=SIGTERM"), "\(unit): graceful stop on SIGTERM")
        }
        let container = try String(contentsOf: deploy.appendingPathComponent("Containerfile"), encoding: .utf8)
        for package in ["libzmq3-dev", "libprotobuf-c-dev", "libopenblas-dev", "libzmq5", "libprotobuf-c1", "libopenblas0"] {
            XCTAssertTrue(container.contains(package), "Containerfile installs \(package)")
        }
        XCTAssertTrue(container.contains("ENTRYPOINT [\"/usr/local/bin/efficientrec\"]"))
        let exposed =
            container.split(separator: "\n").first { $0.hasPrefix("EXPOSE") }?.split(separator: " ").dropFirst().compactMap { Int($0) } ?? []
        let k8s = try ClusterConfig.load(path: deploy.appendingPathComponent("kubernetes/cluster.json").path)
        XCTAssertTrue(exposed.contains(port(k8s.coordinator!.bind)!))
        XCTAssertTrue(exposed.contains(port(k8s.shards[0].replicas[0])!))
    }
}
