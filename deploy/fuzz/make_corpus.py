#!/usr/bin/env python3
"""Writes a seed corpus for the libFuzzer targets: valid (and a few edge-case) frames of every
envelope, built with code protoc generates from protocols/efficientrec/v1/*.proto.

    python3 deploy/fuzz/make_corpus.py OUT_DIR     # writes OUT_DIR/<Target>/<name>.bin
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PROTOCOLS = os.path.join(HERE, "..", "..", "protocols")


def generated():
    out = tempfile.mkdtemp(prefix="efficientrec-pb-")
    folder = os.path.join(PROTOCOLS, "efficientrec", "v1")
    protos = [os.path.join("efficientrec", "v1", f) for f in sorted(os.listdir(folder)) if f.endswith(".proto")]
    subprocess.run(["protoc", "-I", PROTOCOLS, "--python_out", out] + protos, check=True)
    sys.path.insert(0, out)
    from efficientrec.v1 import client_pb2, shard_pb2  # noqa: E402
    return client_pb2, shard_pb2


def main():
    target_dir = sys.argv[1]
    client_pb2, shard_pb2 = generated()
    seeds = {"FuzzClientMessage": {}, "FuzzServerMessage": {}, "FuzzCoordinatorMessage": {}, "FuzzWorkerMessage": {}}

    m = client_pb2.ClientMessage(protocol_version=1)
    m.recommend.request_id = "r1"
    m.recommend.item_ids.extend(["50", "172", "181", "i9"])
    m.recommend.ratings.extend([5, 5, 4, 2.5])
    m.recommend.timestamps.extend([1.0, 2.0, 3.0, 4.0])
    m.recommend.attribute_names.extend(["age", "gender"])
    m.recommend.attribute_values.extend(["25", "F"])
    m.recommend.k = 10
    m.recommend.deadline_unix_micros = 1_700_000_000_000_000
    seeds["FuzzClientMessage"]["recommend"] = m
    s = client_pb2.ClientMessage(protocol_version=1)
    s.status.request_id = "s"
    seeds["FuzzClientMessage"]["status"] = s
    e = client_pb2.ClientMessage(protocol_version=2)
    e.status.request_id = "v2"
    seeds["FuzzClientMessage"]["wrong-version"] = e

    r = client_pb2.ServerMessage(protocol_version=1)
    r.recommend.request_id = "r1"
    r.recommend.item_ids.extend(["1", "2", "3"])
    r.recommend.scores.extend([0.9, 0.5, 0.1])
    r.recommend.cluster_ids.extend([4, 7])
    r.recommend.cluster_weights.extend([0.99, 0.98])
    r.recommend.model_version = "abc"
    r.recommend.coverage = 0.5
    r.recommend.degraded_reasons.append("shard 1 did not answer by the deadline")
    seeds["FuzzServerMessage"]["recommend"] = r
    err = client_pb2.ServerMessage(protocol_version=1)
    err.error.request_id = "x"
    err.error.code = 2
    err.error.message = "k must be between 1 and 1000"
    seeds["FuzzServerMessage"]["error"] = err
    st = client_pb2.ServerMessage(protocol_version=1)
    st.status.request_id = "s"
    st.status.requests = 10
    shard = st.status.shards.add()
    shard.shard = 1
    shard.replicas = 2
    shard.replicas_alive = 1
    seeds["FuzzServerMessage"]["status"] = st

    q = shard_pb2.CoordinatorMessage(protocol_version=1)
    q.query.request_id = "7"
    q.query.deadline_unix_micros = 1_700_000_000_000_000
    q.query.model_version = "abc"
    q.query.cluster_ids.extend([3, 9, 27])
    q.query.cluster_weights.extend([1.0, 0.5, 0.25])
    q.query.exclude_items.extend([0, 5, 1000])
    q.query.ranking_items.extend([0, 5])
    q.query.vote_bound = 2.5
    q.query.item_item_bound = 0.75
    q.query.k = 10
    q.query.shard_count = 3
    seeds["FuzzCoordinatorMessage"]["query"] = q
    h = shard_pb2.CoordinatorMessage(protocol_version=1)
    h.heartbeat.shard = 2
    h.heartbeat.model_version = "abc"
    seeds["FuzzCoordinatorMessage"]["heartbeat"] = h

    w = shard_pb2.WorkerMessage(protocol_version=1)
    w.reply.request_id = "7"
    w.reply.shard = 1
    w.reply.items.extend([1, 2, 3])
    w.reply.scores.extend([0.9, 0.5, -0.25])
    w.reply.shard_count = 3
    seeds["FuzzWorkerMessage"]["reply"] = w
    d = shard_pb2.WorkerMessage(protocol_version=1)
    d.heartbeat.shard = 0
    d.heartbeat.draining = True
    seeds["FuzzWorkerMessage"]["draining-heartbeat"] = d
    we = shard_pb2.WorkerMessage(protocol_version=1)
    we.error.request_id = "7"
    we.error.code = 5
    we.error.message = "deadline"
    seeds["FuzzWorkerMessage"]["error"] = we

    for target, messages in seeds.items():
        folder = os.path.join(target_dir, target)
        os.makedirs(folder, exist_ok=True)
        for name, message in messages.items():
            with open(os.path.join(folder, name + ".bin"), "wb") as f:
                f.write(message.SerializeToString())
        with open(os.path.join(folder, "empty.bin"), "wb") as f:
            pass
    print("seed corpus in %s: %s" % (target_dir, ", ".join("%s %d" % (t, len(m) + 1) for t, m in seeds.items())))


if __name__ == "__main__":
    main()
