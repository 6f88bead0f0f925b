import RecInference
import RecWire
import Synchronization

/// What the poll loops of one coordinator process share (`CoordinatorGroup`): each loop's latest
/// status, so any of them answers `status` for all; and a slot per loop through which the first
/// loop hands the others a model version it staged (a reload or an admin rollback), so the model
/// is loaded once and every loop switches the same way.
final class LoopSiblings: Sendable {
    private let statuses: Mutex<[StatusResponse?]>
    let modelSlots: [HandoffSlot<RecommenderModel>]
    /// The process's readiness: one part per loop.
    let readiness: Readiness
    /// Per loop, a blocklist another loop changed (admin actions reach the first loop only).
    let blocklistSlots: [HandoffSlot<Set<String>>]

    init(loops: Int) {
        statuses = Mutex(Array(repeating: nil, count: loops))
        modelSlots = (0..<loops).map { _ in HandoffSlot() }
        readiness = Readiness(parts: loops)
        blocklistSlots = (0..<loops).map { _ in HandoffSlot() }
    }

    var count: Int { modelSlots.count }

    func post(_ status: StatusResponse, from loop: Int) {
        statuses.withLock { $0[loop] = status }
    }

    /// The latest status of every loop but `loop`.
    func others(than loop: Int) -> [StatusResponse] {
        statuses.withLock { all in all.indices.compactMap { $0 == loop ? nil : all[$0] } }
    }

    /// The first loop's blocklist changed: every other loop adopts it.
    func broadcast(blocklist: Set<String>, from loop: Int) {
        for (k, slot) in blocklistSlots.enumerated() where k != loop { slot.put(blocklist) }
    }

    /// The first loop staged `model`: every other loop stages it too.
    func broadcast(_ model: RecommenderModel, from loop: Int) {
        for (k, slot) in modelSlots.enumerated() where k != loop { slot.put(model) }
    }
}

/// One poll loop's place among its siblings.
struct LoopMembership {
    let siblings: LoopSiblings
    let index: Int
    /// The first loop owns what exists once per process: the admin endpoint, model reloads and
    /// the process-wide security and disconnect counters.
    var isFirst: Bool { index == 0 }
}

/// Hands a value from another thread to a poll loop, which takes it once (the latest put wins): a
/// model loaded on a thread, or a version or blocklist another loop changed.
final class HandoffSlot<Value: Sendable>: Sendable {
    private let value = Mutex<Value?>(nil)
    func put(_ v: Value) { value.withLock { $0 = v } }
    func take() -> Value? {
        value.withLock { v in
            defer { v = nil }; return v
        }
    }
}
