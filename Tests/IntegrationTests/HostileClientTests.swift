import EfficientRecClient
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

/// Well-formed but hostile clients against a real cluster (real processes, real sockets on
/// loopback): what they can make the coordinator hold or do is bounded, each refusal is
/// answered (with the request ID when its bytes can be read) and counted, and valid requests are
/// still answered afterwards.
final class HostileClientTests: XCTestCase {
    /// The coordinator's process ID, from the cluster's announcement line.
    func startCluster() throws -> (LocalProcess, endpoint: String, coordinatorPID: Int32) {
        let cluster = try LocalProcess.launch(CLI.binary, ["cluster", "--model", ServingTests.fixture.model, "--shards", "1", "--port", "0"])
        let line = try cluster.firstLine(containing: "coordinator: tcp", timeoutSeconds: 60)
        let endpoint = String(line.split(separator: " ")[1])
        guard let range = line.range(of: "(pid "), let pid = Int32(line[range.upperBound...].prefix { $0.isNumber }) else {
            throw XCTSkip("the cluster did not announce the coordinator's pid: \(line)")
        }
        return (cluster, endpoint, pid)
    }

    /// The offline `recommend` answer for the valid request (items i1 and i4 liked, k = 5).
    static let offline: [String] = {
        let model = try! ModelFile.load(path: ServingTests.fixture.model)
        let (history, _) = model.mapHistory(itemIDs: ["i1", "i4"], ratings: [5, 5])
        var vote = model.makeVote()
        return model.recommend(history: history, attributes: model.attributes.encode(nil), k: 5, vote: &vote).items.map { model.items[$0.index] }
    }()

    /// A valid request's answer once the cluster is whole again (coverage 1, within 15 s): a debug
    /// build can spend long enough on hostile frames to miss worker heartbeats. It must equal the
    /// offline answer.
    func wholeAnswer(_ client: QueryClient) throws -> RecommendResponse {
        var answer = try XCTUnwrap(try valid(client, "after"))
        let deadline = Date().addingTimeInterval(15)
        while answer.coverage < 1 && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.2)
            answer = try XCTUnwrap(try valid(client, "after"))
        }
        XCTAssertEqual(answer.coverage, 1)
        XCTAssertEqual(answer.itemIDs, Self.offline, "the cluster's answer equals offline recommend")
        return answer
    }

    func valid(_ client: QueryClient, _ id: String) throws -> RecommendResponse? {
        guard
            case let .recommend(r) = try client.send(
                .recommend(RecommendRequest(requestID: id, itemIDs: ["i1", "i4"], ratings: [5, 5], k: 5)), id: id)
        else { return nil }
        return r
    }

    func testFramesOfMillionsOfEmptyEntriesAreRefusedWithTheirIDAndBoundedMemory() throws {
        let (cluster, endpoint, pid) = try startCluster()
        defer { _ = cluster.terminate() }
        let client = try QueryClient(coordinator: endpoint)
        let before = try wholeAnswer(client)
        let baseline = Self.memory(pid)
        // Built once; each frame differs only in the last digit of its request ID.
        var frame = Self.frameOfEmptyItemIDs(4_000_000, requestID: "hostile-0")
        XCTAssertLessThanOrEqual(frame.count, WireLimits.standard.maxMessageBytes)
        let digit = try XCTUnwrap((0..<32).first { Array(frame[$0..<($0 + 9)]) == Array("hostile-0".utf8) }) + 8
        for n in 0..<10 {
            frame[digit] = UInt8(ascii: "0") + UInt8(n)
            guard case let .error(e)? = try client.sendRaw(frame, timeoutSeconds: 10) else { return XCTFail("frame \(n): no error reply") }
            XCTAssertEqual(e.requestID, "hostile-\(n)")
            XCTAssertTrue(e.message.contains("item_ids has 4000000 entries"), e.message)
        }
        let after = Self.memory(pid)
        print(
            "hostile frames (10 × 4,000,000 empty item IDs, 8 MB each): coordinator RSS "
                + String(
                    format: "%.1f MB before, %.1f MB after, peak %.1f MB (peak before %.1f MB)", baseline.rss, after.rss, after.peak, baseline.peak))
        // Before the pre-scan each frame was unpacked into 4M C strings: peak RSS rose by ~360 MB.
        XCTAssertLessThan(after.peak - baseline.peak, 120, "the coordinator buffered what it should have refused")
        let again = try wholeAnswer(client)
        XCTAssertEqual(again.itemIDs, before.itemIDs, "valid requests are answered exactly as before")
        guard case let .status(s) = try client.send(.status(StatusRequest(requestID: "s")), id: "s") else { return XCTFail("no status") }
        XCTAssertGreaterThanOrEqual(s.errors, 10, "each refusal is counted")
    }

    func testAFrameBeyondTheTransportCapDropsOnlyThatConnection() throws {
        let (cluster, endpoint, pid) = try startCluster()
        defer { _ = cluster.terminate() }
        let good = try QueryClient(coordinator: endpoint)
        let before = try wholeAnswer(good)
        let baseline = Self.memory(pid)
        let hostile = try QueryClient(coordinator: endpoint)
        let cap = Int(WireLimits.standard.transportFrameBytes)
        let huge = [UInt8](repeating: 0x41, count: cap + 1_000_000)
        XCTAssertNil(try? hostile.sendRaw(huge, timeoutSeconds: 2), "an over-cap frame gets no reply: its connection is dropped")
        // libzmq reports the drop only as a lost connection: counted in status (and metrics).
        guard case let .status(s) = try good.send(.status(StatusRequest(requestID: "s")), id: "s") else { return XCTFail("no status") }
        XCTAssertGreaterThanOrEqual(s.clientDisconnects, 1, "the dropped connection was counted")
        // Between the wire limit and the cap: refused with an error, not dropped.
        let big = [UInt8](repeating: 0x41, count: WireLimits.standard.maxMessageBytes + 1_000)
        guard case let .error(e)? = try good.sendRaw(big, timeoutSeconds: 5) else { return XCTFail("no error for a frame over the wire limit") }
        XCTAssertTrue(e.message.contains("message bytes"), e.message)
        let after = Self.memory(pid)
        print(
            "over-cap frame (\(huge.count) bytes): coordinator RSS "
                + String(
                    format: "%.1f MB before, %.1f MB after, peak %.1f MB (peak before %.1f MB)", baseline.rss, after.rss, after.peak, baseline.peak))
        XCTAssertLessThan(after.peak - baseline.peak, 3 * Double(cap) / 1_048_576, "frames are bounded by the transport cap")
        let again = try wholeAnswer(good)
        XCTAssertEqual(again.itemIDs, before.itemIDs)
    }

    /// 100,000 requests with one-hour deadlines against a worker that accepts connections and never
    /// answers: every one is answered (refused as overloaded, or a zero-coverage answer once the
    /// worker is declared dead / the clamped deadline passes), memory stays bounded, nothing exits.
    func testFarFutureDeadlinesAgainstASilentWorkerAreAllAnsweredWithBoundedMemory() throws {
        let context = try ZMQContext()
        let silentWorker = try ZMQSocket(context: context, kind: .router)
        defer { silentWorker.close() }
        try silentWorker.bind("tcp://127.0.0.1:*")
        let coordinator = try LocalProcess.launch(
            CLI.binary,
            [
                "coordinator", "--model", ServingTests.fixture.model, "--workers", try silentWorker.lastEndpoint(),
                "--bind", "tcp://127.0.0.1:*", "--max-deadline-ms", "1000"
            ])
        defer { _ = coordinator.terminate() }
        let endpoint = String(try coordinator.firstLine(containing: "listening on", timeoutSeconds: 60).split(separator: " ").last!)
        let client = try QueryClient(coordinator: endpoint)
        _ = try client.send(.status(StatusRequest(requestID: "warm-up")), id: "warm-up")
        let baseline = Self.memory(coordinator.pid)
        let far = UInt64(Date().timeIntervalSince1970 * 1_000_000) + 3_600_000_000
        let count = 100_000
        let messages = (0..<count).map { n in
            (
                "d\(n)",
                ClientMessage.recommend(
                    RecommendRequest(
                        requestID: "d\(n)", itemIDs: ["i1", "i4"], ratings: [5, 5], k: 5,
                        deadlineUnixMicros: far)
                ).serializedBytes()
            )
        }
        let started = Date()
        let replies = try client.exchange(messages, window: 1_000, timeoutSeconds: 300)
        let seconds = Date().timeIntervalSince(started)
        XCTAssertEqual(replies.count, count, "every request is answered")
        var overloaded = 0, answered = 0, other = 0
        for reply in replies.values {
            switch reply {
            case let .error(e) where e.code == .overloaded: overloaded += 1
            case let .recommend(r): answered += 1; XCTAssertEqual(r.coverage, 0)
            default: other += 1
            }
        }
        let after = Self.memory(coordinator.pid)
        print(
            "far-future deadlines, silent worker: \(count) requests in " + String(format: "%.1f s", seconds)
                + ": \(overloaded) refused as overloaded, \(answered) answered with coverage 0, \(other) other errors; coordinator RSS "
                + String(
                    format: "%.1f MB before, %.1f MB after, peak %.1f MB (peak before %.1f MB)", baseline.rss, after.rss, after.peak, baseline.peak))
        XCTAssertTrue(coordinator.isRunning)
        XCTAssertLessThan(after.peak - baseline.peak, 150, "requests in flight are bounded by admission, their timers by the clamp")
    }

    /// 200 clients that connect and send nothing, and 2,000 connections opened and closed (half
    /// of them after one garbage frame): the coordinator keeps serving exactly, memory bounded.
    func testSilentAndChurningConnectionsLeaveTheCoordinatorServing() throws {
        let (cluster, endpoint, pid) = try startCluster()
        defer { _ = cluster.terminate() }
        let good = try QueryClient(coordinator: endpoint)
        let before = try wholeAnswer(good)
        let baseline = Self.memory(pid)
        let context = try ZMQContext()
        var options = ZMQSocket.Options()
        options.lingerMilliseconds = 0
        var silent: [ZMQSocket] = []
        for _ in 0..<200 {
            let s = try ZMQSocket(context: context, kind: .dealer, options: options)
            try s.connect(endpoint)
            silent.append(s)
        }
        // In batches of 100, each with its own context (closing a context waits for its sockets to
        // go, so this process does not run out of file descriptors either).
        // Half of them send a garbage frame and wait for its error reply, so those connections are
        // certainly made and served before they close.
        var refusals = 0
        let poller = Poller()
        for batch in 0..<20 {
            let churn = try ZMQContext()
            for n in 0..<100 {
                let s = try ZMQSocket(context: churn, kind: .dealer, options: options)
                try s.connect(endpoint)
                if (batch * 100 + n) % 2 == 0 {
                    _ = try s.send([[0xDE, 0xAD, 0xBE, 0xEF]])
                    if try poller.wait(sockets: [s], timeoutMilliseconds: 5_000).sockets[0], let frames = try s.receive(),
                        case .error(let e)? = try? ServerMessage(serializedBytes: frames.last ?? []), e.code == .malformed
                    {
                        refusals += 1
                    }
                }
                s.close()
            }
        }
        XCTAssertEqual(refusals, 1_000, "every garbage frame on a short-lived connection was answered")
        let again = try wholeAnswer(good)
        XCTAssertEqual(again.itemIDs, before.itemIDs)
        let after = Self.memory(pid)
        print(
            "200 silent + 2,000 churned connections: coordinator RSS "
                + String(
                    format: "%.1f MB before, %.1f MB after, peak %.1f MB (peak before %.1f MB)", baseline.rss, after.rss, after.peak, baseline.peak))
        XCTAssertLessThan(after.peak - baseline.peak, 100)
        for s in silent { s.close() }
        XCTAssertTrue(cluster.isRunning)
    }

    /// Heartbeats forged straight to a CURVE worker (claiming a 5-shard map, which would make it
    /// load more clusters) from a key other than the coordinator's get no answer and change nothing;
    /// the coordinator's key is answered (the control), and the worker still reports its own map.
    func testAWorkerObeysOnlyItsCoordinatorsKey() throws {
        let keys = TestFixtures.temporaryDirectory("forge-keys")
        for name in ["worker", "coordinator", "stranger"] {
            _ = try CurveKeyFiles.generate(base: keys + "/" + name)
        }
        let worker = try LocalProcess.launch(
            CLI.binary,
            [
                "worker", "--model", ServingTests.fixture.model, "--shard", "0", "--shards", "1", "--bind", "tcp://127.0.0.1:*",
                "--curve-secret", keys + "/worker.key", "--curve-clients", keys + "/coordinator.pub"
            ])
        defer { _ = worker.terminate() }
        let endpoint = String(try worker.firstLine(containing: "listening on", timeoutSeconds: 60).split(separator: " ").last!)
        let workerKey = try CurveKeyFiles.readPublic(keys + "/worker.pub")
        let baseline = Self.memory(worker.pid)
        func heartbeat(from name: String, shardCount: UInt32) throws -> WorkerMessage? {
            let context = try ZMQContext()
            var options = ZMQSocket.Options()
            options.lingerMilliseconds = 0
            options.curve = .client(keys: try CurveKeyFiles.readSecret(keys + "/\(name).key"), serverKey: workerKey)
            let socket = try ZMQSocket(context: context, kind: .dealer, options: options)
            defer { socket.close() }
            try socket.connect(endpoint)
            let forged = Heartbeat(
                shard: 0, modelVersion: "", sentUnixMicros: UInt64(Date().timeIntervalSince1970 * 1_000_000),
                shardCount: shardCount)
            for _ in 0..<20 { _ = try socket.send([CoordinatorMessage.heartbeat(forged).serializedBytes()]) }
            guard try Poller().wait(sockets: [socket], timeoutMilliseconds: 1_500).sockets[0], let frames = try socket.receive() else { return nil }
            return try? WorkerMessage(serializedBytes: frames.last ?? [])
        }
        XCTAssertNil(try heartbeat(from: "stranger", shardCount: 5), "a stranger's heartbeat was answered")
        // The coordinator's key is answered, and the worker still uses its own one-shard map (a
        // heartbeat that states no shard count changes nothing).
        guard case let .heartbeat(h)? = try heartbeat(from: "coordinator", shardCount: 0) else {
            return XCTFail("the coordinator's key got no heartbeat back")
        }
        XCTAssertEqual(h.shardCount, 1, "the stranger's 5-shard heartbeat was obeyed")
        let after = Self.memory(worker.pid)
        print("forged heartbeats to a CURVE worker: worker RSS " + String(format: "%.1f MB before, %.1f MB after", baseline.rss, after.rss))
        XCTAssertTrue(worker.isRunning)
    }

}
