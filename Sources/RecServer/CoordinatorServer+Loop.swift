import RecServing
import RecTransport
import RecWire

/// The poll loop: each turn waits for a message or the core's next timer, hands worker replies,
/// client requests and admin actions to the core, ticks it, sends what it decided and publishes
/// readiness and telemetry.
extension CoordinatorServer {
    /// Serves until `stop` is set, then drains: requests in flight are answered (by their deadline
    /// at the latest) while new ones get a fast `overloaded` error, and only then do the sockets close.
    public func run(until stop: StopFlag) throws(TransportError) {
        while try turn(stop: stop) {}
        close()
    }

    /// One turn of the loop; false once a drain has finished.
    func turn(stop: StopFlag) throws(TransportError) -> Bool {
        if reloadRequested.take() { reload() }
        if stop.isStopped && drainUntil == nil {
            core.beginDrain()
            drainUntil = clock.now() + core.configuration.defaultDeadline + .milliseconds(100)
        }
        if let limit = drainUntil, core.inFlight == 0 || clock.now() > limit { return false }
        let sockets = [frontend] + workers + (admin.map { [$0] } ?? [])
        let ready = try transport.poller.wait(sockets, timeout: waitBeforeNextTimer())
        takeHandoffs()
        // Worker replies first: they finish admitted requests, which must not wait behind new ones.
        for (worker, socket) in workers.enumerated() where ready[worker + 1] { try readWorker(worker, socket) }
        if ready[0] {
            if let counts = countedGuard?.counts { core.noteSecurity(refused: counts.refused, handshakeFailures: counts.handshakeFailures) }
            try readClients()
        }
        if let counts = countedGuard?.counts { core.noteDisconnects(counts.disconnects) }
        if let disconnects = transport.disconnects { core.noteDisconnects(disconnects.drain()) }
        if let admin, ready[workers.count + 1] { try readAdmin(admin) }
        try perform(core.onTick(now: clock.now()))
        try flush()
        telemetry.update(&core, droppedToShards: droppedToShards)
        publishReadiness()
        return true
    }

    /// Until the core's next timer, at most 100 ms (reloads and stops are noticed within that).
    private func waitBeforeNextTimer() -> Duration {
        let now = clock.now(), next = core.nextWakeup
        return next <= now ? .zero : min(.milliseconds(100), next - now)
    }

    /// After the wait, so a version the first loop handed over while this one slept is staged
    /// before any message that woke it is answered.
    private func takeHandoffs() {
        if let next = loadedModel.take() { stage(next) }
        if let m = membership, let blocked = m.siblings.blocklistSlots[m.index].take() { core.replaceBlocklist(blocked) }
    }

    /// A multipart message from a worker is a batch of replies, one per frame.
    private func readWorker(_ worker: Int, _ socket: any MessageSocket) throws(TransportError) {
        while let frames = try socket.receive() {
            for payload in frames {
                try perform(core.onWorker(worker, payload: payload, now: clock.now()))
            }
        }
    }

    /// Admin actions; a rollback that staged a version, or a blocklist change, reaches the sibling
    /// loops before the admin hears it is done.
    private func readAdmin(_ admin: any MessageSocket) throws(TransportError) {
        while let frames = try admin.receive() {
            for payload in frames.dropFirst() where !payload.isEmpty {
                let before = (core.stagedModel?.version, core.model.version), blocked = core.blockedItems.generation
                let actions = core.onClient(routing: frames[0], payload: payload, now: clock.now(), admin: true)
                if let m = membership, before != (core.stagedModel?.version, core.model.version) {
                    m.siblings.broadcast(core.stagedModel ?? core.model, from: m.index)
                }
                if let m = membership, blocked != core.blockedItems.generation {
                    m.siblings.broadcast(blocklist: core.blockedItems.ids, from: m.index)
                }
                try perform(actions, admin: true)
            }
        }
    }

    /// Readiness changes with heartbeats (every 100 ms by default): re-checked every 20 ms, not on
    /// every turn (it walks every replica).
    private func publishReadiness() {
        let now = clock.now()
        guard now >= readinessChecked + .milliseconds(20) || core.draining else { return }
        readiness.set(problem: core.readinessProblem, part: membership?.index ?? 0)
        if let m = membership {
            m.siblings.post(core.ownStatus(requestID: ""), from: m.index)
            core.siblingStatus = m.siblings.others(than: m.index)
        }
        readinessChecked = now
    }

    /// The guard whose process-wide counts this loop reports (the first loop of a group only, so
    /// merged statuses do not count them once per loop).
    private var countedGuard: SecurityGuard? { membership?.isFirst ?? true ? securityGuard : nil }

    private func close() {
        readiness.set(ready: false, reason: "stopped", part: membership?.index ?? 0)
        transport.disconnects?.close()
        frontend.close()
        admin?.close()
        for s in workers { s.close() }
        if transport.ownsGuard { securityGuard?.stop() }
    }
}
