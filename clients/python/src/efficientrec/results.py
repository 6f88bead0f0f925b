"""Typed, immutable views of the coordinator's replies.

Each class maps one protocol message (``protocols/efficientrec/v1/client.proto`` and
``admin.proto``) field for field; parallel arrays on the wire become tuples of small records.
Scores and weights travel as 32-bit floats and are given here as Python floats (widened exactly).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Tuple

__all__ = [
    "ClusterActivation",
    "ClusterShare",
    "SimilarItem",
    "Explanation",
    "Recommendation",
    "ServerTimings",
    "Recommendations",
    "ShardStatus",
    "Status",
]


@dataclass(frozen=True)
class ClusterActivation:
    """A cluster that voted and the user's activation (weight) for it."""

    cluster_id: int
    weight: float


@dataclass(frozen=True)
class ClusterShare:
    """A user cluster whose shortlist voted for an item, and its share of the item's vote."""

    cluster_id: int
    share: float


@dataclass(frozen=True)
class SimilarItem:
    """An item of the user's history like the recommended one ("because you liked ..."), with the
    cosine similarity of the two items' vectors."""

    item: str
    similarity: float


@dataclass(frozen=True)
class Explanation:
    """Why an item was recommended (``Explanation`` on the wire): the clusters whose votes it got,
    largest share first (at most three), and up to three history items most like it, best first.
    Both are empty for items filled in from the popularity list."""

    clusters: Tuple[ClusterShare, ...] = ()
    because: Tuple[SimilarItem, ...] = ()


@dataclass(frozen=True)
class Recommendation:
    """One recommended item: its ID as the catalogue spells it, its score and its 1-based rank.
    ``explanation`` is set only when the request asked for explanations."""

    item: str
    score: float
    rank: int
    explanation: Optional[Explanation] = None


@dataclass(frozen=True)
class ServerTimings:
    """Where the coordinator spent the request's time, in microseconds."""

    total_micros: int
    encode_micros: int
    fanout_micros: int
    merge_micros: int


@dataclass(frozen=True)
class Recommendations:
    """A ``RecommendResponse``.

    Attributes:
        request_id: the request this answers.
        items: the ranked answer, best first (at most k; fewer when filters leave fewer items).
        clusters: the clusters that voted with the user's activation for each, best first.
        model_version: the model version that answered.
        coverage: the fraction of the requested cluster weight whose shortlists were answered
            (1.0 when complete).
        degraded_reasons: why the answer is degraded, when it is (e.g. "shard 2 timed out").
        timings: the coordinator's timings (``None`` when the reply carries none).
        unknown_items: history items that were not in the catalogue and were skipped (unknown
            items are not an error).
        truncated_interactions: history items beyond the model's window that were ignored.
        filled_from_popularity: items appended from the popularity list.
        filtered_candidates: distinct items the vote proposed that the filters removed.
    """

    request_id: str
    items: Tuple[Recommendation, ...]
    clusters: Tuple[ClusterActivation, ...]
    model_version: str
    coverage: float
    degraded_reasons: Tuple[str, ...]
    timings: Optional[ServerTimings]
    unknown_items: int
    truncated_interactions: int
    filled_from_popularity: int
    filtered_candidates: int

    @property
    def degraded(self) -> bool:
        """True when not every shard answered (coverage below 1, or reasons given)."""
        return self.coverage < 1.0 or bool(self.degraded_reasons)

    @property
    def item_ids(self) -> Tuple[str, ...]:
        """The recommended item IDs, best first."""
        return tuple(r.item for r in self.items)

    @property
    def scores(self) -> Tuple[float, ...]:
        """The scores, in the order of :attr:`items`."""
        return tuple(r.score for r in self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):
        return iter(self.items)

    @classmethod
    def from_proto(cls, message: Any, explain: bool = False) -> "Recommendations":
        """Builds the view of an ``efficientrec.v1.RecommendResponse``; with ``explain`` every
        item gets its explanation (an empty one when the reply has none for it)."""
        explanations = list(message.explanations)
        items = []
        for index, (item, score) in enumerate(zip(message.item_ids, message.scores)):
            explanation = None
            if explain:
                explanation = _explanation(explanations[index]) if index < len(explanations) else Explanation()
            items.append(Recommendation(item=item, score=score, rank=index + 1, explanation=explanation))
        timings = None
        if message.HasField("timings"):
            t = message.timings
            timings = ServerTimings(t.total_micros, t.encode_micros, t.fanout_micros, t.merge_micros)
        return cls(
            request_id=message.request_id,
            items=tuple(items),
            clusters=tuple(ClusterActivation(c, w) for c, w in zip(message.cluster_ids, message.cluster_weights)),
            model_version=message.model_version,
            coverage=message.coverage,
            degraded_reasons=tuple(message.degraded_reasons),
            timings=timings,
            unknown_items=message.unknown_items,
            truncated_interactions=message.truncated_interactions,
            filled_from_popularity=message.filled_from_popularity,
            filtered_candidates=message.filtered_candidates,
        )


def _explanation(message: Any) -> Explanation:
    return Explanation(
        clusters=tuple(ClusterShare(c, s) for c, s in zip(message.cluster_ids, message.cluster_shares)),
        because=tuple(SimilarItem(i, s) for i, s in zip(message.because_item_ids, message.similarities)),
    )


@dataclass(frozen=True)
class ShardStatus:
    """One shard as the coordinator sees it (``ShardStatus`` on the wire)."""

    shard: int
    endpoint: str
    model_version: str
    alive: bool
    requests: int
    p50_micros: int
    p99_micros: int
    replicas: int
    replicas_alive: int


@dataclass(frozen=True)
class Status:
    """A coordinator's ``StatusResponse``: counters since start, latency percentiles, readiness
    and one :class:`ShardStatus` per shard. See ``admin.proto`` for each counter."""

    request_id: str
    model_version: str
    ready: bool
    requests: int
    errors: int
    degraded: int
    p50_micros: int
    p90_micros: int
    p99_micros: int
    shards: Tuple[ShardStatus, ...]
    retries: int
    hedges: int
    failovers: int
    heartbeat_misses: int
    overloaded: int
    low_coverage: int
    late_replies: int
    complete_replies: int
    in_flight: int
    auth_refused: int
    handshake_failures: int
    admission_limit: int
    client_disconnects: int
    blocked_items: int

    @property
    def workers(self) -> int:
        """Worker processes configured over all shards."""
        return sum(s.replicas for s in self.shards)

    @property
    def workers_alive(self) -> int:
        """Worker processes answering heartbeats over all shards."""
        return sum(s.replicas_alive for s in self.shards)

    @classmethod
    def from_proto(cls, message: Any) -> "Status":
        """Builds the view of an ``efficientrec.v1.StatusResponse``."""
        shards = tuple(
            ShardStatus(
                shard=s.shard,
                endpoint=s.endpoint,
                model_version=s.model_version,
                alive=s.alive,
                requests=s.requests,
                p50_micros=s.p50_micros,
                p99_micros=s.p99_micros,
                replicas=s.replicas,
                replicas_alive=s.replicas_alive,
            )
            for s in message.shards
        )
        return cls(
            request_id=message.request_id,
            model_version=message.model_version,
            ready=message.ready,
            requests=message.requests,
            errors=message.errors,
            degraded=message.degraded,
            p50_micros=message.p50_micros,
            p90_micros=message.p90_micros,
            p99_micros=message.p99_micros,
            shards=shards,
            retries=message.retries,
            hedges=message.hedges,
            failovers=message.failovers,
            heartbeat_misses=message.heartbeat_misses,
            overloaded=message.overloaded,
            low_coverage=message.low_coverage,
            late_replies=message.late_replies,
            complete_replies=message.complete_replies,
            in_flight=message.in_flight,
            auth_refused=message.auth_refused,
            handshake_failures=message.handshake_failures,
            admission_limit=message.admission_limit,
            client_disconnects=message.client_disconnects,
            blocked_items=message.blocked_items,
        )
