#!/usr/bin/env bash
# Runs the whole test suite (installs the system packages first when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh
bash protocols/generate.sh --check
bash deploy/fetch-movielens.sh || echo "MovieLens-100K could not be fetched; its tests will be skipped" >&2
swift build --build-tests
# Every decoder of network input under libFuzzer (+ AddressSanitizer) for a bounded time.
bash deploy/fuzz.sh "${FUZZ_SECONDS:-10}"
# The suite is XCTest only; without the flag an empty Swift Testing run prints the last line.
log=$(mktemp)
status=0
swift test --disable-swift-testing 2>&1 | tee "$log" || status=$?
summary=$(grep -E "Executed [0-9]+ tests?, with .*[0-9]+ failures?" "$log" | tail -1 || true)
rm -f "$log"
if [ -n "$summary" ]; then
  total=$(echo "$summary" | sed -E 's/.*Executed ([0-9]+) tests?.*/\1/')
  failed=$(echo "$summary" | sed -E 's/.* ([0-9]+) failures?.*/\1/')
  skipped=0
  echo "$summary" | grep -q "skipped" && skipped=$(echo "$summary" | sed -E 's/.*with ([0-9]+) tests? skipped.*/\1/')
  echo "tests: $((total - failed - skipped)) passed, $failed failed, $skipped skipped"
fi
exit $status
