import RecServing
import RecTransport
import RecWire

/// Client messages in, and everything the core decides out.
extension CoordinatorServer {
    /// Reads at most a batch of client messages per turn (worker replies must not starve); refuses
    /// them undecoded while the queue stands too long (`QueueShedder`).
    func readClients() throws(TransportError) {
        let shedding = shedder.beginTurn(now: clock.now())
        var read = 0
        while read < (shedding ? 4 * Self.batchLimit : Self.batchLimit), let frames = try frontend.receive() {
            read += 1
            try handleClientMessage(frames, shedding: shedding)
        }
        shedder.endTurn(now: clock.now(), stillQueued: frontend.hasInput)
    }

    /// [routing, request, request, …]: empty frames (a REQ-style delimiter) are skipped; one request
    /// is answered by one frame, several (a batch) by one message holding their replies in the same
    /// order (docs/api.md).
    private func handleClientMessage(_ frames: [[UInt8]], shedding: Bool) throws(TransportError) {
        guard let routing = frames.first else { return }
        let payloads = frames.dropFirst().filter { !$0.isEmpty }
        let batch = outbox.beginClientMessage(routing: routing, requests: payloads.count)
        defer { outbox.endClientMessage() }
        // Counted before any is decoded: an oversized batch is refused whole, slot by slot.
        if let batch, payloads.count > core.configuration.limits.maxBatchRequests {
            try perform(core.refuseOversizedBatch(routing: routing, payloads: payloads, batch: batch))
            return
        }
        for (index, payload) in payloads.enumerated() {
            let slot = batch.map { BatchSlot(batch: $0, index: index) }
            if shedding {
                try perform([core.shed(routing: routing, payload: payload, batch: slot)])
            } else {
                try perform(core.onClient(routing: routing, payload: payload, now: clock.now(), batch: slot))
            }
        }
    }

    /// Queues the core's actions and sends what is due; replies go out on the socket their request
    /// came in on (`admin`: the admin socket).
    func perform(_ actions: [CoordinatorCore.Action], admin: Bool = false) throws(TransportError) {
        for delivery in outbox.take(actions, admin: admin) { try deliver(delivery) }
    }

    /// Sends every worker's queued sub-requests. Failing over from an undeliverable worker can
    /// queue frames for others: it goes round until none wait.
    func flush() throws(TransportError) {
        while let delivery = outbox.nextQueued() { try deliver(delivery) }
    }

    private func deliver(_ delivery: CoordinatorOutbox.Delivery) throws(TransportError) {
        switch delivery {
        case let .worker(index, frames):
            // A full queue means the worker is not reading: the message is dropped and the core
            // moves its sub-requests to siblings (or the requests end at their deadline with coverage < 1).
            if !(try workers[index].send(frames)) {
                droppedToShards += frames.count
                try perform(core.onUndeliverable(index, now: clock.now()))
            }
        case let .client(frames, admin):
            let socket = admin ? (self.admin ?? frontend) : frontend
            do { try socket.send(frames) } catch  where error.isHostUnreachable {
                return  // the client disconnected
            }
        }
    }
}
