"""Single calls against a real cluster: recommend (every history shape, filters, explanations,
unknown items), status, and a CURVE-secured cluster."""
from __future__ import annotations

import dataclasses
import math
from typing import Any, Dict

import pytest

from efficientrec import (Client, ClientTimeoutError, CurveKeys, Explanation, History, Recommendation, Recommendations,
                          Status)

from conftest import HISTORY, same_answer


@pytest.fixture(scope="session")
def catalogue(movielens) -> Dict[str, Dict[str, Any]]:
    """item -> {"year": int or None, "genres": [..]} from ml-100k.item."""
    items: Dict[str, Dict[str, Any]] = {}
    with open(movielens["item"], encoding="utf-8") as f:
        f.readline()
        for line in f:
            fields = line.rstrip("\n").split("\t")
            year = fields[2].strip()
            items[fields[0]] = {"year": int(year) if year.isdigit() else None, "genres": fields[3].split()}
    return items


def test_recommend_returns_k_typed_items_best_first_without_the_history(client):
    answer = client.recommend(HISTORY, k=10, request_id="first-request")
    assert isinstance(answer, Recommendations)
    assert answer.request_id == "first-request"
    assert len(answer.items) == 10
    assert all(isinstance(r, Recommendation) and isinstance(r.item, str) and isinstance(r.score, float) for r in answer)
    assert [r.rank for r in answer] == list(range(1, 11))
    assert all(a.score >= b.score for a, b in zip(answer.items, answer.items[1:])), answer.scores
    assert all(math.isfinite(s) for s in answer.scores)
    assert not {"50", "172", "181"} & set(answer.item_ids)
    assert len(set(answer.item_ids)) == 10
    assert answer.model_version and answer.coverage == 1.0 and not answer.degraded
    assert answer.clusters and all(isinstance(c.cluster_id, int) for c in answer.clusters)
    assert answer.timings is not None and answer.timings.total_micros > 0
    assert all(r.explanation is None for r in answer)
    with pytest.raises(dataclasses.FrozenInstanceError):
        answer.items[0].score = 1.0  # type: ignore[misc]


def test_every_history_shape_asks_the_same(client):
    pairs = client.recommend([("50", 5), ("172", 5), ("181", 5)], k=8)
    assert same_answer(pairs, client.recommend(["50", "172", "181"], k=8))  # a missing rating means 5
    assert same_answer(pairs, client.recommend({"50": 5.0, "172": 5.0, "181": 5.0}, k=8))
    assert same_answer(pairs, client.recommend(History(("50", "172", "181"), (5.0, 5.0, 5.0)), k=8))
    assert not same_answer(pairs, client.recommend([("50", 1), ("172", 1), ("181", 1)], k=8)), "ratings are sent"


def test_filters_are_honoured(client, catalogue):
    base = client.recommend(HISTORY, k=10)
    excluded = list(base.item_ids[:3])
    filtered = client.recommend(HISTORY, k=10, exclude=excluded)
    assert not set(excluded) & set(filtered.item_ids)
    # The answer is the unfiltered ranking of the items that pass, scores unchanged.
    assert filtered.items[:7] == tuple(Recommendation(r.item, r.score, r.rank - 3) for r in base.items[3:])
    assert filtered.filtered_candidates >= 3

    allowed = list(base.item_ids[5:]) + ["1", "2", "3"]
    only = client.recommend(HISTORY, k=10, allow=allowed)
    assert only.item_ids and set(only.item_ids) <= set(allowed)

    recent = client.recommend(HISTORY, k=10, where="year >= 1990")
    assert len(recent.items) == 10
    assert all(catalogue[i]["year"] is not None and catalogue[i]["year"] >= 1990 for i in recent.item_ids)
    assert recent.item_ids != base.item_ids

    comedies = client.recommend(HISTORY, k=10, where=["genre in Comedy", "year < 1995"])
    assert comedies.item_ids
    for item in comedies.item_ids:
        assert "Comedy" in catalogue[item]["genres"] and catalogue[item]["year"] < 1995, item


def test_explain_returns_an_explanation_per_item(client):
    answer = client.recommend(HISTORY, k=10, explain=True)
    assert all(isinstance(r.explanation, Explanation) for r in answer)
    voted = [r.explanation for r in answer if r.explanation.clusters]
    assert voted, "some items were voted for"
    for e in voted:
        assert 1 <= len(e.clusters) <= 3 and len(e.because) <= 3
        shares = [c.share for c in e.clusters]
        assert shares == sorted(shares, reverse=True)
        assert {s.item for s in e.because} <= {"50", "172", "181"}
    assert any(e.because for e in voted)
    plain = client.recommend(HISTORY, k=10)
    assert [(r.item, r.score) for r in plain] == [(r.item, r.score) for r in answer]


def test_unknown_history_items_are_skipped_and_counted(client):
    answer = client.recommend([("not-an-item", 5), ("50", 5)], k=5)
    assert answer.unknown_items == 1
    assert same_answer(answer, client.recommend([("no-such-item", 5), ("50", 5)], k=5))
    nobody = client.recommend(["nothing-we-know"], k=5)
    assert nobody.unknown_items == 1 and nobody.filled_from_popularity == 5 and len(nobody.items) == 5


# -- status -----------------------------------------------------------------------------------

def test_status_reports_the_workers_and_shards(client):
    model_version = client.recommend(HISTORY, k=3).model_version
    status = client.status(request_id="how-are-you")
    assert isinstance(status, Status)
    assert status.request_id == "how-are-you"
    assert status.ready and status.model_version == model_version
    assert sorted(s.shard for s in status.shards) == [0, 1, 2]
    assert all(s.alive and s.replicas == 1 and s.replicas_alive == 1 and s.model_version == model_version for s in status.shards)
    assert status.workers == status.workers_alive == 3
    assert status.requests >= 1 and status.admission_limit > 0
    client.recommend(HISTORY, k=3)
    assert client.status().requests > status.requests


# -- CURVE ------------------------------------------------------------------------------------

def test_curve_keys_from_the_key_files(curve_cluster):
    keys = curve_cluster.folder / "keys"
    curve = CurveKeys.from_files(str(keys / "clients" / "client.key"), str(keys / "coordinator.pub"))
    assert curve.secret_key not in repr(curve)
    with Client(curve_cluster.endpoint, curve=curve, timeout=10.0) as client:
        answer = client.recommend(HISTORY, k=5)
        assert len(answer.items) == 5
        assert client.status().ready
    with Client(curve_cluster.endpoint, timeout=1.0) as plaintext:
        with pytest.raises(ClientTimeoutError):
            plaintext.recommend(HISTORY, k=5)
    with pytest.raises(ValueError):
        CurveKeys(public_key="short", secret_key="x" * 40, server_key="y" * 40)
