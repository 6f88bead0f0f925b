"""recommend_batch against a real cluster: over a list, a mapping and a pandas DataFrame, each
answer equal to the single call's, errors kept with their request."""
from __future__ import annotations

import os
from typing import Dict, List

import pytest

import efficientrec
from efficientrec import Explanation, History, InvalidArgumentError, Recommendations
from efficientrec.cli import shortest_float32

from conftest import HISTORY, histories_tsv, run, same_answer


def test_batch_over_a_list_equals_single_calls_in_order(client, interactions):
    users: Dict[str, List] = {}
    for user, item, rating, _ in interactions:
        users.setdefault(user, []).append((item, float(rating)))
    histories = list(users.values())[:40] + [["50", "172"], {"1": 4.0, "2": 3.0}, ["unknown-item"]]
    batch = client.recommend_batch(histories, k=5, batch_size=7, where="year >= 1980")
    assert len(batch) == len(histories)
    assert len({r.request_id for r in batch}) == len(histories)
    for history, answer in zip(histories, batch):
        assert same_answer(answer, client.recommend(history, k=5, where="year >= 1980"))
    by_user = client.recommend_batch({"a": ["50", "172"], "b": HISTORY}, k=4, explain=True)
    assert list(by_user) == ["a", "b"]
    assert same_answer(by_user["b"], client.recommend(HISTORY, k=4, explain=True))
    assert all(r.explanation is not None for r in by_user["a"])


def test_batch_errors_stay_with_their_request(client):
    results = client.recommend_batch([HISTORY, [("50", float("nan"))], HISTORY], k=3, on_error="return")
    assert isinstance(results[0], Recommendations) and isinstance(results[2], Recommendations)
    assert isinstance(results[1], InvalidArgumentError) and results[1].request_id not in ("", results[0].request_id)
    with pytest.raises(InvalidArgumentError):
        client.recommend_batch([HISTORY, [("50", float("nan"))]], k=3)
    with pytest.raises(ValueError):
        client.recommend_batch([HISTORY], batch_size=efficientrec.MAX_BATCH_REQUESTS + 1)


def test_batch_over_a_dataframe_equals_single_calls_and_query(client, cluster, binary, interactions, tmp_path):
    # pandas is an optional dependency; clients/python/test.sh (CI) installs it and requires it.
    if os.environ.get("EFFICIENTREC_REQUIRE_PANDAS") == "1":
        import pandas
    else:
        pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame(interactions, columns=["user", "item", "rating", "timestamp"])
    frame["rating"] = frame["rating"].astype(float)
    frame["timestamp"] = frame["timestamp"].astype(float)
    out = client.recommend_batch(frame, k=5, batch_size=16)
    assert list(out.columns) == ["user", "item", "rank", "score"]
    users = list(dict.fromkeys(frame["user"]))
    assert list(dict.fromkeys(out["user"])) == users
    assert len(out) == 5 * len(users)
    for user in users[:25]:
        rows = frame[frame["user"] == user]
        history = History(tuple(rows["item"]), tuple(rows["rating"]), tuple(rows["timestamp"]))
        single = client.recommend(history, k=5)
        mine = out[out["user"] == user]
        assert list(mine["item"]) == list(single.item_ids) and list(mine["score"]) == list(single.scores)
        assert list(mine["rank"]) == [1, 2, 3, 4, 5]
    # The same histories through `efficientrec query --histories`: the same TSV.
    query = run(binary, ["query", "--coordinator", cluster.endpoint, "--histories",
                         str(histories_tsv(interactions, tmp_path / "h.tsv")), "-k", "5"])
    assert query.returncode == 0, query.stderr
    mine = "user\titem\trank\tscore\n" + "".join(
        "%s\t%s\t%d\t%s\n" % (u, i, r, shortest_float32(s)) for u, i, r, s in out.itertuples(index=False))
    assert mine == query.stdout
    explained = client.recommend_batch(frame.rename(columns={"user": "user_id"}), k=2, explain=True)
    assert list(explained.columns) == ["user", "item", "rank", "score", "explanation"]
    assert all(isinstance(e, Explanation) for e in explained["explanation"])
