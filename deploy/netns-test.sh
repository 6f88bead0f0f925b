#!/usr/bin/env bash
# A real multi-host test on one machine: every process in its own network namespace with its own
# address, joined by veth pairs to a bridge. 2 shards x 2 replicas and a coordinator serve `bench`
# load from the host; after a few seconds one worker's link is cut (the process keeps running but
# its packets vanish: no RST, only silence) and later restored. Checks: no failed requests, >= 99 %
# of replies with coverage 1, the coordinator declared the cut worker dead (heartbeats) and took it
# back after the link returned. Needs root (ip netns) and iproute2.
#   deploy/netns-test.sh [MODEL HISTORIES]      environment: SECONDS_TOTAL (20), CUT_AT (5), RESTORE_AT (12)
set -euo pipefail
cd "$(dirname "$0")/.."
total=${SECONDS_TOTAL:-20}
cut_at=${CUT_AT:-5}
restore_at=${RESTORE_AT:-12}
. deploy/lib/common.sh
er_binary
[ "$(id -u)" = 0 ] || { echo "netns-test: needs root (ip netns)" >&2; exit 2; }
work=$(mktemp -d /tmp/efficientrec-netns.XXXXXX)
er_model_and_histories "$work" "$@"

tag=er$$
bridge=${tag}br
subnet=10.77.$(( $$ % 200 + 20 ))
hosts=(coord w0a w0b w1a w1b)
declare -A address=([coord]=$subnet.10 [w0a]=$subnet.11 [w0b]=$subnet.12 [w1a]=$subnet.13 [w1b]=$subnet.14)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  sleep 0.5
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  for h in "${hosts[@]}"; do ip netns del "$tag-$h" 2>/dev/null || true; done
  ip link del "$bridge" 2>/dev/null || true
}
trap cleanup EXIT

ip link add "$bridge" type bridge
ip addr add "$subnet.1/24" dev "$bridge"
ip link set "$bridge" up
for h in "${hosts[@]}"; do
  ip netns add "$tag-$h"
  ip link add "$tag-$h-h" type veth peer name "$tag-$h-n"
  ip link set "$tag-$h-n" netns "$tag-$h"
  ip link set "$tag-$h-h" master "$bridge" up
  ip -n "$tag-$h" addr add "${address[$h]}/24" dev "$tag-$h-n"
  ip -n "$tag-$h" link set "$tag-$h-n" up
  ip -n "$tag-$h" link set lo up
done
echo "netns-test: bridge $bridge $subnet.0/24; hosts: $(for h in "${hosts[@]}"; do printf '%s=%s ' "$h" "${address[$h]}"; done)" >&2

run_in() { # host, log name, command...
  local h=$1 log=$2; shift 2
  ip netns exec "$tag-$h" "$@" > "$work/$log.out" 2> "$work/$log.err" &
  pids+=($!)
}
wait_for() { er_wait_listening "$work/$1.out" || { cat "$work/$1.err" >&2; exit 1; }; }
shard_of=([0]=0 [1]=0 [2]=1 [3]=1)
workers=(w0a w0b w1a w1b)
for k in 0 1 2 3; do
  h=${workers[$k]}
  run_in "$h" "$h" "$bin" worker --model "$model" --shard "${shard_of[$k]}" --shards 2 --bind "tcp://${address[$h]}:5601"
done
for h in "${workers[@]}"; do wait_for "$h"; done
run_in coord coordinator "$bin" coordinator --model "$model" --bind "tcp://${address[coord]}:5600" \
  --workers "tcp://${address[w0a]}:5601|tcp://${address[w0b]}:5601,tcp://${address[w1a]}:5601|tcp://${address[w1b]}:5601"
wait_for coordinator
endpoint="tcp://${address[coord]}:5600"

"$bin" bench --coordinator "$endpoint" --histories "$histories" --concurrency 8 --duration "$total" > "$work/bench.out" 2>&1 &
bench=$!
t0=$(date +%s)
sleep "$cut_at"
ip link set "$tag-w1a-h" down
echo "netns-test: t=$(( $(date +%s) - t0 ))s cut the link of w1a (${address[w1a]}, shard 1)" >&2
sleep 1.5
"$bin" status --coordinator "$endpoint" > "$work/status-cut.out"
sleep $(( restore_at - cut_at - 1 ))
ip link set "$tag-w1a-h" up
echo "netns-test: t=$(( $(date +%s) - t0 ))s restored the link of w1a" >&2
wait "$bench" || true
"$bin" status --coordinator "$endpoint" > "$work/status-end.out"

cat "$work/bench.out"
grep -E "^shard 1" "$work/status-cut.out" | sed 's/^/while cut:  /'
grep -E "^retries" "$work/status-end.out" | sed 's/^/at the end: /'
grep -E "^shard 1" "$work/status-end.out" | sed 's/^/at the end: /'
line=$(er_bench_line "$work/bench.out")
completed=$(echo "$line" | sed -E 's/^([0-9]+) requests in.*/\1/')
errors=$(echo "$line" | sed -E 's/.*; ([0-9]+) errors.*/\1/')
degraded=$(echo "$line" | sed -E 's/.* ([0-9]+) degraded.*/\1/')
unanswered=$(echo "$line" | sed -E 's/.* ([0-9]+) without reply.*/\1/')
ok=1
[ "$errors" -eq 0 ] && [ "$unanswered" -eq 0 ] || { echo "netns-test: FAILED requests" >&2; ok=0; }
awk -v c="$completed" -v d="$degraded" 'BEGIN { exit !(c > 0 && (c - d) / c >= 0.99) }' || { echo "netns-test: FAILED coverage" >&2; ok=0; }
grep -q "^shard 1: .*replicas alive 1/2" "$work/status-cut.out" || { echo "netns-test: FAILED the cut worker was not declared dead" >&2; ok=0; }
grep -q "^shard 1: .*replicas alive 2/2" "$work/status-end.out" || { echo "netns-test: FAILED the restored worker did not come back" >&2; ok=0; }
[ "$ok" = 1 ] && echo "netns-test: PASSED" || exit 1
