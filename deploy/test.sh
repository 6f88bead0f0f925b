#!/usr/bin/env bash
# Runs the whole test suite (installs the system packages first when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh
bash protocols/generate.sh --check
# The Python client's committed protobuf modules match protocols/.
bash clients/python/generate.sh --check
# The formatter of the toolchain with the committed .swift-format: the whole Swift tree passes its lint.
swift format lint --strict --recursive Sources Tests Package.swift clients/swift
# Imports, the modules' "must not import" lists and the graph in docs/architecture.md agree with Package.swift.
python3 .ci/check-modules.py
# MovieLens-100K is a prerequisite: a failed fetch fails the run, unless EFFICIENTREC_OFFLINE=1
# (working without the network), when its tests are skipped and the summary line counts them.
if ! bash deploy/fetch-movielens.sh; then
  if [ "${EFFICIENTREC_OFFLINE:-0}" = "1" ]; then
    echo "MovieLens-100K could not be fetched; EFFICIENTREC_OFFLINE=1, so its tests will be skipped" >&2
  else
    echo "error: MovieLens-100K could not be fetched (set EFFICIENTREC_OFFLINE=1 to skip its tests)" >&2
    exit 1
  fi
fi
swift build --build-tests
# Every decoder of network input under libFuzzer (+ AddressSanitizer) for a bounded time.
bash deploy/fuzz.sh "${FUZZ_SECONDS:-10}"
# Tests train on one BLAS thread unless OPENBLAS_NUM_THREADS says otherwise: OpenBLAS's threads
# spin-wait for each other, and on a loaded 2-core machine that made a one-minute training take ten.
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
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
else
  echo "tests: no XCTest summary line found" >&2
  [ $status -ne 0 ] || status=1
fi
# The Python client package, installed into its own environment, against real clusters.
pylog=$(mktemp)
bash clients/python/test.sh 2>&1 | tee "$pylog" || status=1
grep -E "^[0-9]+ (passed|failed)" "$pylog" | tail -1 | sed 's/^/python client tests: /' || true
rm -f "$pylog"
# A package outside the repository builds against the EfficientRecClient product and answers as `query`.
bash deploy/test-swift-client.sh 2>&1 | tail -6 || status=1
# The HTML reports open in headless Chromium with every chart drawn.
bash deploy/check-reports.sh || status=1
exit $status
