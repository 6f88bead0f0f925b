import RecInference
import RecVote
import RecWire
import XCTest

@testable import RecServing

/// The driver of the reliability tests: a coordinator core and its workers' cores, wired in memory.
extension CoordinatorReliabilityTests {
    /// The coordinator and its workers with a queue of frames in between.
    struct Driver {
        enum Behaviour { case normal, silent, dropsQueries }
        var core: CoordinatorCore
        var workers: [ShardWorkerCore]
        var behaviour: [Behaviour]
        var now: WallInstant
        var toClients: [ServerMessage] = []
        var toWorkers: [(worker: Int, bytes: [UInt8])] = []

        init(shards: Int, replicas: Int, configuration: CoordinatorCore.Configuration = .init(), now: WallInstant) throws {
            let map = try ShardMap(shardCount: shards)
            let model = CoordinatorCoreTests.model
            core = CoordinatorCore(
                model: model, shardMap: map, replicas: Array(repeating: replicas, count: shards),
                configuration: configuration, now: now)
            workers = try core.replicas.shardOfWorker.map { try ShardWorkerCore(model: model, shard: $0, shardCounts: [shards]) }
            behaviour = Array(repeating: .normal, count: workers.count)
            self.now = now
        }

        mutating func apply(_ actions: [CoordinatorCore.Action]) {
            for action in actions {
                switch action {
                case let .toClient(_, payload), let .toBatchMember(_, payload): toClients.append(try! ServerMessage(serializedBytes: payload))
                case let .toWorker(w, bytes): toWorkers.append((w, bytes))
                }
            }
        }

        mutating func send(_ request: RecommendRequest) {
            apply(core.onClient(routing: [1], payload: ClientMessage.recommend(request).serializedBytes(), now: now))
        }

        /// Delivers queued frames to the workers (as their behaviour allows) and their answers back.
        mutating func deliver(only selected: Set<Int>? = nil) {
            var keep: [(worker: Int, bytes: [UInt8])] = []
            let frames = toWorkers
            toWorkers = []
            for (w, bytes) in frames {
                if let selected, !selected.contains(w) { keep.append((w, bytes)); continue }
                let isQuery: Bool
                if case .query? = try? CoordinatorMessage(serializedBytes: bytes) { isQuery = true } else { isQuery = false }
                switch behaviour[w] {
                case .silent: continue
                case .dropsQueries where isQuery: continue
                default: break
                }
                let answer = workers[w].handle(bytes: bytes, now: now).serializedBytes()
                apply(core.onWorker(w, payload: answer, now: now))
            }
            toWorkers = keep + toWorkers
        }

        /// Moves the clock, firing timers and heartbeats, delivering everything each step.
        mutating func advance(by span: Duration, step: Duration = .milliseconds(1)) {
            let end = now + span
            while now < end {
                now = min(end, now + step)
                apply(core.onTick(now: now))
                deliver()
            }
        }

        var recommendations: [RecommendResponse] {
            toClients.compactMap { if case let .recommend(r) = $0 { return r } else { return nil } }
        }

        var errors: [ErrorReply] {
            toClients.compactMap { if case let .error(e) = $0 { return e } else { return nil } }
        }
    }

    func request(_ id: String, deadline: WallInstant = 0, user: Int = 17) -> RecommendRequest {
        let log = CoordinatorCoreTests.dataset.log
        let h = log.history(of: user)
        return RecommendRequest(
            requestID: id, itemIDs: h.items.map { log.items[$0] }, ratings: h.ratings, k: 10, deadlineUnixMicros: deadline.microsecondsSinceEpoch)
    }

    func offlineItems(user: Int = 17) -> [String] {
        let model = CoordinatorCoreTests.model
        let log = CoordinatorCoreTests.dataset.log
        let h = log.history(of: user)
        let (history, _) = model.mapHistory(itemIDs: h.items.map { log.items[$0] }, ratings: h.ratings)
        var vote = model.makeVote()
        return model.recommend(history: history, attributes: model.attributes.encode(nil), k: 10, vote: &vote).items.map { model.items[$0.index] }
    }
}
