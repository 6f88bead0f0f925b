#!/usr/bin/env python3
"""A minimal EfficientRec client in Python: pyzmq + protobuf + code that protoc generates from
protocols/efficientrec/v1/*.proto. Nothing else of the project is used.

    python3 deploy/python-client/efficientrec_client.py --coordinator tcp://127.0.0.1:5600 \
        --history "50:5,172:5,181:4" -k 10

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
import argparse
import os
import subprocess
import sys
import tempfile
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
PROTOCOLS = os.path.join(HERE, "..", "..", "protocols")


def load_generated():
    """Generates the Python protobuf modules with protoc (once per process) and imports them."""
    out = tempfile.mkdtemp(prefix="efficientrec-pb-")
    protos = [os.path.join("efficientrec", "v1", f) for f in sorted(os.listdir(os.path.join(PROTOCOLS, "efficientrec", "v1")))
              if f.endswith(".proto")]
    subprocess.run(["protoc", "-I", PROTOCOLS, "--python_out", out] + protos, check=True)
    sys.path.insert(0, out)
    from efficientrec.v1 import client_pb2  # noqa: E402
    return client_pb2


def parse_history(text):
    items, ratings = [], []
    for part in text.split(","):
        if not part.strip():
            continue
        pieces = part.split(":")
        items.append(pieces[0].strip())
        ratings.append(float(pieces[1]) if len(pieces) > 1 else 5.0)
    return items, ratings


def read_key_file(path, name):
    """The value of `name = "..."` in a key file written by `efficientrec keys generate`."""
    with open(path) as f:
        for line in f:
            parts = line.strip().split("=", 1)
            if len(parts) == 2 and parts[0].strip() == name:
                return parts[1].strip().strip('"')
    raise ValueError("%s holds no %s" % (path, name))


def read_ids(path):
    """Item IDs, one per line (blank lines ignored); none without a path."""
    if path is None:
        return []
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip()]


def connect(coordinator, curve=None):
    """A DEALER connected to the coordinator (never REQ: a timed-out client must be able to go on);
    `curve` is (this client's secret key file, the coordinator's public key file)."""
    import zmq
    context = zmq.Context()
    socket = context.socket(zmq.DEALER)
    socket.setsockopt(zmq.LINGER, 100)
    if curve:
        socket.curve_secretkey = read_key_file(curve[0], "secret-key").encode()
        socket.curve_publickey = read_key_file(curve[0], "public-key").encode()
        socket.curve_serverkey = read_key_file(curve[1], "public-key").encode()
    socket.connect(coordinator)
    return context, socket


def explanation_columns(explanation):
    """The two columns `query --explain` prints: clusters with their shares, and 'because' items."""
    clusters = "|".join("c%d:%s" % (c, shortest_float32(s)) for c, s in zip(explanation.cluster_ids, explanation.cluster_shares))
    because = "|".join("%s:%s" % (i, shortest_float32(s)) for i, s in zip(explanation.because_item_ids, explanation.similarities))
    return "\t%s\t%s" % (clusters, because)


def request_message(client_pb2, items, ratings, k, exclude=(), allow=(), conditions=(), explain=False, timestamps=()):
    """A ClientMessage carrying one RecommendRequest with a fresh request ID."""
    message = client_pb2.ClientMessage(protocol_version=1)
    message.recommend.request_id = uuid.uuid4().hex
    message.recommend.item_ids.extend(items)
    message.recommend.ratings.extend(ratings)
    message.recommend.timestamps.extend(timestamps)
    message.recommend.k = k
    message.recommend.exclude_item_ids.extend(exclude)
    message.recommend.allow_item_ids.extend(allow)
    message.recommend.item_conditions.extend(conditions)
    message.recommend.explain = explain
    return message


def recommend(coordinator, items, ratings, k, timeout_ms=10000, curve=None, exclude=(), allow=(), conditions=(), explain=False):
    client_pb2 = load_generated()
    message = request_message(client_pb2, items, ratings, k, exclude, allow, conditions, explain)
    request_id = message.recommend.request_id
    context, socket = connect(coordinator, curve)
    try:
        socket.send(message.SerializeToString())
        if not socket.poll(timeout_ms):
            raise TimeoutError("no reply from %s within %d ms" % (coordinator, timeout_ms))
        reply = client_pb2.ServerMessage()
        reply.ParseFromString(socket.recv_multipart()[-1])
    finally:
        socket.close()
        context.term()
    body = reply.WhichOneof("body")
    if body == "error":
        raise RuntimeError("error %d: %s" % (reply.error.code, reply.error.message))
    if body != "recommend" or reply.recommend.request_id != request_id:
        raise RuntimeError("unexpected reply: %s" % body)
    return reply.recommend


def read_histories(path):
    """user -> (items, ratings, timestamps) from a TSV whose header names user and item columns
    (and optionally rating and timestamp), in the order users first appear — read as `efficientrec`
    reads an interaction file: the same column names, a missing rating means 1 (implicit feedback),
    a missing timestamp means the line number (file order), and an item repeated for a user keeps
    its first place with the last rating and time. The timestamps travel with the request, so a
    history longer than the model's window keeps the same (most recent) interactions."""
    histories = {}
    with open(path, encoding="utf-8") as f:
        header = [h.split(":")[0].strip().lower() for h in f.readline().rstrip("\r\n").split("\t")]
        def column(*names, required=True):
            for name in names:
                if name in header:
                    return header.index(name)
            if required:
                raise ValueError("%s: the header names no %s column (tab-separated, e.g. user, item, rating)" % (path, names[0]))
            return None
        user = column("user", "user_id", "userid")
        item = column("item", "item_id", "itemid", "movie_id", "isbn")
        rating = column("rating", "score", "value", "book_rating", required=False)
        time = column("timestamp", "time", "ts", required=False)
        for line_number, line in enumerate(f, start=2):
            fields = line.rstrip("\r\n").split("\t")
            if len(fields) < len(header):
                continue
            items, ratings, times, place = histories.setdefault(fields[user], ([], [], [], {}))
            value = float(fields[rating]) if rating is not None else 1.0
            when = float(fields[time]) if time is not None else float(line_number)
            if fields[item] in place:
                ratings[place[fields[item]]] = value
                times[place[fields[item]]] = when
            else:
                place[fields[item]] = len(items)
                items.append(fields[item])
                ratings.append(value)
                times.append(when)
    return {u: (items, ratings, times) for u, (items, ratings, times, _) in histories.items()}


def recommend_batch(coordinator, requests, k, batch=64, timeout_ms=30000, curve=None, exclude=(), allow=(), conditions=(),
                    explain=False):
    """[(items, ratings[, timestamps])] -> [RecommendResponse or (error code, message)], in order: `batch`
    requests per ZeroMQ message, each message answered by one message of replies in order.

    A bulk job must finish completely, so requests the coordinator refuses as overloaded are sent
    again: after a refusal the message size halves (it grows back by doubling after a message with
    none) and the refused requests wait an exponential backoff with jitter (5 ms doubling up to
    0.5 s), then go ahead of the rest. It gives up when no request has been answered for
    `timeout_ms`; a request still refused then keeps its overloaded error."""
    import random
    import time
    client_pb2 = load_generated()
    from efficientrec.v1 import common_pb2  # noqa: E402 (generated by load_generated)
    context, socket = connect(coordinator, curve)
    results = [None] * len(requests)
    refusals = [0] * len(requests)
    queue = list(range(len(requests)))
    size = max(1, batch)
    last_progress = time.monotonic()
    try:
        while queue:
            chosen, queue = queue[:size], queue[size:]
            frames, ids = [], []
            for index in chosen:
                items, ratings = requests[index][:2]
                timestamps = requests[index][2] if len(requests[index]) > 2 else ()
                message = request_message(client_pb2, items, ratings, k, exclude, allow, conditions, explain, timestamps)
                frames.append(message.SerializeToString())
                ids.append(message.recommend.request_id)
            socket.send_multipart(frames)
            if not socket.poll(timeout_ms):
                raise TimeoutError("no reply from %s within %d ms" % (coordinator, timeout_ms))
            replies = socket.recv_multipart()
            if len(replies) != len(frames):
                raise RuntimeError("%d replies to a batch of %d" % (len(replies), len(frames)))
            refused = []
            for index, request_id, payload in zip(chosen, ids, replies):
                reply = client_pb2.ServerMessage()
                reply.ParseFromString(payload)
                body = reply.WhichOneof("body")
                if body == "recommend" and reply.recommend.request_id == request_id:
                    results[index] = reply.recommend
                elif body == "error" and reply.error.request_id == request_id:
                    results[index] = (reply.error.code, reply.error.message)
                    if reply.error.code == common_pb2.ERROR_CODE_OVERLOADED:
                        refused.append(index)
                else:
                    raise RuntimeError("reply out of order: %s" % body)
            if len(refused) < len(chosen):
                last_progress = time.monotonic()
            if not refused:
                size = min(max(1, batch), size * 2)
                continue
            if (time.monotonic() - last_progress) * 1000 >= timeout_ms:
                break  # the refused requests keep their overloaded errors
            size = max(1, size // 2)
            for index in refused:
                refusals[index] += 1
            worst = max(refusals[index] for index in refused)
            time.sleep(min(0.5, 0.005 * 2 ** (worst - 1)) * random.uniform(0.5, 1.0))
            queue = refused + queue
    finally:
        socket.close()
        context.term()
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--coordinator", required=True)
    parser.add_argument("--history", help="item:rating,item:rating,...")
    parser.add_argument("--histories", help="a TSV of histories (header: user, item, rating)")
    parser.add_argument("--batch", type=int, default=64, help="requests per message with --histories")
    parser.add_argument("-k", type=int, default=50)
    parser.add_argument("--user", default="query", help="label for the user column")
    parser.add_argument("--curve-secret", help="CURVE: this client's .key file")
    parser.add_argument("--curve-server-key", help="CURVE: the coordinator's .pub file")
    parser.add_argument("--exclude-items", help="never recommend the item IDs in this file (one per line)")
    parser.add_argument("--allow-items", help="recommend only among the item IDs in this file (one per line)")
    parser.add_argument("--where", action="append", default=[], help="an item condition, e.g. 'year >= 1990' (repeatable)")
    parser.add_argument("--explain", action="store_true", help="two more columns: clusters' shares, history items most like it")
    args = parser.parse_args()
    if (args.curve_secret is None) != (args.curve_server_key is None):
        parser.error("--curve-secret and --curve-server-key go together")
    if (args.history is None) == (args.histories is None):
        parser.error("give exactly one of --history and --histories")
    curve = (args.curve_secret, args.curve_server_key) if args.curve_secret else None
    if args.histories:
        try:
            histories = read_histories(args.histories)
        except (OSError, ValueError) as error:
            parser.error(str(error))
        users = list(histories)
        results = recommend_batch(args.coordinator, [histories[u] for u in users], args.k, batch=args.batch, curve=curve,
                                  exclude=read_ids(args.exclude_items), allow=read_ids(args.allow_items), conditions=args.where,
                                  explain=args.explain)
        print("user\titem\trank\tscore" + ("\tclusters\tbecause" if args.explain else ""))
        failed = 0
        for user, result in zip(users, results):
            if isinstance(result, tuple):
                failed += 1
                print("%s: error %d: %s" % (user, result[0], result[1]), file=sys.stderr)
                continue
            for rank, (item, score) in enumerate(zip(result.item_ids, result.scores), start=1):
                extra = explanation_columns(result.explanations[rank - 1]) if args.explain else ""
                print("%s\t%s\t%d\t%s%s" % (user, item, rank, shortest_float32(score), extra))
        sys.exit(1 if failed else 0)
    items, ratings = parse_history(args.history)
    response = recommend(args.coordinator, items, ratings, args.k, curve=curve, exclude=read_ids(args.exclude_items),
                         allow=read_ids(args.allow_items), conditions=args.where, explain=args.explain)
    print("user\titem\trank\tscore" + ("\tclusters\tbecause" if args.explain else ""))
    for rank, (item, score) in enumerate(zip(response.item_ids, response.scores), start=1):
        # repr of a float32 widened to a double differs from Swift's shortest float32 text, so print
        # the shortest text that round-trips the float32 value.
        extra = explanation_columns(response.explanations[rank - 1]) if args.explain else ""
        print("%s\t%s\t%d\t%s%s" % (args.user, item, rank, shortest_float32(score), extra))
    print("model %s, coverage %s, clusters %s, filtered candidates %d" % (
        response.model_version, response.coverage, " ".join(str(c) for c in response.cluster_ids),
        response.filtered_candidates), file=sys.stderr)


def shortest_float32(value):
    import struct
    target = struct.pack("<f", value)
    for digits in range(1, 18):
        text = "%.*g" % (digits, value)
        if struct.pack("<f", float(text)) == target:
            if "e" not in text and "." not in text:
                text += ".0"
            return text
    return repr(value)


if __name__ == "__main__":
    main()
