"""``efficientrec-client``: ask an EfficientRec coordinator for recommendations.

    efficientrec-client --coordinator tcp://127.0.0.1:5600 --history "50:5,172:5,181:4" -k 10

Prints the same TSV as `efficientrec query --history` (user, item, rank, score). With --histories FILE
(TSV with a header naming user, item and rating columns) it asks for every user of the file in
batches of --batch requests per message (answered by one message, in order), as `query --histories`;
requests the coordinator refuses as overloaded are sent again after a backoff, so the whole file is
answered. Filters as in `query`:
--exclude-items FILE, --allow-items FILE (one item ID per line), --where "genre in Comedy|Drama"
(repeatable: every condition must hold). Against a CURVE-secured
coordinator add --curve-secret client.key --curve-server-key coordinator.pub (files from
`efficientrec keys generate`).
"""
from __future__ import annotations

import argparse
import struct
import sys
from typing import List, Optional

from .client import Client, CurveKeys
from .errors import EfficientRecError
from .histories import parse_history, read_histories, read_ids
from .results import Explanation

__all__ = ["main", "shortest_float32", "explanation_columns"]


def shortest_float32(value: float) -> str:
    """The shortest text that reads back as the same 32-bit float, as Swift prints a Float (repr
    of a float32 widened to a double would print more digits)."""
    target = struct.pack("<f", value)
    for digits in range(1, 18):
        text = "%.*g" % (digits, value)
        if struct.pack("<f", float(text)) == target:
            if "e" not in text and "." not in text:
                text += ".0"
            return text
    return repr(value)


def explanation_columns(explanation: Optional[Explanation]) -> str:
    """The two columns `query --explain` prints: clusters with their shares, and 'because' items."""
    explanation = explanation or Explanation()
    clusters = "|".join("c%d:%s" % (c.cluster_id, shortest_float32(c.share)) for c in explanation.clusters)
    because = "|".join("%s:%s" % (s.item, shortest_float32(s.similarity)) for s in explanation.because)
    return "\t%s\t%s" % (clusters, because)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="efficientrec-client", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--coordinator", required=True, help="tcp://host:port (several, comma-separated, share the requests)")
    p.add_argument("--history", help="item:rating,item:rating,...")
    p.add_argument("--histories", help="a TSV of histories (header: user, item, rating)")
    p.add_argument("--batch", type=int, default=64, help="requests per message with --histories")
    p.add_argument("-k", type=int, default=50)
    p.add_argument("--user", default="query", help="label for the user column")
    p.add_argument("--curve-secret", help="CURVE: this client's .key file")
    p.add_argument("--curve-server-key", help="CURVE: the coordinator's .pub file")
    p.add_argument("--exclude-items", help="never recommend the item IDs in this file (one per line)")
    p.add_argument("--allow-items", help="recommend only among the item IDs in this file (one per line)")
    p.add_argument("--where", action="append", default=[], help="an item condition, e.g. 'year >= 1990' (repeatable)")
    p.add_argument("--explain", action="store_true", help="two more columns: clusters' shares, history items most like it")
    p.add_argument("--timeout", type=float, default=None,
                   help="seconds to wait for a reply (default 10 with --history; with --histories 30, and refused "
                        "requests are retried until no reply has come for that long)")
    return p


def main(argv: Optional[List[str]] = None) -> int:
    """Runs the command line; returns the exit status (0, or 1 when a request failed)."""
    p = parser()
    args = p.parse_args(argv)
    if (args.curve_secret is None) != (args.curve_server_key is None):
        p.error("--curve-secret and --curve-server-key go together")
    if (args.history is None) == (args.histories is None):
        p.error("give exactly one of --history and --histories")
    if not 1 <= args.batch <= 10_000:
        p.error("--batch must be between 1 and 10000")
    try:
        curve = CurveKeys.from_files(args.curve_secret, args.curve_server_key) if args.curve_secret else None
        exclude, allow = read_ids(args.exclude_items), read_ids(args.allow_items)
    except (OSError, ValueError) as error:
        p.error(str(error))
    header = "user\titem\trank\tscore" + ("\tclusters\tbecause" if args.explain else "")
    if args.histories:
        try:
            histories = read_histories(args.histories)
        except (OSError, ValueError) as error:
            p.error(str(error))
        users = list(histories)
        with Client(args.coordinator, curve=curve, timeout=args.timeout or 30.0, retries=None, batch_size=args.batch) as client:
            results = client.recommend_batch([histories[u] for u in users], args.k, exclude=exclude, allow=allow,
                                             where=args.where, explain=args.explain, on_error="return")
        print(header)
        failed = 0
        for user, result in zip(users, results):
            if isinstance(result, EfficientRecError):
                failed += 1
                if result.code is not None:
                    print("%s: error %d: %s" % (user, result.code, result.message), file=sys.stderr)
                else:
                    print("%s: error: %s" % (user, result.message), file=sys.stderr)
                continue
            for r in result.items:
                extra = explanation_columns(r.explanation) if args.explain else ""
                print("%s\t%s\t%d\t%s%s" % (user, r.item, r.rank, shortest_float32(r.score), extra))
        return 1 if failed else 0
    try:
        history = parse_history(args.history)
    except ValueError as error:
        p.error("--history: %s" % error)
    try:
        with Client(args.coordinator, curve=curve, timeout=args.timeout or 10.0) as client:
            response = client.recommend(history, args.k, exclude=exclude, allow=allow, where=args.where, explain=args.explain)
    except EfficientRecError as error:
        if error.code is not None:
            print("error %d: %s" % (error.code, error), file=sys.stderr)
        else:
            print("error: %s" % error, file=sys.stderr)
        return 1
    print(header)
    for r in response.items:
        # repr of a float32 widened to a double differs from Swift's shortest float32 text, so print
        # the shortest text that round-trips the float32 value.
        extra = explanation_columns(r.explanation) if args.explain else ""
        print("%s\t%s\t%d\t%s%s" % (args.user, r.item, r.rank, shortest_float32(r.score), extra))
    print("model %s, coverage %s, clusters %s, filtered candidates %d" % (
        response.model_version, response.coverage, " ".join(str(c.cluster_id) for c in response.clusters),
        response.filtered_candidates), file=sys.stderr)
    return 0


def entry_point() -> None:
    """The console script: exits with :func:`main`'s status."""
    sys.exit(main())


if __name__ == "__main__":
    entry_point()
