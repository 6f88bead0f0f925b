#!/usr/bin/env bash
# The main job: fetch MovieLens-100K (or generate data when it cannot be fetched), train a model,
# evaluate it against the baselines, start a local cluster (1 coordinator, 3 shard workers, real
# processes talking ZeroMQ on loopback), ask it for recommendations for brand-new users — showing
# the titles and the clusters that voted — and stop the cluster.
#   deploy/demo.sh            everything
#   deploy/demo.sh --quick    skip the evaluation against the baselines
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
[ "${1:-}" = "--quick" ] && quick=1
bash deploy/install-deps.sh
swift build -c release --product efficientrec >&2
bin=.build/release/efficientrec
work=data/demo
mkdir -p "$work"

declare -A users
if bash deploy/fetch-movielens.sh; then
  inter=data/ml-100k/ml-100k.inter; items=data/ml-100k/ml-100k.item; userfile=data/ml-100k/ml-100k.user
  users[sci-fi-fan]="50:5,172:5,181:5,174:5,183:5,195:5"
  users[family-films-fan]="1:5,71:5,95:5,588:5"
  users[classics-fan]="64:5,127:5,318:5,357:5,483:5"
  users[horror-fan]="185:5,288:5,183:4"
else
  echo "MovieLens-100K could not be fetched: using a generated data set instead" >&2
  "$bin" generate --users 3000 --items 600 --groups 8 --out "$work/generated" --seed 1
  inter=$work/generated/interactions.tsv; items=$work/generated/items.tsv; userfile=$work/generated/users.tsv
  users[group-0-fan]="i1:5,i9:5,i17:5,i25:5,i33:5"
  users[group-3-fan]="i4:5,i12:5,i20:5,i28:4"
fi

echo "== training on $inter" >&2
"$bin" train --interactions "$inter" --items "$items" --users "$userfile" --out "$work/model.efr"

if [ "$quick" = 0 ]; then
  echo "== evaluating (strong generalisation, 20% test users, against the baselines)" >&2
  "$bin" evaluate --interactions "$inter" --items "$items" --users "$userfile"
fi

echo "== starting a local cluster: 1 coordinator, 3 shard workers" >&2
"$bin" cluster --model "$work/model.efr" --shards 3 --port 0 > "$work/cluster.log" 2> "$work/cluster.err" &
cluster=$!
trap 'kill -TERM $cluster 2>/dev/null; wait $cluster 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  grep -q "^coordinator: tcp" "$work/cluster.log" 2>/dev/null && break
  kill -0 $cluster 2>/dev/null || { cat "$work/cluster.err" >&2; exit 1; }
  sleep 0.1
done
cat "$work/cluster.log"
endpoint=$(grep "^coordinator: tcp" "$work/cluster.log" | awk '{print $2}')

title() { awk -F'\t' -v id="$1" 'NR > 1 && $1 == id { print $2; exit }' "$items"; }
for user in "${!users[@]}"; do
  history=${users[$user]}
  echo
  echo "$user liked: $(for pair in ${history//,/ }; do printf '%s; ' "$(title "${pair%%:*}")"; done)"
  "$bin" query --coordinator "$endpoint" --history "$history" -k 10 > "$work/answer.tsv" 2> "$work/answer.err"
  echo "  served by $(cat "$work/answer.err")"
  tail -n +2 "$work/answer.tsv" | while IFS=$'\t' read -r _ item rank score; do
    printf '  %2d. %s (score %.4f)\n' "$rank" "$(title "$item")" "$score"
  done
  # The same persona from EASE (full item-item scoring of the whole catalogue), and how popular
  # each list is: a mean popularity rank (1 = the most popular item) near EASE's or above it means
  # the cluster vote is as personal as full scoring, not a list of blockbusters.
  if "$bin" compare --model "$work/model.efr" --interactions "$inter" --items "$items" --history "$history" -k 10 \
      > "$work/compare.tsv" 2> "$work/compare.err"; then
    echo "  EASE (lambda = 500) for the same history:"
    awk -F'\t' '$1 == "ease" { print $2 "\t" $3 }' "$work/compare.tsv" | while IFS=$'\t' read -r rank item; do
      printf '  %2d. %s\n' "$rank" "$(title "$item")"
    done
    echo "  $(tail -n 1 "$work/compare.err")"
  else
    echo "  (EASE comparison failed: $(tail -n 1 "$work/compare.err"))"
  fi
done
echo
echo "== stopping the cluster" >&2
kill -TERM $cluster
wait $cluster || true
trap - EXIT
echo "stopped; $(grep -c . "$work/cluster.log") lines of cluster output in $work/cluster.log" >&2
