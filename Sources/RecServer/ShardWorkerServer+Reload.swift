import Foundation
import RecInference
import RecServing
import RecVote
import RecWire
import Synchronization

/// Loading another model: a new version on reload (SIGHUP), beside the current one, and this
/// shard's items under another shard count when a coordinator reshards. Both load on a thread of
/// their own while the loop keeps serving, and hand the new core over through a `CoreSlot`.
extension ShardWorkerServer {
    /// Builds a core from the model file on a thread — this shard under `shardCounts` (the latest
    /// last) — and leaves it in `slot` for the poll loop (which keeps serving meanwhile).
    func loadCore(into slot: CoreSlot, shardCounts: [Int], purpose: String) {
        guard let modelLoader else { return slot.put(.failed) }
        let shard = core.shard
        let log = logger
        let thread = Thread {
            do {
                let model = try modelLoader(shardCounts)
                slot.put(.ready(ShardWorkerCore(model: model, shard: shard, shardCounts: shardCounts)))
            } catch {
                log.error("\(purpose): could not load the model: \(error)")
                slot.put(.failed)
            }
        }
        thread.name = purpose
        thread.start()
    }

    /// Loads the model file again (SIGHUP); a new version becomes current and the old one stays as
    /// `previousCore`, so coordinators can switch atomically and roll back.
    func reloadIfAsked() {
        switch reloaded.take() {
        case let .ready(next)?:
            reloading = false
            if next.modelVersion == core.modelVersion {
                logger.info("reload: the model file holds the version already served", metadata: ["model_version": "\(next.modelVersion)"])
            } else if next.modelVersion == previousCore?.modelVersion, let previous = previousCore {
                previousCore = core
                core = previous
                core.otherVersions = [previousCore!.modelVersion]
                logger.notice("reload: back to the previous model version", metadata: ["model_version": "\(core.modelVersion)"])
            } else {
                var fresh = next
                fresh.continueFrom(core)
                fresh.otherVersions = [core.modelVersion]
                previousCore = core
                core = fresh
                logger.notice(
                    "reload: serving a new model version beside the previous one",
                    metadata: ["model_version": "\(core.modelVersion)", "previous": "\(previousCore!.modelVersion)"])
            }
        case .failed?:
            reloading = false
        case nil:
            break
        }
        guard reloadRequested.take(), !reloading else { return }
        reloading = true
        loadCore(into: reloaded, shardCounts: core.heldShardCounts, purpose: "reload-model")
    }

    /// Serves another shard count when a coordinator asks for one: its partition moves items
    /// between shards, so this shard's new items are loaded from the model file on a background
    /// thread (the loop keeps serving the old count meanwhile); the new core holds both counts'
    /// items and replaces the old one. Only the current model version is resharded: a previous
    /// version kept for a rollout keeps the counts it had (finish a rollout before resharding).
    func adoptIfAsked() {
        switch adopted.take() {
        case let .ready(ready)?:
            var next = ready
            next.continueFrom(core)
            core = next
            adopting = nil
            logger.notice(
                "now serving shard counts \(core.heldShardCounts)",
                metadata: [
                    "shard": "\(core.shard)",
                    "shortlist_entries": "\(core.heldEntries)"
                ])
        case .failed?:
            adopting = nil
            core.dropRequest()  // the next heartbeat asks again
        case nil:
            break
        }
        guard adopting == nil, let wanted = core.requestedShardCount else { return }
        guard core.shard < wanted, wanted <= ShardMap.maximumShardCount else {
            logger.error("asked for \(wanted) shards, which cannot include shard \(core.shard)")
            core.dropRequest()
            return
        }
        guard modelLoader != nil else {
            logger.error("asked for \(wanted) shards but cannot load the model again")
            core.dropRequest()
            return
        }
        adopting = wanted
        loadCore(into: adopted, shardCounts: core.heldShardCounts.suffix(1) + [wanted], purpose: "adopt-\(wanted)")
    }
}

/// Hands a core built on a loading thread to the poll loop (one slot per purpose, so a reload and
/// a reshard finishing together do not overwrite each other).
final class CoreSlot: Sendable {
    enum Outcome: Sendable {
        case ready(ShardWorkerCore)
        case failed
    }
    private let value = Mutex<Outcome?>(nil)
    func put(_ outcome: Outcome) { value.withLock { $0 = outcome } }
    func take() -> Outcome? {
        value.withLock { v in
            defer { v = nil }; return v
        }
    }
}
