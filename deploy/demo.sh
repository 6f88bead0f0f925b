#!/usr/bin/env bash
# The main job: fetch MovieLens-100K (or generate data when it cannot be fetched), train a model,
# evaluate it against the baselines on a strong-generalisation split, and recommend for brand-new
# users who were never seen in training.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh
swift build -c release --product efficientrec >&2
bin=.build/release/efficientrec
work=data/demo
mkdir -p "$work"

if bash deploy/fetch-movielens.sh; then
  inter=data/ml-100k/ml-100k.inter; items=data/ml-100k/ml-100k.item; users=data/ml-100k/ml-100k.user
  # Three brand-new users, described only by what they liked, and one with only attributes.
  printf 'user\titem\trating\n' > "$work/new-users.tsv"
  for i in 50 172 181 174 183 195; do printf 'sci-fi-fan\t%s\t5\n' "$i"; done >> "$work/new-users.tsv"
  for i in 1 71 95 588; do printf 'family-films-fan\t%s\t5\n' "$i"; done >> "$work/new-users.tsv"
  for i in 64 127 318 357 483; do printf 'classics-fan\t%s\t5\n' "$i"; done >> "$work/new-users.tsv"
  printf 'attributes-only\tno-such-movie\t5\n' >> "$work/new-users.tsv"
  printf 'user_id:token\tage:token\tgender:token\toccupation:token\nattributes-only\t23\tF\tstudent\n' > "$work/new-users-attributes.tsv"
else
  echo "MovieLens-100K could not be fetched: using a generated data set instead" >&2
  "$bin" generate --users 3000 --items 600 --groups 8 --out "$work/generated" --seed 1
  inter=$work/generated/interactions.tsv; items=$work/generated/items.tsv; users=$work/generated/users.tsv
  printf 'user\titem\trating\n' > "$work/new-users.tsv"
  for i in i1 i9 i17 i25 i33; do printf 'group-0-fan\t%s\t5\n' "$i"; done >> "$work/new-users.tsv"
  for i in i4 i12 i20 i28; do printf 'group-3-fan\t%s\t5\n' "$i"; done >> "$work/new-users.tsv"
  printf 'attributes-only\tno-such-item\t5\n' >> "$work/new-users.tsv"
  printf 'user\tage\tgender\toccupation\nattributes-only\t25-34\tF\tocc-5\n' > "$work/new-users-attributes.tsv"
fi

echo "== training on $inter" >&2
"$bin" train --interactions "$inter" --items "$items" --users "$users" --out "$work/model.efr"

echo "== evaluating (strong generalisation, 20% test users, against the baselines)" >&2
"$bin" evaluate --interactions "$inter" --items "$items" --users "$users"

echo "== recommending for brand-new users (no retraining)" >&2
"$bin" recommend --model "$work/model.efr" --histories "$work/new-users.tsv" --users "$work/new-users-attributes.tsv" \
  -k 10 --output "$work/recommendations.tsv"
awk -F'\t' 'NR == FNR { if (FNR > 1) title[$1] = $2; next }
            FNR == 1 { next }
            $1 != last { printf "\n%s:\n", $1; last = $1 }
            { printf "  %2d. %s (score %.4f)\n", $3, ($2 in title ? title[$2] : $2), $4 }' "$items" "$work/recommendations.tsv"
