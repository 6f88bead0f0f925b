"""Errors, timeouts and overload retries: refusals by a real cluster mapped to their exception
classes, input refused before sending, deadlines and late replies, plus a scripted coordinator for
what a healthy cluster does not do on demand (overload refusals)."""
from __future__ import annotations

import threading
import time
from typing import Callable, Dict, List

import pytest
import zmq

import efficientrec
from efficientrec import (Client, ClientTimeoutError, EfficientRecError, InvalidArgumentError, MalformedRequestError,
                          ModelVersionUnavailableError, OverloadedError, UnsupportedProtocolError)
from efficientrec.errors import error_for_code
from efficientrec.v1 import client_pb2, common_pb2

from conftest import HISTORY, free_port


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
