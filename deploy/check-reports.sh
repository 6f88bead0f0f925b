#!/usr/bin/env bash
# Writes the HTML reports of evaluate, compare and bench (a small generated data set, a 2-shard
# cluster for bench) and opens each in headless Chromium (installed from Debian when missing): the
# page must load without a script error and every chart must have drawn marks. Run by deploy/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/lib/common.sh
bin=${EFFICIENTREC_BIN:-$(pwd)/.build/debug/efficientrec}
work=$(mktemp -d)
cluster=""
cleanup() { [ -n "$cluster" ] && { kill -TERM "$cluster" 2>/dev/null; wait "$cluster" 2>/dev/null || true; }; rm -rf "$work"; }
trap cleanup EXIT

browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
  echo "check-reports: installing chromium (headless) from Debian" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null; } || true
  browser=$(command -v chromium || true)
fi

small=(--clusters 12 --top-clusters 3 --shortlist-length 30 --epochs 3 --embedding-dim 16 --profile-dim 16 --head-hidden 32)
"$bin" generate --users 300 --items 80 --groups 4 --out "$work/data" --seed 5 >/dev/null 2>&1
data=(--interactions "$work/data/interactions.tsv" --items "$work/data/items.tsv")
"$bin" evaluate "${data[@]}" "${small[@]}" --report "$work/evaluate.html" >/dev/null 2>&1
"$bin" train "${data[@]}" "${small[@]}" --out "$work/model.efr" >/dev/null 2>&1
"$bin" compare --model "$work/model.efr" "${data[@]}" --history "i1:5,i5:5,i9:4" -k 10 --report "$work/compare.html" >/dev/null 2>&1
er_start_cluster "$work/model.efr" 2 "$work"
"$bin" bench --coordinator "$endpoint" --histories "$work/data/interactions.tsv" --concurrency 4 --duration 2 -k 10 \
  --report "$work/bench.html" >/dev/null 2>&1

if [ -z "$browser" ]; then
  echo "check-reports: SKIPPED in a browser (no Chromium could be installed); the pages were written"
  exit 0
fi
status=0
for page in evaluate:3 compare:1 bench:1; do
  name=${page%%:*} charts=${page##*:}
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --enable-logging=stderr --v=0 \
    --dump-dom "file://$work/$name.html" > "$work/$name.dom" 2> "$work/$name.console" || true
  if grep -q "data-charts=\"$charts\"" "$work/$name.dom" && grep -q 'data-charts-drawn="all"' "$work/$name.dom" \
     && ! grep -qi "uncaught" "$work/$name.console"; then
    echo "check-reports: $name.html loads in $("$browser" --version 2>/dev/null | head -1) with $charts chart(s), every one drawn"
  else
    echo "check-reports: $name.html FAILED in the browser" >&2
    grep -o 'data-charts[^ >]*\|data-drawn-marks="[0-9]*"' "$work/$name.dom" >&2 || true
    grep -i "uncaught\|console" "$work/$name.console" | head -5 >&2 || true
    status=1
  fi
done
[ $status -eq 0 ] && echo "report check: PASSED" || echo "report check: FAILED"
exit $status
