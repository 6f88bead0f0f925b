#!/usr/bin/env bash
# Live resharding under load, on loopback: a coordinator started from a cluster config serves
# `bench` load while a shard is added (start its worker, extend the config, SIGHUP) and later the
# last shard is removed (shorten the config, SIGHUP, wait for the switch, SIGTERM its worker).
# Exits non-zero unless the run had 0 failed requests and 0 partial replies.
#   deploy/reshard.sh [MODEL HISTORIES]      environment: SECONDS_TOTAL (24), CONCURRENCY (16),
#                                             COORDINATOR_FLAGS (e.g. "--threads 2")
set -euo pipefail
cd "$(dirname "$0")/.."
total=${SECONDS_TOTAL:-24}
concurrency=${CONCURRENCY:-16}
. deploy/lib/common.sh
er_binary
work=$(mktemp -d /tmp/efficientrec-reshard.XXXXXX)
er_model_and_histories "$work" "$@"
base=$((20000 + RANDOM % 20000))
pids=()
coordinator=0
cleanup() { for p in "${pids[@]}" "$coordinator"; do [ "$p" -gt 0 ] && kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

start_worker() { # shard, shards
  "$bin" worker --model "$model" --shard "$1" --shards "$2" --bind "tcp://127.0.0.1:$((base + 1 + $1))" \
    > "$work/worker-$1.out" 2> "$work/worker-$1.err" &
  pids[$1]=$!
  er_wait_listening "$work/worker-$1.out" || exit 1
}
config() { # shard count
  local list=""
  for s in $(seq 0 $(($1 - 1))); do list+="${list:+, }{\"replicas\": [\"tcp://127.0.0.1:$((base + 1 + s))\"]}"; done
  echo "{\"model\": \"$model\", \"coordinator\": {\"bind\": \"tcp://127.0.0.1:$base\"}, \"shards\": [$list]}" > "$work/cluster.json"
}
shards_now() { "$bin" status --coordinator "tcp://127.0.0.1:$base" | grep -c "^shard "; }

start_worker 0 2; start_worker 1 2
config 2
"$bin" coordinator --config "$work/cluster.json" ${COORDINATOR_FLAGS:-} > "$work/coordinator.out" 2> "$work/coordinator.err" &
coordinator=$!
er_wait_listening "$work/coordinator.out" || exit 1

"$bin" bench --coordinator "tcp://127.0.0.1:$base" --histories "$histories" --concurrency "$concurrency" --duration "$total" \
  > "$work/bench.out" 2>&1 &
bench=$!
t0=$(date +%s)
sleep $((total / 4))
start_worker 2 3
config 3
kill -HUP "$coordinator"
for _ in $(seq 1 100); do [ "$(shards_now)" = 3 ] && break; sleep 0.1; done
[ "$(shards_now)" = 3 ] || { echo "reshard: FAILED the coordinator did not switch to 3 shards" >&2; exit 1; }
echo "reshard: t=$(( $(date +%s) - t0 ))s serving 3 shards" >&2
sleep $((total / 4))
config 2
kill -HUP "$coordinator"
for _ in $(seq 1 100); do [ "$(shards_now)" = 2 ] && break; sleep 0.1; done
[ "$(shards_now)" = 2 ] || { echo "reshard: FAILED the coordinator did not switch back to 2 shards" >&2; exit 1; }
echo "reshard: t=$(( $(date +%s) - t0 ))s serving 2 shards again; stopping worker 2" >&2
kill -TERM "${pids[2]}"
wait "${pids[2]}" && echo "reshard: worker 2 exited 0" >&2
pids[2]=0
wait "$bench" || true

cat "$work/bench.out"
grep -E "resharded|now serving" "$work/coordinator.err" "$work"/worker-*.err | sed 's/^[^:]*://' >&2 || true
line=$(er_bench_line "$work/bench.out")
errors=$(echo "$line" | sed -E 's/.*; ([0-9]+) errors.*/\1/')
degraded=$(echo "$line" | sed -E 's/.* ([0-9]+) degraded.*/\1/')
unanswered=$(echo "$line" | sed -E 's/.* ([0-9]+) without reply.*/\1/')
if [ "$errors" -eq 0 ] && [ "$degraded" -eq 0 ] && [ "$unanswered" -eq 0 ]; then echo "reshard: PASSED"; else echo "reshard: FAILED" >&2; exit 1; fi
