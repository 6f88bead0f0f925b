import Foundation
import RecInference
import RecServing
import RecTransport
import RecWire

/// Reloads: a new model version from `modelSource` (loaded on a thread of its own, then staged),
/// and shards added or removed at the end of the topology from `topologySource`.
extension CoordinatorServer {
    /// Stages a model version (from a reload, or handed over by the first loop); the first of
    /// several loops hands it to the others.
    func stage(_ next: RecommenderModel) {
        core.stage(next)
        if let m = membership, m.isFirst { m.siblings.broadcast(next, from: m.index) }
    }

    /// Re-reads the model and the topology: shards added or removed at the end are resharded live
    /// (`CoordinatorCore+Growth`); anything else is refused with a log line.
    func reload() {
        if let modelSource {
            let slot = loadedModel, log = logger
            let thread = Thread {
                do { slot.put(try modelSource()) } catch { log.error("reload: could not load the model: \(error)") }
            }
            thread.name = "reload-model"
            thread.start()
        }
        guard let topologySource else {
            logger.warning("reload requested, but the topology has no source (start the coordinator with --config)")
            return
        }
        do {
            try changeTopology(to: try topologySource())
        } catch {
            logger.error("reload failed: \(error)")
        }
    }

    private func changeTopology(to wanted: [[String]]) throws {
        let now = clock.now()
        if wanted.count < endpoints.count, Array(endpoints.prefix(wanted.count)) == wanted {
            try core.beginShrink(to: wanted.count, now: now)
            endpoints = wanted
            logger.notice(
                "reload: removing the last shards once the others hold their clusters",
                metadata: ["shards": "\(wanted.count)"])
            return
        }
        guard wanted.count >= endpoints.count, Array(wanted.prefix(endpoints.count)) == endpoints else {
            logger.error("reload refused: shards can only be added or removed at the end; the others must keep their endpoints")
            return
        }
        let added = Array(wanted.dropFirst(endpoints.count))
        guard !added.isEmpty else {
            logger.info("reload: topology unchanged")
            return
        }
        let indices = try core.beginGrowth(replicaCounts: added.map(\.count), now: now)
        for (index, endpoint) in zip(indices, added.flatMap { $0 }) {
            guard index == workers.count else {
                logger.critical("reload: worker numbering diverged (\(index) vs \(workers.count)); not connecting \(endpoint)")
                return
            }
            workers.append(try transport.connectWorker(endpoint))
            outbox.addWorker()
        }
        endpoints += added
        logger.notice("reload: connecting new shards", metadata: ["endpoints": "\(added)"])
    }
}
