#!/usr/bin/env bash
# Overload test on loopback: 3 shards, `efficientrec bench` offering three times the cluster's
# capacity in an open loop. Prints, measured in the same run:
#   capacity C: closed-loop throughput (bench at concurrency 16, the cluster always busy);
#   3C with the adaptive admission limit: admitted requests/s (A), their p99, the refusals;
#   A alone (open loop, no excess): the p99 the same admitted throughput has without overload;
#   3C again: coordinator memory after the first and the second overload run;
#   3C with the adaptive limit off (--latency-target-ms 0): admitted requests/s and p99.
# With two or more CPUs and taskset, the cluster runs on CPU 0 and bench on CPU 1, so the load
# generator does not take the cluster's CPU. Exits non-zero when a reply is an error other than
# `overloaded`, or when the coordinator's memory grew by more than 20 % from the first overload run
# to the second.
#
#   deploy/overload.sh [MODEL HISTORIES]
#   environment: SECONDS_RUN (8), TARGET_MS (3: the coordinator's --latency-target-ms),
#                COORDINATOR_FLAGS (extra coordinator flags), PIN (1; 0: no taskset)
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/lib/common.sh
er_binary
seconds=${SECONDS_RUN:-8}
target_ms=${TARGET_MS:-3}
work=$(mktemp -d /tmp/efficientrec-overload.XXXXXX)
er_model_and_histories "$work" "$@"

cluster_cpu=(); bench_cpu=()
if [ "${PIN:-1}" = 1 ] && command -v taskset > /dev/null && [ "$(nproc)" -ge 2 ]; then
  cluster_cpu=(taskset -c 0); bench_cpu=(taskset -c 1)
fi
base=$((20000 + RANDOM % 20000))
endpoint="tcp://127.0.0.1:$base"
pids=()
coordinator=0
cleanup() { for p in "${pids[@]}" "$coordinator"; do [ "$p" -gt 0 ] && kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

workers=""
for s in 0 1 2; do
  "${cluster_cpu[@]}" "$bin" worker --model "$model" --shard $s --shards 3 --bind "tcp://127.0.0.1:$((base + 1 + s))" \
    > "$work/worker-$s.out" 2> "$work/worker-$s.err" &
  pids+=($!)
  workers+="${workers:+,}tcp://127.0.0.1:$((base + 1 + s))"
done
for s in 0 1 2; do er_wait_listening "$work/worker-$s.out" || exit 1; done

start_coordinator() { # extra flags...
  : > "$work/coordinator.out"
  "${cluster_cpu[@]}" "$bin" coordinator --model "$model" --bind "$endpoint" --workers "$workers" "$@" ${COORDINATOR_FLAGS:-} \
    > "$work/coordinator.out" 2>> "$work/coordinator.err" &
  coordinator=$!
  er_wait_listening "$work/coordinator.out" || { cat "$work/coordinator.err" >&2; exit 1; }
  sleep 1 # the first heartbeats
}
stop_coordinator() { kill -TERM "$coordinator"; wait "$coordinator" || true; coordinator=0; }
rss() { awk '/VmRSS/ { print $2 }' "/proc/$coordinator/status"; }

# bench NAME ARGS...: runs bench, keeps its report line in $work/NAME.out, sets the figures.
bench() {
  local name=$1; shift
  "${bench_cpu[@]}" "$bin" bench --coordinator "$endpoint" --histories "$histories" --duration "$seconds" "$@" \
    > "$work/$name.out" 2>&1 || { cat "$work/$name.out" >&2; exit 1; }
  local line
  line=$(er_bench_line "$work/$name.out")
  rate=$(sed -E 's/.*: ([0-9]+) requests\/s.*/\1/' <<< "$line")
  p99=$(sed -E 's/.*p99 ([0-9]+) us.*/\1/' <<< "$line")
  errors=$(sed -E 's/.*; ([0-9]+) errors.*/\1/' <<< "$line")
  refused=0
  grep -q "overload refusals" <<< "$line" && refused=$(sed -E 's/.* ([0-9]+) of the errors were overload refusals.*/\1/' <<< "$line")
  echo "  $name: $line" >&2
  if [ "$errors" -ne "$refused" ]; then echo "overload: $name had errors other than overload refusals" >&2; failed=1; fi
}
failed=0

echo "overload: 3 shards, ${seconds} s runs, latency target $target_ms ms${cluster_cpu:+, cluster on CPU 0 and bench on CPU 1}" >&2
start_coordinator --latency-target-ms "$target_ms"
bench capacity --concurrency 16
capacity=$rate; capacity_p99=$p99
offered=$((3 * capacity))
bench overload-1 --rate "$offered" --concurrency 100000
admitted=$rate; over_p99=$p99; over_refused=$refused
rss_1=$(rss)
bench reference --rate "$admitted" --concurrency 100000
reference_p99=$p99
bench overload-2 --rate "$offered" --concurrency 100000
rss_2=$(rss)
stop_coordinator
start_coordinator --latency-target-ms 0
bench overload-fixed-limit --rate "$offered" --concurrency 100000
fixed_rate=$rate; fixed_p99=$p99
stop_coordinator

echo
echo "capacity (closed loop, concurrency 16): $capacity requests/s, p99 $capacity_p99 us"
echo "3x capacity ($offered requests/s offered), adaptive limit (target $target_ms ms): $admitted admitted/s, p99 $over_p99 us, $over_refused refused"
echo "the same $admitted requests/s without excess load: p99 $reference_p99 us"
awk -v o="$over_p99" -v r="$reference_p99" 'BEGIN { printf "admitted p99 under 3x overload / without: %.2f\n", o / r }'
echo "3x capacity with the adaptive limit off (max in flight 4096): $fixed_rate admitted/s, p99 $fixed_p99 us"
echo "coordinator memory after the first and the second overload run: $rss_1 kB, $rss_2 kB"
if [ "$rss_2" -gt $((rss_1 * 12 / 10)) ]; then echo "overload: memory grew by more than 20 %" >&2; failed=1; fi
exit "$failed"
