import RecServing
import XCTest

@testable import RecServer

/// The coordinator loop's outbox as a plain value: per-worker batching and ordered client batches.
final class CoordinatorOutboxTests: XCTestCase {
    func testSubRequestsWaitUntilFlushAtOrTheEndOfTheTurn() {
        var outbox = CoordinatorOutbox(workers: 2)
        var due: [CoordinatorOutbox.Delivery] = []
        for n in 0..<(CoordinatorOutbox.batchLimit - 1) { due += outbox.take([.toWorker(0, [UInt8(n)])]) }
        XCTAssertTrue(due.isEmpty, "nothing leaves before the batch limit")
        due = outbox.take([.toWorker(0, [0xFF]), .toWorker(1, [1])])
        XCTAssertEqual(due.count, 1)
        guard case let .worker(index, frames)? = due.first else { return XCTFail("expected worker 0's message") }
        XCTAssertEqual(index, 0)
        XCTAssertEqual(frames.count, CoordinatorOutbox.batchLimit)
        XCTAssertEqual(frames.last, [0xFF])
        XCTAssertEqual(outbox.nextQueued(), .worker(index: 1, frames: [[1]]))
        XCTAssertNil(outbox.nextQueued())
    }

    func testAClientBatchLeavesWholeInRequestOrder() {
        var outbox = CoordinatorOutbox(workers: 1)
        let batch = try! XCTUnwrap(outbox.beginClientMessage(routing: [9], requests: 3))
        XCTAssertEqual(outbox.openBatches, 1)
        XCTAssertTrue(outbox.take([.toBatchMember(BatchSlot(batch: batch, index: 2), payload: [2])]).isEmpty)
        XCTAssertTrue(outbox.take([.toBatchMember(BatchSlot(batch: batch, index: 0), payload: [0])]).isEmpty)
        XCTAssertTrue(
            outbox.take([.toBatchMember(BatchSlot(batch: batch, index: 0), payload: [0xEE])]).isEmpty,
            "a second reply to a slot neither replaces the first nor completes the batch")
        XCTAssertEqual(
            outbox.take([.toBatchMember(BatchSlot(batch: batch, index: 1), payload: [1])]),
            [.client(frames: [[9], [0], [1], [2]], admin: false)])
        XCTAssertEqual(outbox.openBatches, 0)
        XCTAssertTrue(outbox.take([.toBatchMember(BatchSlot(batch: batch, index: 1), payload: [1])]).isEmpty, "a finished batch is gone")
    }

    func testABatchRaisesTheFlushPointUpToTheFanoutLimit() {
        var outbox = CoordinatorOutbox(workers: 1)
        XCTAssertNil(outbox.beginClientMessage(routing: [1], requests: 1), "a single request is no batch")
        XCTAssertEqual(outbox.flushAt, CoordinatorOutbox.batchLimit)
        _ = outbox.beginClientMessage(routing: [1], requests: 300)
        XCTAssertEqual(outbox.flushAt, 300)
        outbox.endClientMessage()
        XCTAssertEqual(outbox.flushAt, CoordinatorOutbox.batchLimit)
        _ = outbox.beginClientMessage(routing: [1], requests: 50_000)
        XCTAssertEqual(outbox.flushAt, CoordinatorOutbox.batchFanoutLimit)
        XCTAssertTrue(outbox.take([.toWorker(5, [1])]).isEmpty, "an unknown worker is ignored")
        XCTAssertEqual(outbox.take([.toClient(routing: [3], payload: [4])], admin: true), [.client(frames: [[3], [4]], admin: true)])
    }
}
