import RecMath
import RecModel

/// Model rollout: workers load version N + 1 beside N and list both in their heartbeats; the
/// coordinator stages N + 1 and switches new requests to it atomically once every shard has a live
/// worker holding it. A request keeps the version it started with for all its sub-requests and its
/// answer (a reply of another version is refused), so no answer mixes versions. The previous
/// version stays loaded: staging it again switches back at once (rollback).
extension CoordinatorCore {
    /// Stages `next` (or, when it is the previous version, stages that for a rollback).
    public mutating func stage(_ next: RecommenderModel) {
        guard next.version != current.version else {
            staged = nil
            return
        }
        staged = (previous?.version == next.version) ? previous : SharedModel(next)
        events.append(.staging(version: next.version))
        completeRolloutIfReady()
    }

    /// Switches to the staged model once every shard has a live worker holding it.
    mutating func completeRolloutIfReady() {
        guard let next = staged else { return }
        let ready = (0..<shardMap.shardCount).allSatisfy { shard in
            replicas.workers.indices.contains(shard)
                && replicas.workers[shard].contains { replicas.alive[$0] && workerVersions[$0].contains(next.version) }
        }
        guard ready else { return }
        let from = current.version
        previous = current
        current = next
        staged = nil
        if mergeScratch.itemCount < current.model.items.count { mergeScratch = VoteAccumulator(itemCount: current.model.items.count) }
        events.append(.modelSwitched(from: from, to: current.version))
    }
}
