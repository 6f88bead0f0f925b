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
        guard next.version != model.version else {
            stagedModel = nil
            return
        }
        stagedModel = (previousModel?.version == next.version) ? previousModel : next
        events.append(.staging(version: next.version))
        completeRolloutIfReady()
    }

    /// Switches to the staged model once every shard has a live worker holding it.
    mutating func completeRolloutIfReady() {
        guard let staged = stagedModel else { return }
        let ready = (0..<shardMap.shardCount).allSatisfy { shard in
            replicas.workers.indices.contains(shard)
                && replicas.workers[shard].contains { replicas.alive[$0] && workerVersions[$0].contains(staged.version) }
        }
        guard ready else { return }
        let from = model.version
        previousModel = model
        model = staged
        stagedModel = nil
        if mergeScratch.itemCount < model.items.count { mergeScratch = VoteAccumulator(itemCount: model.items.count) }
        events.append(.modelSwitched(from: from, to: model.version))
    }
}
