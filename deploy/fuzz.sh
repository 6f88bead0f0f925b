#!/usr/bin/env bash
# Runs every libFuzzer target (one per decoder of network input) for a bounded time, starting from
# a seed corpus of valid frames (deploy/fuzz/make_corpus.py). Exits non-zero on the first crash,
# leaving the crashing input in the work directory.
#   deploy/fuzz.sh [SECONDS_PER_TARGET]      (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
work=${FUZZ_WORK:-$(mktemp -d /tmp/efficientrec-fuzz.XXXXXX)}
targets=(FuzzClientMessage FuzzServerMessage FuzzCoordinatorMessage FuzzWorkerMessage)
python3 deploy/fuzz/make_corpus.py "$work/seeds"
for t in "${targets[@]}"; do
  # AddressSanitizer too: libFuzzer then also reports leaks (every unpacked C message must be freed).
  swift build --product "$t" --sanitize=fuzzer --sanitize=address --scratch-path .build-fuzz >&2
done
for t in "${targets[@]}"; do
  mkdir -p "$work/corpus/$t"
  echo "== $t for ${seconds}s" >&2
  # SWIFT_BACKTRACE off: the Swift backtracer would otherwise intercept libFuzzer's crash signal.
  (cd "$work" && SWIFT_BACKTRACE=enable=no "$OLDPWD/.build-fuzz/debug/$t" -max_total_time="$seconds" -seed=1 -rss_limit_mb=2048 \
     -print_final_stats=1 "corpus/$t" "seeds/$t" 2>&1 | grep -E "^(#[0-9]+ *DONE|Done|stat::number_of_executed_units|==|SUMMARY|.*ERROR)" >&2)
done
echo "fuzz: every target ran ${seconds}s without a crash (corpus kept in $work/corpus)"
