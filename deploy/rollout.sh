#!/usr/bin/env bash
# Model rollout under load, on loopback: 2 shards started from a cluster config serve `bench` load
# on model A; the config is pointed at model B and the workers, then the coordinator, get SIGHUP
# (workers load B beside A; the coordinator switches once both shards hold B); later
# `efficientrec rollback` switches back to A. Exits non-zero unless 0 failed and 0 partial replies.
#   deploy/rollout.sh [MODEL_A MODEL_B HISTORIES]      environment: SECONDS_TOTAL (24), CONCURRENCY (16),
#                                                       COORDINATOR_FLAGS (e.g. "--threads 2")
set -euo pipefail
cd "$(dirname "$0")/.."
total=${SECONDS_TOTAL:-24}
concurrency=${CONCURRENCY:-16}
. deploy/lib/common.sh
er_binary
work=$(mktemp -d /tmp/efficientrec-rollout.XXXXXX)
model_a=${1:-}; model_b=${2:-}; histories=${3:-}
if [ -z "$model_a" ]; then
  er_fallback_models "$work" 1 2
  model_a=$work/model-1.efr; model_b=$work/model-2.efr; histories=$fallback_histories
fi
base=$((20000 + RANDOM % 20000))
pids=()
coordinator=0
cleanup() { for p in "${pids[@]}" "$coordinator"; do [ "$p" -gt 0 ] && kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
config() { # model
  echo "{\"model\": \"$1\", \"coordinator\": {\"bind\": \"tcp://127.0.0.1:$base\", \"adminBind\": \"tcp://127.0.0.1:$((base + 9))\"}, \"shards\": [" \
       "{\"replicas\": [\"tcp://127.0.0.1:$((base + 1))\"]}, {\"replicas\": [\"tcp://127.0.0.1:$((base + 2))\"]}]}" > "$work/cluster.json"
}
serving() { "$bin" status --coordinator "tcp://127.0.0.1:$base" | head -1 | sed -E 's/.*model ([0-9a-f]+).*/\1/'; }
config "$model_a"
for s in 0 1; do
  "$bin" worker --config "$work/cluster.json" --shard $s > "$work/worker-$s.out" 2> "$work/worker-$s.err" &
  pids[$s]=$!
done
"$bin" coordinator --config "$work/cluster.json" ${COORDINATOR_FLAGS:-} > "$work/coordinator.out" 2> "$work/coordinator.err" &
coordinator=$!
for f in worker-0 worker-1 coordinator; do er_wait_listening "$work/$f.out" || exit 1; done
version_a=$(serving)
"$bin" bench --coordinator "tcp://127.0.0.1:$base" --histories "$histories" --concurrency "$concurrency" --duration "$total" \
  > "$work/bench.out" 2>&1 &
bench=$!
t0=$(date +%s)
sleep $((total / 4))
config "$model_b"
kill -HUP "${pids[0]}" "${pids[1]}"
kill -HUP "$coordinator"
for _ in $(seq 1 100); do [ "$(serving)" != "$version_a" ] && break; sleep 0.1; done
[ "$(serving)" != "$version_a" ] || { echo "rollout: FAILED the coordinator did not switch" >&2; exit 1; }
echo "rollout: t=$(( $(date +%s) - t0 ))s serving model $(serving) (was $version_a)" >&2
sleep $((total / 4))
"$bin" rollback --coordinator "tcp://127.0.0.1:$((base + 9))" >&2 # the admin endpoint: the data socket refuses rollback
config "$model_a"
[ "$(serving)" = "$version_a" ] || { echo "rollout: FAILED the rollback did not switch back" >&2; exit 1; }
echo "rollout: t=$(( $(date +%s) - t0 ))s rolled back to $version_a" >&2
wait "$bench" || true
cat "$work/bench.out"
line=$(er_bench_line "$work/bench.out")
errors=$(echo "$line" | sed -E 's/.*; ([0-9]+) errors.*/\1/')
degraded=$(echo "$line" | sed -E 's/.* ([0-9]+) degraded.*/\1/')
unanswered=$(echo "$line" | sed -E 's/.* ([0-9]+) without reply.*/\1/')
if [ "$errors" -eq 0 ] && [ "$degraded" -eq 0 ] && [ "$unanswered" -eq 0 ]; then echo "rollout: PASSED"; else echo "rollout: FAILED" >&2; exit 1; fi
