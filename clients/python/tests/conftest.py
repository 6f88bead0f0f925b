"""Fixtures: the efficientrec binary, a small model trained once per session on MovieLens-100K,
real clusters (worker and coordinator processes on loopback, ports chosen by the kernel) that are
always stopped at the end, and a sample of MovieLens interactions; plus helpers the test modules
import (a history, answer comparison, histories as a TSV file).

The binary is $EFFICIENTREC_BIN, by default .build/debug/efficientrec of the repository.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import pytest

HERE = Path(__file__).resolve().parent
PACKAGE_ROOT = HERE.parent
REPO = PACKAGE_ROOT.parent.parent

try:  # the installed package; from a plain checkout, the sources
    import efficientrec  # noqa: F401
except ImportError:  # pragma: no cover - depends on how the tests are run
    sys.path.insert(0, str(PACKAGE_ROOT / "src"))
    import efficientrec  # noqa: F401

from efficientrec import Recommendations

#: A user's history: three MovieLens items with their ratings.
HISTORY = [("50", 5.0), ("172", 5.0), ("181", 4.0)]


def pytest_report_header(config):
    import google.protobuf
    import zmq
    return "efficientrec from %s; protobuf %s; pyzmq %s (libzmq %s); binary %s" % (
        Path(efficientrec.__file__).parent, google.protobuf.__version__, zmq.__version__, zmq.zmq_version(), binary_path())


def binary_path() -> Path:
    return Path(os.environ.get("EFFICIENTREC_BIN", str(REPO / ".build" / "debug" / "efficientrec")))


@pytest.fixture(scope="session")
def binary() -> str:
    path = binary_path()
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail("no efficientrec binary at %s: build it (swift build --product efficientrec) or set EFFICIENTREC_BIN" % path)
    return str(path)


@pytest.fixture(scope="session")
def movielens() -> Dict[str, Path]:
    """MovieLens-100K as deploy/fetch-movielens.sh lays it out (fetched when missing)."""
    folder = REPO / "data" / "ml-100k"
    files = {"inter": folder / "ml-100k.inter", "item": folder / "ml-100k.item", "user": folder / "ml-100k.user"}
    if not files["inter"].is_file():
        fetched = subprocess.run(["bash", str(REPO / "deploy" / "fetch-movielens.sh")], capture_output=True, text=True)
        if fetched.returncode != 0 or not files["inter"].is_file():
            pytest.fail("MovieLens-100K is missing and deploy/fetch-movielens.sh failed: %s" % fetched.stderr[-2000:])
    return files


def run(binary: str, args: List[str], timeout: float = 300) -> subprocess.CompletedProcess:
    env = dict(os.environ, OPENBLAS_NUM_THREADS=os.environ.get("OPENBLAS_NUM_THREADS", "1"))
    return subprocess.run([binary] + args, capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture(scope="session")
def model(binary, movielens, tmp_path_factory) -> str:
    """A small, quick model (a few seconds on one thread): few clusters, two epochs."""
    out = tmp_path_factory.mktemp("model") / "model.efr"
    trained = run(binary, ["train", "--interactions", str(movielens["inter"]), "--items", str(movielens["item"]),
                           "--users", str(movielens["user"]), "--out", str(out), "--clusters", "24", "--top-clusters", "5",
                           "--shortlist-length", "30", "--epochs", "2", "--sparse-epochs", "1", "--embedding-dim", "16",
                           "--profile-dim", "16", "--head-hidden", "32", "--threads", "1", "--seed", "1"])
    assert trained.returncode == 0, trained.stderr[-3000:]
    return str(out)


@dataclass
class Cluster:
    endpoint: str
    admin_endpoint: Optional[str]
    process: subprocess.Popen
    folder: Path

    def stop(self) -> None:
        """SIGTERM to the cluster (it stops its workers and coordinator), then SIGKILL to its
        process group if anything is left after 10 s."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # the group exists only while a member lives
        except (ProcessLookupError, PermissionError):
            pass
        if self.process.poll() is None:
            self.process.wait(timeout=10)


def start_cluster(binary: str, model: str, folder: Path, shards: int = 3, extra: Optional[List[str]] = None) -> Cluster:
    """`efficientrec cluster --port 0` in its own process group; waits for its "coordinator: tcp"
    line (as deploy/demo.sh does) and for "ready"."""
    folder.mkdir(parents=True, exist_ok=True)
    out, err = folder / "cluster.log", folder / "cluster.err"
    with open(out, "w") as stdout, open(err, "w") as stderr:
        process = subprocess.Popen([binary, "cluster", "--model", model, "--shards", str(shards), "--port", "0"] + (extra or []),
                                   stdout=stdout, stderr=stderr, cwd=str(folder), start_new_session=True,
                                   env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
    cluster = Cluster("", None, process, folder)
    deadline = time.monotonic() + 90
    try:
        while time.monotonic() < deadline:
            text = out.read_text()
            lines = text.splitlines()
            coordinator = [l.split()[1] for l in lines if l.startswith("coordinator: tcp")]
            admin = [l.split()[-1] for l in lines if l.startswith("coordinator admin")]
            if coordinator and any(l.startswith("ready") for l in lines):
                cluster.endpoint, cluster.admin_endpoint = coordinator[0], (admin[0] if admin else None)
                return cluster
            if process.poll() is not None:
                raise RuntimeError("the cluster exited with %s: %s" % (process.returncode, err.read_text()[-3000:]))
            time.sleep(0.05)
        raise RuntimeError("the cluster did not report ready in 90 s: %s" % err.read_text()[-3000:])
    except BaseException:
        cluster.stop()
        raise


@pytest.fixture(scope="session")
def cluster(binary, model, tmp_path_factory) -> Iterator[Cluster]:
    """One coordinator and three shard workers, shared by the tests that only read from it."""
    c = start_cluster(binary, model, tmp_path_factory.mktemp("cluster"), shards=3)
    try:
        yield c
    finally:
        c.stop()


@pytest.fixture(scope="session")
def curve_cluster(binary, model, tmp_path_factory) -> Iterator[Cluster]:
    """A CURVE-secured cluster (`cluster --keys keys`: keys/coordinator.pub, keys/clients/client.key)."""
    folder = tmp_path_factory.mktemp("curve")
    c = start_cluster(binary, model, folder, shards=2, extra=["--keys", str(folder / "keys")])
    try:
        yield c
    finally:
        c.stop()


@pytest.fixture
def client(cluster):
    from efficientrec import Client
    with Client(cluster.endpoint, timeout=10.0) as c:
        yield c


def free_port() -> int:
    """A TCP port nothing listens on (the kernel's choice for a socket bound to port 0, closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    """Writes interaction rows to ``path`` as a TSV with a header, as ``efficientrec query
    --histories`` reads, and returns the path."""
    path.write_text("user\titem\trating\ttimestamp\n" + "".join("\t".join(r) + "\n" for r in rows), encoding="utf-8")
    return path


def same_answer(a: Recommendations, b: Recommendations) -> bool:
    """Everything but the request ID and the timings."""
    return (a.items, a.clusters, a.model_version, a.coverage, a.degraded_reasons, a.unknown_items,
            a.truncated_interactions, a.filled_from_popularity, a.filtered_candidates) == \
           (b.items, b.clusters, b.model_version, b.coverage, b.degraded_reasons, b.unknown_items,
            b.truncated_interactions, b.filled_from_popularity, b.filtered_candidates)
