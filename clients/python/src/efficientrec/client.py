"""The EfficientRec client: one ZeroMQ DEALER socket to one or more coordinators.

Wire contract: ``docs/api.md``. Each request is one frame (a serialized
``ClientMessage``), each reply one frame (a ``ServerMessage``); a batch is one multipart message
answered by one multipart message with one reply frame per request frame, in order. Replies are
matched by request ID, so a reply that comes after its call gave up is recognised and dropped.
The batch machinery behind :meth:`Client.recommend_batch` is in :mod:`efficientrec.batch`.
"""
from __future__ import annotations

import math
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import (TYPE_CHECKING, Any, Dict, Hashable, Iterable, List, Mapping, NoReturn, Optional, Sequence, Tuple,
                    TypeVar, Union, overload)

import zmq

from . import batch
from .batch import DEFAULT_BATCH_SIZE, MAX_BATCH_REQUESTS
from .errors import (ClientTimeoutError, EfficientRecError, InvalidArgumentError, OverloadedError,
                     UnexpectedReplyError, error_for_code, overload_backoff)
from .histories import HistoryLike, as_list, normalize_history, read_key_file
from .results import Recommendations, Status
from .v1 import client_pb2

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__all__ = ["Client", "CurveKeys", "MAX_BATCH_REQUESTS", "PROTOCOL_VERSION", "DEFAULT_BATCH_SIZE"]

#: The protocol version this client speaks (``protocol_version`` of every envelope).
PROTOCOL_VERSION = 1

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class CurveKeys:
    """CURVE key material for a coordinator that runs secured (``cluster --keys``,
    ``coordinator --curve-secret ...``): this client's key pair and the coordinator's public key,
    each as the 40-character Z85 text that ``efficientrec keys generate`` writes.

    The coordinator admits only clients whose public key it lists, so the client key pair must be
    one it knows (``cluster --keys DIR`` writes one to ``DIR/clients/client.key``).
    """

    public_key: str
    secret_key: str = field(repr=False)
    server_key: str

    def __post_init__(self) -> None:
        for name in ("public_key", "secret_key", "server_key"):
            value = getattr(self, name)
            if not isinstance(value, str) or len(value) != 40:
                raise ValueError("CurveKeys.%s must be a 40-character Z85 key" % name)

    @classmethod
    def from_files(cls, secret_key_file: str, server_key_file: str) -> "CurveKeys":
        """Reads this client's ``.key`` file (holding its public and secret key) and the
        coordinator's ``.pub`` file, as written by ``efficientrec keys generate``."""
        return cls(
            public_key=read_key_file(secret_key_file, "public-key"),
            secret_key=read_key_file(secret_key_file, "secret-key"),
            server_key=read_key_file(server_key_file, "public-key"),
        )


def _reply_id(reply: Any) -> str:
    body = reply.WhichOneof("body")
    return getattr(reply, body).request_id if body else ""


class Client:
    """A connection to an EfficientRec coordinator (or several: the requests are spread over
    them round-robin; every coordinator answers the same way).

    Args:
        endpoint: ``tcp://host:port``; several as a list or comma-separated.
        curve: :class:`CurveKeys` for a CURVE-secured coordinator (``None``: plaintext).
        timeout: the default deadline of a call, in seconds. For :meth:`recommend` and
            :meth:`status` it bounds the whole call, retries included; for
            :meth:`recommend_batch` it is how long to wait for a batch message's reply (and how
            long refusals may go on with no request answered).
        retries: how often a request refused as overloaded is sent again (after a backoff of
            5 ms doubling up to 0.5 s, with jitter) within the deadline; ``None``: no limit but
            the deadline.
        batch_size: requests per batch message for :meth:`recommend_batch` (at most
            :data:`MAX_BATCH_REQUESTS`).
        context: a ``zmq.Context`` to use; by default the client makes its own and ends it on
            :meth:`close`.

    One DEALER socket is opened in the constructor and reused by every call until
    :meth:`close` (or the end of a ``with`` block). Calls from several threads are serialised.
    """

    def __init__(self, endpoint: Union[str, Sequence[str]], curve: Optional[CurveKeys] = None, timeout: float = 5.0,
                 retries: Optional[int] = 10, *, batch_size: int = DEFAULT_BATCH_SIZE,
                 context: Optional[zmq.Context] = None) -> None:
        if isinstance(endpoint, str):
            endpoints = [e.strip() for e in endpoint.split(",") if e.strip()]
        else:
            endpoints = [str(e).strip() for e in endpoint]
        if not endpoints:
            raise ValueError("no endpoint given")
        if not timeout > 0:
            raise ValueError("timeout must be positive")
        if retries is not None and retries < 0:
            raise ValueError("retries must be at least 0 (or None)")
        batch.check_batch_size(batch_size)
        self.endpoints: Tuple[str, ...] = tuple(endpoints)
        self.timeout = float(timeout)
        self.retries = retries
        self.batch_size = batch_size
        self.curve = curve
        #: Replies that belonged to no pending request (late answers to calls that gave up).
        self.stale_replies = 0
        self._protocol_version = PROTOCOL_VERSION
        self._lock = threading.Lock()
        self._own_context = context is None
        self._context: Optional[zmq.Context] = context if context is not None else zmq.Context()
        self._socket: Optional[zmq.Socket] = self._context.socket(zmq.DEALER)
        try:
            socket = self._socket
            socket.setsockopt(zmq.LINGER, 0)
            if curve is not None:
                socket.curve_secretkey = curve.secret_key.encode("ascii")
                socket.curve_publickey = curve.public_key.encode("ascii")
                socket.curve_serverkey = curve.server_key.encode("ascii")
            for e in endpoints:
                socket.connect(e)
        except BaseException:
            self.close()
            raise

    # -- life cycle ---------------------------------------------------------------------------

    def close(self) -> None:
        """Closes the socket (unsent requests are dropped) and the client's own context.
        Calling it again does nothing."""
        socket, self._socket = getattr(self, "_socket", None), None
        if socket is not None:
            socket.close(linger=0)
        context, self._context = getattr(self, "_context", None), None
        if context is not None and self._own_context:
            context.term()

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has run."""
        return self._socket is None

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return "Client(%r, curve=%s, timeout=%r, retries=%r%s)" % (
            ",".join(self.endpoints), "on" if self.curve else "None", self.timeout, self.retries,
            ", closed" if self.closed else "")

    # -- requests -----------------------------------------------------------------------------

    def recommend(self, history: HistoryLike, k: int = 10, exclude: Optional[Iterable[str]] = None,
                  allow: Optional[Iterable[str]] = None, where: Optional[Union[str, Iterable[str]]] = None,
                  explain: bool = False, request_id: Optional[str] = None, *, attributes: Optional[Mapping[str, str]] = None,
                  model_version: str = "", timeout: Optional[float] = None) -> Recommendations:
        """Recommends ``k`` items for one user.

        Args:
            history: what the user interacted with: a list of item IDs (each rated
                :data:`~efficientrec.histories.DEFAULT_RATING`), a list of ``(item, rating)``
                pairs or ``(item, rating, timestamp)`` triples, a dict item -> rating, or a
                :class:`~efficientrec.histories.History`. Unknown items are skipped by the
                server and counted in ``Recommendations.unknown_items``.
            k: how many items (1 .. the server's limit, 1,000 by default).
            exclude: item IDs never to recommend (beyond the history, which is never
                recommended); unknown IDs are ignored.
            allow: recommend only among these item IDs (``None`` or empty: every item).
            where: conditions on item attributes, all of which must hold, e.g.
                ``"genre in Comedy|Drama"``, ``"genre not in Horror"``, ``"year >= 1990"``.
            explain: ask for an :class:`~efficientrec.results.Explanation` of every item.
            request_id: the request's ID (a fresh random one by default); errors carry it.
            attributes: optional user attributes (e.g. ``{"age": "25", "gender": "F"}``).
            model_version: answer only with this model version ("" = the current one).
            timeout: this call's deadline in seconds (default: the client's).

        Returns:
            The :class:`~efficientrec.results.Recommendations`, best first.

        Raises:
            InvalidArgumentError: a field the server (or the encoder) refuses.
            OverloadedError: still refused after ``retries`` retries or at the deadline.
            ClientTimeoutError: no reply within the deadline.
            EfficientRecError: any other error the server answers with (one subclass per code).
        """
        rid = request_id if request_id is not None else uuid.uuid4().hex
        frame = self._recommend_frame(rid, history, k, exclude, allow, where, explain, attributes, model_version)
        reply = self._call(frame, rid, "recommend", timeout)
        return Recommendations.from_proto(reply.recommend, explain)

    def status(self, request_id: Optional[str] = None, *, timeout: Optional[float] = None) -> Status:
        """The coordinator's status: readiness, model version, counters, latency percentiles and
        one :class:`~efficientrec.results.ShardStatus` per shard (with its workers)."""
        rid = request_id if request_id is not None else uuid.uuid4().hex
        message = client_pb2.ClientMessage(protocol_version=self._protocol_version)
        message.status.request_id = rid
        reply = self._call(message.SerializeToString(), rid, "status", timeout)
        return Status.from_proto(reply.status)

    @overload
    def recommend_batch(self, histories: Mapping[K, HistoryLike], k: int = ..., exclude: Optional[Iterable[str]] = ...,  # type: ignore[overload-overlap]
                        allow: Optional[Iterable[str]] = ..., where: Optional[Union[str, Iterable[str]]] = ...,
                        explain: bool = ..., *, batch_size: Optional[int] = ..., timeout: Optional[float] = ...,
                        on_error: str = ..., attributes: Optional[Mapping[Any, Mapping[str, str]]] = ...,
                        user_column: Optional[str] = ..., item_column: Optional[str] = ...,
                        rating_column: Optional[str] = ..., timestamp_column: Optional[str] = ...) -> Dict[K, Recommendations]: ...

    @overload
    def recommend_batch(self, histories: Iterable[HistoryLike], k: int = ..., exclude: Optional[Iterable[str]] = ...,
                        allow: Optional[Iterable[str]] = ..., where: Optional[Union[str, Iterable[str]]] = ...,
                        explain: bool = ..., *, batch_size: Optional[int] = ..., timeout: Optional[float] = ...,
                        on_error: str = ..., attributes: Optional[Mapping[Any, Mapping[str, str]]] = ...,
                        user_column: Optional[str] = ..., item_column: Optional[str] = ...,
                        rating_column: Optional[str] = ..., timestamp_column: Optional[str] = ...) -> List[Recommendations]: ...

    @overload
    def recommend_batch(self, histories: "pandas.DataFrame", k: int = ..., exclude: Optional[Iterable[str]] = ...,
                        allow: Optional[Iterable[str]] = ..., where: Optional[Union[str, Iterable[str]]] = ...,
                        explain: bool = ..., *, batch_size: Optional[int] = ..., timeout: Optional[float] = ...,
                        on_error: str = ..., attributes: Optional[Mapping[Any, Mapping[str, str]]] = ...,
                        user_column: Optional[str] = ..., item_column: Optional[str] = ...,
                        rating_column: Optional[str] = ..., timestamp_column: Optional[str] = ...) -> "pandas.DataFrame": ...

    def recommend_batch(self, histories: Any, k: int = 10, exclude: Optional[Iterable[str]] = None,
                        allow: Optional[Iterable[str]] = None, where: Optional[Union[str, Iterable[str]]] = None,
                        explain: bool = False, *, batch_size: Optional[int] = None, timeout: Optional[float] = None,
                        on_error: str = "raise", attributes: Optional[Mapping[Any, Mapping[str, str]]] = None,
                        user_column: Optional[str] = None, item_column: Optional[str] = None,
                        rating_column: Optional[str] = None, timestamp_column: Optional[str] = None) -> Any:
        """Recommends for many users, ``batch_size`` requests per message (each message answered
        by one message, in order). Every request is filtered and answered on its own: its answer
        equals :meth:`recommend` with the same arguments.

        ``histories`` may be:

        - an iterable of histories (any shape :meth:`recommend` takes): returns a list of
          :class:`~efficientrec.results.Recommendations` in the same order;
        - a mapping user -> history: returns a dict user -> Recommendations, in the same order;
        - a pandas DataFrame of interactions, one row per (user, item[, rating[, timestamp]]):
          grouped by user in the order users first appear (an item repeated for a user keeps its
          first place with its last rating, a missing rating column means rating 1, as
          ``efficientrec`` reads an interaction file); returns a DataFrame with the columns
          ``user``, ``item``, ``rank``, ``score`` (and ``explanation`` with ``explain``), the
          users in the same order. Columns are found by name (``user``/``user_id``,
          ``item``/``item_id``/..., ``rating``, ``timestamp``) unless named by
          ``user_column`` etc.

        Requests refused as overloaded are sent again after a backoff (up to ``retries`` times
        each; the message size halves on a refusal and grows back as answers come), and it gives
        up when no reply has come for ``timeout`` seconds.

        Args:
            batch_size: requests per message (default: the client's; at most
                :data:`MAX_BATCH_REQUESTS`).
            on_error: ``"raise"``: raise the first failed request's error (in input order) after
                the whole batch ran; ``"return"``: put the error in that user's place (for a
                DataFrame, failed users are left out and listed in ``result.attrs["errors"]``).
            attributes: user -> attributes, for mapping and DataFrame input.
        """
        return batch.recommend_batch(self, histories, k, exclude, allow, where, explain, batch_size, timeout, on_error,
                                     attributes, user_column, item_column, rating_column, timestamp_column)

    # -- internals ----------------------------------------------------------------------------

    def _recommend_frame(self, rid: str, history: HistoryLike, k: int, exclude: Any, allow: Any, where: Any, explain: bool,
                         attributes: Optional[Mapping[str, str]] = None, model_version: str = "") -> bytes:
        """The serialized ClientMessage of one RecommendRequest; a value the wire cannot carry
        raises InvalidArgumentError (also a ValueError) with the request ID, without a round trip."""
        try:
            h = normalize_history(history)
            if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k < 2 ** 32:
                raise ValueError("k must be a positive integer, got %r" % (k,))
            message = client_pb2.ClientMessage(protocol_version=self._protocol_version)
            r = message.recommend
            r.request_id = rid
            r.item_ids.extend(h.items)
            r.ratings.extend(h.ratings)
            r.timestamps.extend(h.timestamps)
            if attributes:
                r.attribute_names.extend(str(n) for n in attributes.keys())
                r.attribute_values.extend(str(v) for v in attributes.values())
            r.k = k
            r.model_version = model_version
            r.exclude_item_ids.extend(as_list(exclude))
            r.allow_item_ids.extend(as_list(allow))
            r.item_conditions.extend(as_list(where))
            r.explain = bool(explain)
            return message.SerializeToString()
        except (TypeError, ValueError, OverflowError) as error:
            raise InvalidArgumentError(rid, "the request cannot be encoded (not sent): %s" % error) from error

    def _deadline(self, timeout: Optional[float]) -> float:
        seconds = self.timeout if timeout is None else float(timeout)
        if not seconds > 0:
            raise ValueError("timeout must be positive")
        return time.monotonic() + seconds

    def _call(self, frame: bytes, rid: str, expected: str, timeout: Optional[float]) -> Any:
        """Sends one request and returns its reply of kind ``expected``, sending it again (same
        request ID) after overload refusals while retries and the deadline allow."""
        deadline = self._deadline(timeout)
        refusals = 0
        while True:
            reply = self._exchange([frame], [rid], deadline)[0]
            body = reply.WhichOneof("body")
            if body == expected:
                return reply
            if body != "error":
                raise UnexpectedReplyError(rid, "expected a %s reply, got %s" % (expected, body or "an empty message"))
            error = error_for_code(reply.error.code, reply.error.request_id or rid, reply.error.message)
            if not isinstance(error, OverloadedError) or (self.retries is not None and refusals >= self.retries):
                raise error
            refusals += 1
            pause = overload_backoff(refusals)
            if time.monotonic() + pause >= deadline:
                raise error
            time.sleep(pause)

    def _exchange(self, frames: List[bytes], ids: List[str], deadline: float) -> List[Any]:
        """Sends one message of ``frames`` and returns its reply message's ServerMessages, in
        order. Messages whose request IDs do not match (late replies to calls that gave up) are
        dropped. Raises ClientTimeoutError (with the first request's ID) at the deadline."""
        with self._lock:
            socket = self._socket
            if socket is None:
                raise EfficientRecError(ids[0], "the client is closed")
            while True:
                try:
                    socket.send_multipart(frames, flags=zmq.NOBLOCK, copy=False)
                    break
                except zmq.Again:
                    if not socket.poll(self._millis(deadline, ids[0]), zmq.POLLOUT):
                        self._timeout(ids[0])
            while True:
                if not socket.poll(self._millis(deadline, ids[0]), zmq.POLLIN):
                    self._timeout(ids[0])
                payloads = socket.recv_multipart()
                replies = self._parse(payloads)
                if replies is not None and len(replies) == len(ids) and all(
                        _reply_id(r) in (rid, "") for r, rid in zip(replies, ids)):
                    return replies
                self.stale_replies += 1

    @staticmethod
    def _parse(payloads: List[bytes]) -> Optional[List[Any]]:
        replies = []
        for payload in payloads:
            reply = client_pb2.ServerMessage()
            try:
                reply.ParseFromString(payload)
            except Exception:  # not a ServerMessage: not an answer to this client
                return None
            replies.append(reply)
        return replies

    def _millis(self, deadline: float, rid: str) -> int:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            self._timeout(rid)
        return max(1, int(math.ceil(remaining * 1000)))

    def _timeout(self, rid: str) -> NoReturn:
        raise ClientTimeoutError(rid, "no reply from %s within the deadline" % ",".join(self.endpoints))
