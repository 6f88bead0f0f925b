#!/usr/bin/env bash
# Chaos test on loopback: 2 shards x 2 replicas serve `efficientrec bench` load while one worker is
# killed with SIGKILL every KILL_EVERY seconds and restarted (the victims take turns). Prints the
# bench figures, the coordinator's reliability counters and memory, and exits non-zero unless
#   0 failed requests, >= 99 % of replies with coverage 1, p99 within the deadline, and the
#   coordinator's resident memory grew by less than 20 % after warm-up.
#
#   deploy/chaos.sh [MODEL] [HISTORIES]
#   environment: SECONDS_TOTAL (60), KILL_EVERY (10), DOWNTIME (1), CONCURRENCY (16), DEADLINE_MS (500),
#                COORDINATOR_FLAGS (extra coordinator flags, e.g. "--hedge-budget 0.05")
set -euo pipefail
cd "$(dirname "$0")/.."
total=${SECONDS_TOTAL:-60}
every=${KILL_EVERY:-10}
downtime=${DOWNTIME:-1}
concurrency=${CONCURRENCY:-16}
deadline_ms=${DEADLINE_MS:-500}
. deploy/lib/common.sh
er_binary
work=$(mktemp -d /tmp/efficientrec-chaos.XXXXXX)

er_model_and_histories "$work" "$@"

base=$((20000 + RANDOM % 20000))
endpoints=()
for k in 0 1 2 3; do endpoints+=("tcp://127.0.0.1:$((base + 1 + k))"); done
shard_of=(0 0 1 1)
pids=(0 0 0 0)
coordinator=0
cleanup() {
  for p in "${pids[@]}" "$coordinator"; do [ "$p" -gt 0 ] && kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

start_worker() {
  local k=$1
  "$bin" worker --model "$model" --shard "${shard_of[$k]}" --shards 2 --bind "${endpoints[$k]}" \
    > "$work/worker-$k.out" 2>> "$work/worker-$k.err" &
  pids[$k]=$!
  er_wait_listening "$work/worker-$k.out" || { cat "$work/worker-$k.err" >&2; exit 1; }
}

for k in 0 1 2 3; do start_worker "$k"; done
"$bin" coordinator --model "$model" --bind "tcp://127.0.0.1:$base" --default-deadline-ms "$deadline_ms" \
  --workers "${endpoints[0]}|${endpoints[1]},${endpoints[2]}|${endpoints[3]}" ${COORDINATOR_FLAGS:-} > "$work/coordinator.out" 2> "$work/coordinator.err" &
coordinator=$!
er_wait_listening "$work/coordinator.out" || { cat "$work/coordinator.err" >&2; exit 1; }
endpoint="tcp://127.0.0.1:$base"
rss() { awk '/VmRSS/ { print $2 }' "/proc/$1/status"; }

echo "chaos: 2 shards x 2 replicas, bench concurrency $concurrency for $total s, SIGKILL every $every s (down $downtime s)" >&2
"$bin" bench --coordinator "$endpoint" --histories "$histories" --concurrency "$concurrency" --duration "$total" > "$work/bench.out" 2>&1 &
bench=$!
t0=$(date +%s)
sleep 5
rss_warm=$(rss "$coordinator")
kills=0
next=$every
while [ "$next" -lt "$total" ]; do
  now=$(( $(date +%s) - t0 ))
  [ "$now" -lt "$next" ] && sleep $((next - now))
  victim=$((kills % 4))
  kill -KILL "${pids[$victim]}" 2>/dev/null || true
  wait "${pids[$victim]}" 2>/dev/null || true
  echo "chaos: t=$(( $(date +%s) - t0 ))s killed worker $victim (shard ${shard_of[$victim]}, ${endpoints[$victim]})" >&2
  kills=$((kills + 1))
  sleep "$downtime"
  start_worker "$victim"
  echo "chaos: t=$(( $(date +%s) - t0 ))s restarted worker $victim" >&2
  next=$((next + every))
done
wait "$bench" || true
rss_end=$(rss "$coordinator")
"$bin" status --coordinator "$endpoint" > "$work/status.out" 2>&1 || true

cat "$work/bench.out"
grep -E "^retries" "$work/status.out" || true
line=$(er_bench_line "$work/bench.out" || true)
[ -n "$line" ] || { echo "chaos: bench printed no result" >&2; exit 1; }
completed=$(echo "$line" | sed -E 's/^([0-9]+) requests in.*/\1/')
p99=$(echo "$line" | sed -E 's/.*p99 ([0-9]+) us.*/\1/')
errors=$(echo "$line" | sed -E 's/.*; ([0-9]+) errors.*/\1/')
degraded=$(echo "$line" | sed -E 's/.* ([0-9]+) degraded.*/\1/')
unanswered=$(echo "$line" | sed -E 's/.* ([0-9]+) without reply.*/\1/')
complete=$(awk -v c="$completed" -v d="$degraded" 'BEGIN { printf "%.4f", (c > 0 ? (c - d) / c : 0) }')
growth=$(awk -v a="$rss_warm" -v b="$rss_end" 'BEGIN { printf "%.1f", (a > 0 ? 100 * (b - a) / a : 0) }')
echo "chaos: $kills workers killed; $completed replies, $errors errors, $unanswered without reply, $degraded degraded;" \
     "coverage 1 in $(awk -v x="$complete" 'BEGIN { printf "%.2f", 100 * x }') %; p99 $p99 us (deadline $((deadline_ms * 1000)) us);" \
     "coordinator RSS ${rss_warm} kB after warm-up -> ${rss_end} kB at the end (${growth} %)"
ok=1
[ "$errors" -eq 0 ] && [ "$unanswered" -eq 0 ] || { echo "chaos: FAILED requests" >&2; ok=0; }
awk -v x="$complete" 'BEGIN { exit !(x >= 0.99) }' || { echo "chaos: FAILED coverage below 99 %" >&2; ok=0; }
[ "$p99" -lt $((deadline_ms * 1000)) ] || { echo "chaos: FAILED p99 beyond the deadline" >&2; ok=0; }
awk -v g="$growth" 'BEGIN { exit !(g < 20) }' || { echo "chaos: FAILED memory grew" >&2; ok=0; }
[ "$ok" = 1 ] && echo "chaos: PASSED" || exit 1
