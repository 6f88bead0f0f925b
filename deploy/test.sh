#!/usr/bin/env bash
# Runs the whole test suite (installs the system packages first when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh
bash protocols/generate.sh --check
bash deploy/fetch-movielens.sh || echo "MovieLens-100K could not be fetched; its tests will be skipped" >&2
swift build --build-tests
swift test
