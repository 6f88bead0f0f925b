import RecWire

/// One `status` for a coordinator process that runs several poll loops (`--threads`): each loop
/// keeps its own counters, and whichever loop a status request reaches answers for all of them
/// from the others' latest snapshots. Counters and requests in flight add up; latency percentiles
/// are the slowest loop's (a loop's percentiles cannot be combined exactly without its histogram,
/// and the slowest is the one an operator must see); readiness and live replicas are what every
/// loop agrees on.
public enum StatusMerge {
    public static func merge(_ own: StatusResponse, with others: [StatusResponse]) -> StatusResponse {
        var s = own
        for o in others {
            s.requests &+= o.requests; s.errors &+= o.errors; s.degraded &+= o.degraded
            s.retries &+= o.retries; s.hedges &+= o.hedges; s.failovers &+= o.failovers
            s.heartbeatMisses &+= o.heartbeatMisses; s.overloaded &+= o.overloaded; s.lowCoverage &+= o.lowCoverage
            s.lateReplies &+= o.lateReplies; s.completeReplies &+= o.completeReplies
            s.inFlight = s.inFlight.addingSaturating(o.inFlight)
            s.admissionLimit = s.admissionLimit.addingSaturating(o.admissionLimit)
            s.authRefused &+= o.authRefused; s.handshakeFailures &+= o.handshakeFailures; s.clientDisconnects &+= o.clientDisconnects
            s.p50Micros = max(s.p50Micros, o.p50Micros); s.p90Micros = max(s.p90Micros, o.p90Micros); s.p99Micros = max(s.p99Micros, o.p99Micros)
            s.ready = s.ready && o.ready
            for k in s.shards.indices {
                // Loops switch shard maps on their own heartbeats: merge only shards both list.
                guard let other = o.shards.first(where: { $0.shard == s.shards[k].shard }) else { continue }
                s.shards[k].requests &+= other.requests
                s.shards[k].p50Micros = max(s.shards[k].p50Micros, other.p50Micros)
                s.shards[k].p99Micros = max(s.shards[k].p99Micros, other.p99Micros)
                s.shards[k].replicasAlive = min(s.shards[k].replicasAlive, other.replicasAlive)
                s.shards[k].alive = s.shards[k].alive && other.alive
            }
        }
        return s
    }
}

extension UInt32 {
    func addingSaturating(_ other: UInt32) -> UInt32 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }
}
