"""The work behind :meth:`Client.recommend_batch <efficientrec.client.Client.recommend_batch>`:
turning its input (a list, a mapping or a pandas DataFrame) into encoded requests, sending them
``batch_size`` frames per message with overload refusals sent again, and shaping the results like
the input.

A batch message is answered by one message with one reply frame per request frame, in order
(``docs/api.md``). The functions here use the client's encoder (``_recommend_frame``) and its
socket exchange (``_exchange``), so a batch shares the client's socket, lock and stale-reply
handling with single calls.
"""
from __future__ import annotations

import sys
import time
import uuid
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from .errors import (ClientTimeoutError, EfficientRecError, InvalidArgumentError, OverloadedError,
                     UnexpectedReplyError, error_for_code, overload_backoff)
from .histories import (ITEM_COLUMNS, RATING_COLUMNS, TIME_COLUMNS, USER_COLUMNS, History, HistoryLike,
                        add_interaction, as_list, find_column, finish_histories)
from .results import Recommendations

if TYPE_CHECKING:  # pragma: no cover
    from .client import Client

#: The most requests one batch message may hold (``WireLimits.maxBatchRequests``): a larger batch
#: is refused whole by the coordinator.
MAX_BATCH_REQUESTS = 10_000
#: Requests per batch message by default, as ``efficientrec query --batch``.
DEFAULT_BATCH_SIZE = 64

#: What a batch gives for one request: its recommendations, or the error it failed with.
Result = Union[Recommendations, EfficientRecError]


def check_batch_size(size: int) -> None:
    """Raises ValueError unless ``size`` is a valid number of requests per batch message."""
    if not isinstance(size, int) or not 1 <= size <= MAX_BATCH_REQUESTS:
        raise ValueError("batch_size must be between 1 and %d" % MAX_BATCH_REQUESTS)


def recommend_batch(client: "Client", histories: Any, k: int, exclude: Optional[Iterable[str]],
                    allow: Optional[Iterable[str]], where: Optional[Union[str, Iterable[str]]], explain: bool,
                    batch_size: Optional[int], timeout: Optional[float], on_error: str,
                    attributes: Optional[Mapping[Any, Mapping[str, str]]], user_column: Optional[str],
                    item_column: Optional[str], rating_column: Optional[str], timestamp_column: Optional[str]) -> Any:
    """:meth:`Client.recommend_batch <efficientrec.client.Client.recommend_batch>` for ``client``
    (the arguments and the result are documented there)."""
    if on_error not in ("raise", "return"):
        raise ValueError("on_error must be 'raise' or 'return'")
    size = client.batch_size if batch_size is None else batch_size
    check_batch_size(size)
    frame_options = dict(k=k, exclude=as_list(exclude), allow=as_list(allow), where=as_list(where), explain=explain)
    pandas = sys.modules.get("pandas")
    if pandas is not None and isinstance(histories, pandas.DataFrame):
        users, prepared = _dataframe_histories(histories, user_column, item_column, rating_column, timestamp_column)
        results = _results_in_order(client, prepared, users, attributes, frame_options, size, timeout)
        return _results_frame(pandas, users, results, explain, on_error)
    if isinstance(histories, Mapping):
        users = list(histories.keys())
        results = _results_in_order(client, [histories[u] for u in users], users, attributes, frame_options, size, timeout)
        _raise_first_error(results, on_error)
        return dict(zip(users, results))
    if isinstance(histories, (str, bytes)):
        raise TypeError("histories must be an iterable of histories, a mapping user -> history or a DataFrame")
    listed = list(histories)
    results = _results_in_order(client, listed, None, None, frame_options, size, timeout)
    _raise_first_error(results, on_error)
    return results


def _results_in_order(client: "Client", histories: Sequence[HistoryLike], users: Optional[Sequence[Any]],
                      attributes: Optional[Mapping[Any, Mapping[str, str]]], options: Dict[str, Any], batch_size: int,
                      timeout: Optional[float]) -> List[Result]:
    """A result per history, in order: encodes every request (an encoding error stays in its
    place, not sent) and sends the rest with :func:`_send_in_batches`. ``users`` (parallel to
    ``histories``) picks each request's entry of ``attributes``."""
    results: List[Optional[Result]] = [None] * len(histories)
    pending: List[Tuple[int, str, bytes]] = []
    for index, history in enumerate(histories):
        rid = uuid.uuid4().hex
        user_attributes = attributes.get(users[index]) if attributes and users is not None else None
        try:
            frame = client._recommend_frame(rid, history, options["k"], options["exclude"], options["allow"],
                                            options["where"], options["explain"], user_attributes)
        except InvalidArgumentError as error:
            results[index] = error
            continue
        pending.append((index, rid, frame))
    answered = _send_in_batches(client, [(rid, frame) for _, rid, frame in pending], options["explain"], batch_size, timeout)
    for (index, _, _), result in zip(pending, answered):
        results[index] = result
    return results  # type: ignore[return-value]


def _send_in_batches(client: "Client", requests: List[Tuple[str, bytes]], explain: bool, batch_size: int,
                     timeout: Optional[float]) -> List[Result]:
    """[(request ID, frame)] -> a result per request, in order, ``batch_size`` requests per
    message, one message in flight.

    Overload refusals: the refused requests go ahead of the rest after a backoff (5 ms
    doubling up to 0.5 s while whole messages are refused, with jitter) and the message size
    halves (it grows back by doubling after a message with none refused). A refusal counts
    against the client's ``retries`` only when nothing of its message was admitted (a partly
    admitted message was merely too large). It stops when no request has been answered for
    ``timeout`` (default: the client's); requests still refused then keep their OverloadedError."""
    seconds = client.timeout if timeout is None else float(timeout)
    results: List[Optional[Result]] = [None] * len(requests)
    refusals = [0] * len(requests)
    queue = list(range(len(requests)))
    size = batch_size
    stalled = 0
    last_progress = time.monotonic()
    while queue:
        chosen, queue = queue[:size], queue[size:]
        ids = [requests[i][0] for i in chosen]
        try:
            replies = client._exchange([requests[i][1] for i in chosen], ids, client._deadline(seconds))
        except ClientTimeoutError:
            for i in chosen + queue:
                results[i] = ClientTimeoutError(requests[i][0], "no reply from %s within %g s"
                                                % (",".join(client.endpoints), seconds))
            queue = []
            break
        refused = []
        for i, rid, reply in zip(chosen, ids, replies):
            body = reply.WhichOneof("body")
            if body == "recommend":
                results[i] = Recommendations.from_proto(reply.recommend, explain)
            elif body == "error":
                error = error_for_code(reply.error.code, reply.error.request_id or rid, reply.error.message)
                results[i] = error
                if isinstance(error, OverloadedError):
                    refused.append(i)
            else:
                results[i] = UnexpectedReplyError(rid, "expected a recommend reply, got %s" % (body or "an empty message"))
        if not refused:
            last_progress = time.monotonic()
            stalled = 0
            size = min(batch_size, size * 2)
            continue
        if len(refused) < len(chosen):
            last_progress = time.monotonic()
            stalled = 0
        else:
            stalled += 1
            for i in refused:
                refusals[i] += 1
            if client.retries is not None:
                refused = [i for i in refused if refusals[i] <= client.retries]
        if time.monotonic() - last_progress >= seconds:
            break  # the refused requests keep their overloaded errors
        size = max(1, size // 2)
        time.sleep(overload_backoff(stalled + 1))
        queue = refused + queue
    for i in queue:  # never sent: the coordinator refused everything for `timeout`
        results[i] = OverloadedError(requests[i][0], "not sent: the coordinator refused requests as overloaded "
                                                     "with none answered for %g s" % seconds)
    return results  # type: ignore[return-value]


def _raise_first_error(results: Sequence[Result], on_error: str) -> None:
    """With ``on_error="raise"``, raises the first error among ``results`` (in input order)."""
    if on_error == "raise":
        for result in results:
            if isinstance(result, EfficientRecError):
                raise result


def _dataframe_histories(frame: Any, user_column: Optional[str], item_column: Optional[str],
                         rating_column: Optional[str], timestamp_column: Optional[str]) -> Tuple[List[Any], List[History]]:
    """The users of a DataFrame of interactions, in the order they first appear, and their
    histories. A column not named by the caller is found by its usual names (``user_id`` etc.);
    without a rating column every rating is 1, as ``efficientrec`` reads an interaction file."""
    columns = [str(c) for c in frame.columns]

    def pick(given: Optional[str], names: Sequence[str], what: str, required: bool) -> Optional[str]:
        if given is not None:
            if given not in frame.columns:
                raise ValueError("the DataFrame has no column %r" % given)
            return given
        index = find_column(columns, names, what, required)
        return None if index is None else frame.columns[index]

    user = pick(user_column, USER_COLUMNS, "user", True)
    item = pick(item_column, ITEM_COLUMNS, "item", True)
    rating = pick(rating_column, RATING_COLUMNS, "rating", False)
    stamp = pick(timestamp_column, TIME_COLUMNS, "timestamp", False)
    users_values = frame[user].tolist()
    items_values = [str(i) for i in frame[item].tolist()]
    ratings_values = [float(r) for r in frame[rating].tolist()] if rating is not None else [1.0] * len(frame)
    times_values = [float(t) for t in frame[stamp].tolist()] if stamp is not None else [0.0] * len(frame)
    grouped: Dict[Any, Any] = {}
    for u, i, r, t in zip(users_values, items_values, ratings_values, times_values):
        add_interaction(grouped, u, i, r, t)
    histories = finish_histories(grouped, with_times=stamp is not None)
    users = list(histories.keys())
    return users, [histories[u] for u in users]


def _results_frame(pandas: Any, users: Sequence[Any], results: Sequence[Result], explain: bool, on_error: str) -> Any:
    """The DataFrame ``recommend_batch`` returns for DataFrame input: a row per recommended item
    (``user``, ``item``, ``rank``, ``score`` and, with ``explain``, ``explanation``); failed users
    are left out and listed in ``attrs["errors"]`` (or the first error is raised)."""
    _raise_first_error(results, on_error)
    rows: Dict[str, List[Any]] = {"user": [], "item": [], "rank": [], "score": []}
    if explain:
        rows["explanation"] = []
    errors: Dict[Any, EfficientRecError] = {}
    for user, result in zip(users, results):
        if isinstance(result, EfficientRecError):
            errors[user] = result
            continue
        for r in result.items:
            rows["user"].append(user)
            rows["item"].append(r.item)
            rows["rank"].append(r.rank)
            rows["score"].append(r.score)
            if explain:
                rows["explanation"].append(r.explanation)
    out = pandas.DataFrame(rows)
    out["rank"] = out["rank"].astype("int64")
    out["score"] = out["score"].astype("float64")
    out.attrs["errors"] = errors
    return out
