import EfficientRecClient
import Foundation
import RecWire
import XCTest

/// The async client against a scripted coordinator on real loopback sockets: replies matched by
/// request ID whatever their order, typed errors that name their request, deadlines, batches, and
/// a closed client.
final class RecommendationClientTests: XCTestCase {
    func testConcurrentCallsShareOneConnectionAndGetTheirOwnRepliesInAnyOrder() async throws {
        let coordinator = try ScriptedCoordinator(reverseEvery: 4, answer: ScriptedCoordinator.echo)
        defer { coordinator.close() }
        let client = try RecommendationClient(endpoint: coordinator.endpoint, timeout: .seconds(10))
        defer { client.close() }
        let answers = try await withThrowingTaskGroup(of: (Int, RecommendResponse).self) { group in
            for n in 0..<16 {
                group.addTask { (n, try await client.recommend(history: [("i\(n)", 5)], k: 3)) }
            }
            var out: [Int: RecommendResponse] = [:]
            for try await (n, r) in group { out[n] = r }
            return out
        }
        XCTAssertEqual(answers.count, 16)
        for (n, r) in answers {
            XCTAssertEqual(r.itemIDs, ["i\(n)-0", "i\(n)-1", "i\(n)-2"], "call \(n) got its own reply")
            XCTAssertEqual(r.modelVersion, "scripted")
        }
        XCTAssertEqual(coordinator.received.withLock { $0.count }, 16)
    }

    func testAnErrorReplyIsATypedErrorNamingItsRequest() async throws {
        let coordinator = try ScriptedCoordinator { message in
            guard case let .recommend(r) = message else { return nil }
            return .error(ErrorReply(requestID: r.requestID, code: .overloaded, message: "busy"))
        }
        defer { coordinator.close() }
        let client = try RecommendationClient(endpoint: coordinator.endpoint)
        var request = try client.request(history: [("a", 4)], k: 5)
        request.requestID = "mine-1"
        do {
            _ = try await client.recommend(request)
            XCTFail("expected an error")
        } catch {
            XCTAssertEqual(error, .refused(requestID: "mine-1", code: .overloaded, message: "busy"))
            XCTAssertEqual(error.requestID, "mine-1")
        }
    }

    func testNoReplyTimesOutAtTheDeadlineWithTheRequestID() async throws {
        let coordinator = try ScriptedCoordinator { _ in nil }
        defer { coordinator.close() }
        let client = try RecommendationClient(endpoint: coordinator.endpoint)
        let start = ContinuousClock.now
        var request = try client.request(history: [("a", 4)], k: 5)
        request.requestID = "silent"
        do {
            _ = try await client.recommend(request, timeout: .milliseconds(200))
            XCTFail("expected a timeout")
        } catch {
            XCTAssertEqual(error, .timedOut(requestID: "silent"))
        }
        let waited = ContinuousClock.now - start
        XCTAssertGreaterThanOrEqual(waited, .milliseconds(200))
        XCTAssertLessThan(waited, .seconds(5), "the deadline ended the call")
    }

    func testABatchIsOneMessageAnsweredInOrderWithPerRequestErrors() async throws {
        let coordinator = try ScriptedCoordinator { message in
            guard case let .recommend(r) = message else { return nil }
            return r.itemIDs == ["bad"]
                ? .error(ErrorReply(requestID: r.requestID, code: .invalidArgument, message: "no"))
                : ScriptedCoordinator.echo(message)
        }
        defer { coordinator.close() }
        let client = try RecommendationClient(endpoint: coordinator.endpoint)
        let requests = try ["x", "bad", "y"].map { try client.request(history: [($0, 5)], k: 2) }
        let results = try await client.recommendBatch(requests)
        XCTAssertEqual(results.count, 3)
        XCTAssertEqual(try results[0].get().itemIDs, ["x-0", "x-1"])
        XCTAssertEqual(try results[2].get().itemIDs, ["y-0", "y-1"])
        guard case let .failure(error) = results[1] else { return XCTFail("the bad request did not fail") }
        XCTAssertEqual(error.requestID, requests[1].requestID)
        XCTAssertEqual(coordinator.received.withLock { $0.count }, 3)
    }

    func testStatusAndInvalidRequestsNeverSent() async throws {
        let coordinator = try ScriptedCoordinator(answer: ScriptedCoordinator.echo)
        defer { coordinator.close() }
        let client = try RecommendationClient(endpoint: coordinator.endpoint)
        let status = try await client.status()
        XCTAssertTrue(status.ready)
        XCTAssertEqual(status.modelVersion, "scripted")
        for (history, k) in [([("a", Float.nan)], 5), ([("a", 5)], 0), ([("a", 5)], 1_000_000)] {
            do {
                _ = try await client.recommend(history: history, k: k)
                XCTFail("k \(k), \(history): expected invalidRequest")
            } catch {
                guard case .invalidRequest = error else { return XCTFail("\(error)") }
                XCTAssertFalse(error.requestID.isEmpty, "even a refusal before sending names its request")
            }
        }
        XCTAssertEqual(coordinator.received.withLock { $0.count }, 1, "only the status request was sent")
        XCTAssertThrowsError(try RecommendationClient(endpoint: "localhost:5600"))
    }

    func testCallsOnAClosedClientFailAsClosed() async throws {
        let coordinator = try ScriptedCoordinator { _ in nil }
        defer { coordinator.close() }
        let client = try RecommendationClient(endpoint: coordinator.endpoint)
        let pending = Task { try await client.recommend(history: [("a", 5)], k: 1, timeout: .seconds(30)) }
        try await Task.sleep(for: .milliseconds(100))
        client.close()
        do {
            _ = try await pending.value
            XCTFail("expected closed")
        } catch let error as ClientError {
            XCTAssertEqual(error, .closed)
        }
        do {
            _ = try await client.status()
            XCTFail("expected closed")
        } catch {
            XCTAssertEqual(error, .closed)
        }
    }
}
