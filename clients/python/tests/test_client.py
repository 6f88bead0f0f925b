"""The efficientrec package against a real cluster (the efficientrec binary's worker and
coordinator processes, trained on MovieLens-100K), plus a scripted coordinator for what a
healthy cluster does not do on demand (overload refusals)."""
from __future__ import annotations
import os

import dataclasses
import math
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest
import zmq

import efficientrec
from efficientrec import (Client, ClientTimeoutError, CurveKeys, EfficientRecError, Explanation, History,
                          InvalidArgumentError, MalformedRequestError, ModelVersionUnavailableError, OverloadedError,
                          Recommendation, Recommendations, Status, UnsupportedProtocolError)
from efficientrec.cli import shortest_float32
from efficientrec.errors import error_for_code
from efficientrec.v1 import client_pb2, common_pb2

from conftest import PACKAGE_ROOT, free_port, run

HISTORY = [("50", 5.0), ("172", 5.0), ("181", 4.0)]
HISTORY_TEXT = "50:5,172:5,181:4"


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


@pytest.fixture(scope="session")
def interactions(movielens) -> List[List[str]]:
    """The first 600 rows of ml-100k.inter (user, item, rating, timestamp): a few hundred users."""
    rows = []
    with open(movielens["inter"], encoding="utf-8") as f:
        f.readline()
        for line, _ in zip(f, range(600)):
            rows.append(line.rstrip("\n").split("\t"))
    return rows


def histories_tsv(rows: List[List[str]], path: Path) -> Path:
    path.write_text("user\titem\trating\ttimestamp\n" + "".join("\t".join(r) + "\n" for r in rows), encoding="utf-8")
    return path


def same_answer(a: Recommendations, b: Recommendations) -> bool:
    """Everything but the request ID and the timings."""
    return (a.items, a.clusters, a.model_version, a.coverage, a.degraded_reasons, a.unknown_items,
            a.truncated_interactions, a.filled_from_popularity, a.filtered_candidates) == \
           (b.items, b.clusters, b.model_version, b.coverage, b.degraded_reasons, b.unknown_items,
            b.truncated_interactions, b.filled_from_popularity, b.filtered_candidates)


# -- recommend --------------------------------------------------------------------------------

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


# -- errors -----------------------------------------------------------------------------------

@pytest.mark.parametrize("k", [0, 100_000])
def test_k_out_of_range_is_an_invalid_argument_with_the_request_id(client, k):
    with pytest.raises(InvalidArgumentError) as caught:
        client.recommend(HISTORY, k=k, request_id="bad-k-%d" % k)
    assert caught.value.request_id == "bad-k-%d" % k
    assert caught.value.code == common_pb2.ERROR_CODE_INVALID_ARGUMENT
    assert "k must be between" in caught.value.message
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, EfficientRecError)


def test_server_refusals_map_to_their_subclasses(client):
    with pytest.raises(InvalidArgumentError) as nan:
        client.recommend([("50", float("nan"))], k=5, request_id="nan-rating")
    assert nan.value.request_id == "nan-rating" and "nan" in nan.value.message
    with pytest.raises(InvalidArgumentError) as genre:
        client.recommend(HISTORY, where="genre in Polka", request_id="bad-genre")
    assert genre.value.request_id == "bad-genre" and "Comedy" in genre.value.message, "it lists the catalogue's genres"
    with pytest.raises(ModelVersionUnavailableError) as version:
        client.recommend(HISTORY, model_version="no-such-version", request_id="old-model")
    assert version.value.request_id == "old-model"
    client._protocol_version = 2
    try:
        with pytest.raises(UnsupportedProtocolError) as protocol:
            client.recommend(HISTORY, request_id="future")
    finally:
        client._protocol_version = efficientrec.PROTOCOL_VERSION
    assert protocol.value.request_id == "future"
    assert client.recommend(HISTORY, k=3).items, "the client goes on after errors"


def test_input_that_cannot_be_encoded_is_refused_before_sending(client):
    for history, k in [(HISTORY, -1), (HISTORY, 2 ** 40), ([("50", "five")], 5), ("50,172", 5), ([("50", 5, 1, 2)], 5)]:
        with pytest.raises(InvalidArgumentError) as caught:
            client.recommend(history, k=k, request_id="local")
        assert caught.value.request_id == "local" and "not sent" in caught.value.message


def test_malformed_bytes_are_answered_with_malformed(cluster):
    with zmq.Context() as context:
        raw = context.socket(zmq.DEALER)
        raw.setsockopt(zmq.LINGER, 0)
        raw.connect(cluster.endpoint)
        raw.send(b"\xde\xad\xbe\xef")
        assert raw.poll(10_000)
        reply = client_pb2.ServerMessage.FromString(raw.recv())
        raw.close()
    error = error_for_code(reply.error.code, reply.error.request_id, reply.error.message)
    assert isinstance(error, MalformedRequestError)


def test_nothing_listening_raises_the_timeout_error_within_the_deadline():
    with Client("tcp://127.0.0.1:%d" % free_port(), timeout=0.5) as client:
        started = time.monotonic()
        with pytest.raises(ClientTimeoutError) as caught:
            client.recommend(HISTORY, k=5, request_id="lost")
        elapsed = time.monotonic() - started
        assert caught.value.request_id == "lost"
        assert isinstance(caught.value, TimeoutError)
        assert 0.45 <= elapsed < 1.5, elapsed
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            client.status(timeout=0.2)
        assert time.monotonic() - started < 1.0


def test_late_replies_are_dropped_and_the_socket_is_reused(cluster):
    with Client(cluster.endpoint, timeout=10.0) as client:
        socket = client._socket
        with pytest.raises(ClientTimeoutError):
            client.recommend(HISTORY, k=5, request_id="too-slow", timeout=1e-6)
        time.sleep(0.3)  # its reply is waiting in the socket now
        answer = client.recommend(HISTORY, k=5, request_id="next")
        assert answer.request_id == "next"
        assert client.stale_replies == 1, "the reply to 'too-slow' came first and was dropped"
        before = client.status().client_disconnects
        for _ in range(5):
            client.recommend(HISTORY, k=5)
        assert client._socket is socket
        assert client.status().client_disconnects == before, "one connection for every call"
    assert client.closed
    with pytest.raises(EfficientRecError):
        client.recommend(HISTORY)


# -- batches ----------------------------------------------------------------------------------

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


# -- overload retries (a scripted coordinator) ------------------------------------------------

class ScriptedCoordinator:
    """A ROUTER on loopback that answers each request frame with ``answer(request, count)``:
    a ServerMessage for the n-th frame it has seen with that request ID."""

    def __init__(self, answer: Callable[[client_pb2.ClientMessage, int], client_pb2.ServerMessage]) -> None:
        self.answer = answer
        self.seen: Dict[str, int] = {}
        self.messages: List[int] = []
        self.context = zmq.Context()
        self.socket = self.context.socket(zmq.ROUTER)
        self.socket.setsockopt(zmq.LINGER, 0)
        port = self.socket.bind_to_random_port("tcp://127.0.0.1")
        self.endpoint = "tcp://127.0.0.1:%d" % port
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        while not self.stopping.is_set():
            if not self.socket.poll(50):
                continue
            peer, *frames = self.socket.recv_multipart()
            self.messages.append(len(frames))
            replies = []
            for frame in frames:
                request = client_pb2.ClientMessage.FromString(frame)
                rid = request.recommend.request_id
                self.seen[rid] = self.seen.get(rid, 0) + 1
                replies.append(self.answer(request, self.seen[rid]).SerializeToString())
            self.socket.send_multipart([peer] + replies)

    def close(self) -> None:
        self.stopping.set()
        self.thread.join()
        self.socket.close()
        self.context.term()


def overloaded(rid: str) -> client_pb2.ServerMessage:
    m = client_pb2.ServerMessage(protocol_version=1)
    m.error.request_id, m.error.code, m.error.message = rid, common_pb2.ERROR_CODE_OVERLOADED, "busy"
    return m


def answered(request: client_pb2.ClientMessage) -> client_pb2.ServerMessage:
    m = client_pb2.ServerMessage(protocol_version=1)
    m.recommend.request_id = request.recommend.request_id
    m.recommend.item_ids.extend(["x-" + i for i in request.recommend.item_ids])
    m.recommend.scores.extend([1.0] * len(request.recommend.item_ids))
    m.recommend.coverage = 1.0
    return m


def test_overload_refusals_are_retried_with_backoff_up_to_retries():
    server = ScriptedCoordinator(lambda request, n: overloaded(request.recommend.request_id) if n <= 2 else answered(request))
    try:
        with Client(server.endpoint, timeout=5.0, retries=2) as client:
            started = time.monotonic()
            answer = client.recommend(["a"], k=1, request_id="busy-then-fine")
            assert answer.item_ids == ("x-a",) and server.seen["busy-then-fine"] == 3
            assert time.monotonic() - started >= 0.0075 * 0.5, "it waited before sending again"
        with Client(server.endpoint, timeout=5.0, retries=1) as client:
            with pytest.raises(OverloadedError) as caught:
                client.recommend(["a"], k=1, request_id="gives-up")
            assert caught.value.request_id == "gives-up" and server.seen["gives-up"] == 2
    finally:
        server.close()


def test_overload_retries_stop_at_the_deadline():
    server = ScriptedCoordinator(lambda request, n: overloaded(request.recommend.request_id))
    try:
        with Client(server.endpoint, timeout=0.3, retries=None) as client:
            started = time.monotonic()
            with pytest.raises(OverloadedError) as caught:
                client.recommend(["a"], request_id="always-busy")
            assert time.monotonic() - started < 0.6
            assert caught.value.request_id == "always-busy" and server.seen["always-busy"] > 3
    finally:
        server.close()


def test_a_batch_completes_in_order_when_large_messages_are_refused():
    # Admits u0..u3 at once and any other request the second time it comes; refuses the rest.
    def answer(request, n):
        return answered(request) if n > 1 or request.recommend.item_ids[0] in ("u0", "u1", "u2", "u3") else overloaded(request.recommend.request_id)

    server = ScriptedCoordinator(answer)
    try:
        with Client(server.endpoint, timeout=5.0, retries=3) as client:
            histories = [["u%d" % i] for i in range(50)]
            results = client.recommend_batch(histories, k=1, batch_size=32)
            assert [r.item_ids for r in results] == [("x-u%d" % i,) for i in range(50)]
            assert max(server.messages) == 32 and min(server.messages) < 32, server.messages
    finally:
        server.close()


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


# -- the command line -------------------------------------------------------------------------

def cli_command() -> List[str]:
    """The installed console script next to this interpreter, else `python -m efficientrec`."""
    script = Path(sys.executable).parent / "efficientrec-client"
    if script.is_file():
        return [str(script)]
    found = shutil.which("efficientrec-client")
    return [found] if found else [sys.executable, "-m", "efficientrec"]


def test_the_console_script_is_declared():
    try:
        from importlib.metadata import entry_points
    except ImportError:  # pragma: no cover
        pytest.skip("importlib.metadata is missing")
    try:
        scripts = entry_points(group="console_scripts")
    except TypeError:  # Python 3.9
        scripts = entry_points().get("console_scripts", [])
    mine = [e for e in scripts if e.name == "efficientrec-client"]
    if not mine:
        pytest.skip("the package is not installed (tests run from the sources)")
    assert mine[0].value == "efficientrec.cli:main"


def test_the_cli_prints_the_same_tsv_as_query(cluster, binary, interactions, tmp_path):
    excluded = tmp_path / "exclude.txt"
    excluded.write_text("174\n127\n", encoding="utf-8")
    cases = [
        ["--history", HISTORY_TEXT, "-k", "12"],
        ["--history", HISTORY_TEXT, "-k", "12", "--exclude-items", str(excluded), "--where", "year >= 1960",
         "--where", "genre not in Drama"],
        ["--history", HISTORY_TEXT, "-k", "6", "--explain"],
        ["--history", "50,172", "-k", "5"],
    ]
    histories = str(histories_tsv(interactions, tmp_path / "histories.tsv"))
    batch_cases = [["--histories", histories, "-k", "5"], ["--histories", histories, "-k", "5", "--explain"]]
    outputs = []
    for args in cases + batch_cases:
        swift = run(binary, ["query", "--coordinator", cluster.endpoint] + args)
        assert swift.returncode == 0, swift.stderr
        python = subprocess.run(cli_command() + ["--coordinator", cluster.endpoint] + args, capture_output=True, text=True,
                                timeout=120)
        assert python.returncode == 0, python.stderr
        assert python.stdout == swift.stdout, args
        outputs.append(python.stdout)
    assert len(outputs[0].splitlines()) == 13
    assert outputs[1] != outputs[0], "the filters changed the answer"
    assert outputs[2].splitlines()[0].endswith("\tclusters\tbecause")
    assert len(outputs[4].splitlines()) > 50
    batched = subprocess.run(cli_command() + ["--coordinator", cluster.endpoint] + batch_cases[0] + ["--batch", "7"],
                             capture_output=True, text=True, timeout=120)
    assert batched.returncode == 0 and batched.stdout == outputs[4]


def test_the_cli_reports_errors_with_exit_status_1(cluster):
    bad = subprocess.run(cli_command() + ["--coordinator", cluster.endpoint, "--history", HISTORY_TEXT, "--where", "genre in Polka"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "genre" in bad.stderr and bad.stdout == ""
    usage = subprocess.run(cli_command() + ["--coordinator", cluster.endpoint], capture_output=True, text=True, timeout=60)
    assert usage.returncode == 2 and "exactly one of --history and --histories" in usage.stderr


# -- generated code ---------------------------------------------------------------------------

def test_the_generated_modules_match_the_protos(tmp_path):
    if shutil.which("protoc") is None:
        pytest.skip("protoc is not installed (apt-get install protobuf-compiler)")
    script = PACKAGE_ROOT / "generate.sh"
    committed = PACKAGE_ROOT / "src" / "efficientrec" / "v1"
    if not committed.is_dir():
        pytest.skip("the tests run without the package sources")
    check = subprocess.run(["bash", str(script), "--check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    copy = tmp_path / "v1"
    shutil.copytree(committed, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert subprocess.run(["bash", str(script), "--check", str(copy)], capture_output=True).returncode == 0
    text = (copy / "client_pb2.py").read_text(encoding="utf-8")
    # Another protoc version: its version comment, and another layout of the same descriptors.
    (copy / "client_pb2.py").write_text("# Protobuf Python Version: 9.99.0\n" + text, encoding="utf-8")
    versioned = subprocess.run(["bash", str(script), "--check", str(copy)], capture_output=True, text=True)
    assert versioned.returncode == 0 and "laid out" not in versioned.stderr, versioned.stderr
    (copy / "client_pb2.py").write_text(text.replace("_sym_db = ", "\n_sym_db = "), encoding="utf-8")
    laid_out = subprocess.run(["bash", str(script), "--check", str(copy)], capture_output=True, text=True)
    assert laid_out.returncode == 0 and "laid out differently" in laid_out.stderr, laid_out.stderr
    assert "item_ids" in text
    (copy / "client_pb2.py").write_text(text.replace("item_ids", "item_IDs"), encoding="utf-8")
    tampered = subprocess.run(["bash", str(script), "--check", str(copy)], capture_output=True, text=True)
    assert tampered.returncode == 1 and "differs" in tampered.stderr
