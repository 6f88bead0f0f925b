import RecInference
import RecVote

/// Model rollout: workers load version N + 1 beside N and list both in their heartbeats; the
/// coordinator stages N + 1 and switches new requests to it atomically once every shard has a live
/// worker holding it. A request keeps the version it started with for all its sub-requests and its
/// answer (a reply of another version is refused), so no answer mixes versions. The previous
/// version stays loaded: staging it again switches back at once (rollback).
extension CoordinatorCore {
    /// Stages `next` (or, when it is the previous version, stages that for a rollback).
    /// A model whose ranking cannot be split over the current shards is refused (`ItemShard.isExact`).
    public mutating func stage(_ next: RecommenderModel) {
        guard ItemShard.isExact(next.configuration, shardCount: shardMap.shardCount) else {
            events.append(
                .stagingRefused(
                    version: next.version,
                    reason: ShardModel.Problem.inexact(shardCount: shardMap.shardCount).description))
            return
        }
        guard versions.stage(next) else { return }
        events.append(.staging(version: next.version))
        completeRolloutIfReady()
    }

    /// Switches to the staged model once every shard has a live worker holding it.
    mutating func completeRolloutIfReady() {
        guard let next = versions.staged,
            (0..<shardMap.shardCount).allSatisfy({ health.hasHolder(shard: $0, version: next.version) }),
            let change = versions.switchToStaged()
        else { return }
        events.append(.modelSwitched(from: change.from, to: change.to))
    }
}
