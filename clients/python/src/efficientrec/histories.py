"""Histories: what a user interacted with, in the shapes the client accepts, and the readers of
the files the command line takes (histories TSV, item-ID lists, CURVE key files)."""
from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

__all__ = [
    "DEFAULT_RATING",
    "History",
    "HistoryLike",
    "normalize_history",
    "parse_history",
    "read_histories",
    "read_ids",
    "read_key_file",
]

#: The rating given to an item named without one (a plain list of item IDs), as
#: ``efficientrec query --history "50,172"`` does.
DEFAULT_RATING = 5.0

#: What ``Client.recommend`` accepts as a history: a :class:`History`; a sequence of item IDs;
#: a sequence of ``(item, rating)`` pairs or ``(item, rating, timestamp)`` triples; or a mapping
#: item -> rating.
HistoryLike = Union["History", Sequence[str], Sequence[Tuple[Any, ...]], Mapping[str, float]]


@dataclass(frozen=True)
class History:
    """One user's history as the wire carries it: parallel item IDs, ratings and (optionally)
    timestamps (seconds, any epoch; the model's "recent" window rule keeps the latest)."""

    items: Tuple[str, ...]
    ratings: Tuple[float, ...]
    timestamps: Tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if len(self.items) != len(self.ratings):
            raise ValueError("a history needs one rating per item (%d items, %d ratings)" % (len(self.items), len(self.ratings)))
        if self.timestamps and len(self.timestamps) != len(self.items):
            raise ValueError("a history's timestamps must be empty or one per item")


def _rating(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, str)):
        raise TypeError("a rating must be a number, not %r" % (value,))
    return float(value)


def normalize_history(history: HistoryLike) -> History:
    """Turns any accepted history shape into a :class:`History`.

    - a :class:`History` is returned as it is;
    - a mapping item -> rating keeps the mapping's order;
    - a sequence of strings gives each item :data:`DEFAULT_RATING`;
    - a sequence of ``(item, rating)`` pairs or ``(item, rating, timestamp)`` triples (all
      entries of one length).

    The values are passed on as given (the coordinator validates them: a NaN rating, say, is its
    ``InvalidArgumentError``); what cannot be encoded at all raises TypeError or ValueError.
    """
    if isinstance(history, History):
        return history
    if isinstance(history, (str, bytes)):
        raise TypeError("a history is a list of item IDs, of (item, rating) pairs or a dict item -> rating, not a string")
    if isinstance(history, Mapping):
        return History(tuple(str(i) for i in history.keys()), tuple(_rating(r) for r in history.values()))
    entries: List[Any] = list(history)
    if all(isinstance(e, str) for e in entries):
        return History(tuple(entries), (DEFAULT_RATING,) * len(entries))
    items: List[str] = []
    ratings: List[float] = []
    times: List[float] = []
    width: Optional[int] = None
    for entry in entries:
        if isinstance(entry, (str, bytes)) or not isinstance(entry, (tuple, list)) or len(entry) not in (2, 3):
            raise TypeError("history entries must all be item IDs, or all (item, rating[, timestamp]) tuples; got %r" % (entry,))
        if width is None:
            width = len(entry)
        elif len(entry) != width:
            raise TypeError("history entries mix pairs and triples")
        items.append(str(entry[0]))
        ratings.append(_rating(entry[1]))
        if width == 3:
            times.append(float(entry[2]))
    return History(tuple(items), tuple(ratings), tuple(times))


def parse_history(text: str) -> History:
    """Parses ``item:rating,item:rating,...`` (a missing rating means :data:`DEFAULT_RATING`), as
    ``efficientrec query --history`` does."""
    items, ratings = [], []
    for part in text.split(","):
        if not part.strip():
            continue
        pieces = part.split(":")
        items.append(pieces[0].strip())
        ratings.append(float(pieces[1]) if len(pieces) > 1 else DEFAULT_RATING)
    return History(tuple(items), tuple(ratings))


USER_COLUMNS = ("user", "user_id", "userid")
ITEM_COLUMNS = ("item", "item_id", "itemid", "movie_id", "isbn")
RATING_COLUMNS = ("rating", "score", "value", "book_rating")
TIME_COLUMNS = ("timestamp", "time", "ts")


def find_column(header: Sequence[str], names: Sequence[str], what: str, required: bool = True) -> Optional[int]:
    """The index of the first of ``names`` in ``header`` (names compared in lower case, RecBole's
    ``:type`` suffix ignored)."""
    plain = [str(h).split(":")[0].strip().lower() for h in header]
    for name in names:
        if name in plain:
            return plain.index(name)
    if required:
        raise ValueError("the header names no %s column (one of %s)" % (what, ", ".join(names)))
    return None


def read_histories(path: str) -> Dict[str, History]:
    """user -> :class:`History` from a TSV whose header names user and item columns (and
    optionally rating and timestamp), in the order users first appear — read as ``efficientrec``
    reads an interaction file: the same column names, a missing rating means 1 (implicit
    feedback), a missing timestamp means the line number (file order), and an item repeated for a
    user keeps its first place with the last rating and time. The timestamps travel with the
    request, so a history longer than the model's window keeps the same (most recent)
    interactions."""
    histories: Dict[str, Tuple[List[str], List[float], List[float], Dict[str, int]]] = {}
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\r\n").split("\t")
        try:
            user = find_column(header, USER_COLUMNS, "user")
            item = find_column(header, ITEM_COLUMNS, "item")
        except ValueError as error:
            raise ValueError("%s: %s (tab-separated, e.g. user, item, rating)" % (path, error)) from None
        rating = find_column(header, RATING_COLUMNS, "rating", required=False)
        time = find_column(header, TIME_COLUMNS, "timestamp", required=False)
        for line_number, line in enumerate(f, start=2):
            fields = line.rstrip("\r\n").split("\t")
            if len(fields) < len(header):
                continue
            value = float(fields[rating]) if rating is not None else 1.0
            when = float(fields[time]) if time is not None else float(line_number)
            add_interaction(histories, fields[user], fields[item], value, when)  # type: ignore[index]
    return finish_histories(histories)


def add_interaction(histories: Dict[Any, Tuple[List[str], List[float], List[float], Dict[str, int]]], user: Any, item: str,
                    rating: float, time: float) -> None:
    """Adds one interaction; a repeated item keeps its first place with the last rating and time."""
    items, ratings, times, place = histories.setdefault(user, ([], [], [], {}))
    if item in place:
        ratings[place[item]] = rating
        times[place[item]] = time
    else:
        place[item] = len(items)
        items.append(item)
        ratings.append(rating)
        times.append(time)


def finish_histories(histories: Dict[Any, Tuple[List[str], List[float], List[float], Dict[str, int]]],
                     with_times: bool = True) -> Dict[Any, History]:
    return {u: History(tuple(i), tuple(r), tuple(t) if with_times else ()) for u, (i, r, t, _) in histories.items()}


def read_ids(path: Optional[str]) -> List[str]:
    """Item IDs, one per line (blank lines ignored); none without a path."""
    if path is None:
        return []
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip()]


def read_key_file(path: str, name: str) -> str:
    """The value of ``name = "..."`` in a key file written by ``efficientrec keys generate``
    (``public-key`` in a ``.pub`` file; ``public-key`` and ``secret-key`` in a ``.key`` file)."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.strip().split("=", 1)
            if len(parts) == 2 and parts[0].strip() == name:
                return parts[1].strip().strip('"')
    raise ValueError("%s holds no %s" % (path, name))


def as_list(values: Optional[Iterable[Any]]) -> List[str]:
    """Item IDs or conditions given as None, one string, or an iterable of strings."""
    if values is None:
        return []
    if isinstance(values, str):
        return [values]
    return [str(v) for v in values]
