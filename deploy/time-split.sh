#!/usr/bin/env bash
# Refresh vs no refresh vs full retrain on a time split: train on the first 80 % of the
# log's time, refresh the shortlists with everything up to 90 % (no training), retrain on the same
# 90 %, and score all three on the last 10 %: the users active then, their history up to the 90 %
# mark as input, their interactions rated >= 4 in the last 10 % (not already in that history) as
# relevant. Prints NDCG@10, P@50, R@50 and the wall time of each way to get the model.
#   deploy/time-split.sh [INTERACTIONS ITEMS USERS]      (default: MovieLens-1M in data/ml-1m)
#   environment: TRAIN_FLAGS (extra `train` flags, e.g. "--threads 2")
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/lib/common.sh
er_binary
inter=${1:-data/ml-1m/ml-1m.inter}
items=${2:-data/ml-1m/ml-1m.item}
users=${3:-data/ml-1m/ml-1m.user}
[ -f "$inter" ] || { [ "$inter" = data/ml-1m/ml-1m.inter ] && bash deploy/fetch-movielens-1m.sh >&2; }
work=$(mktemp -d /tmp/efficientrec-timesplit.XXXXXX)
echo "time-split: $inter, work in $work" >&2

python3 - "$inter" "$work" <<'PY'
import sys
path, work = sys.argv[1], sys.argv[2]
with open(path, encoding="utf-8") as f:
    header = f.readline()
    rows = [line.rstrip("\r\n").split("\t") for line in f if line.strip()]
names = [h.split(":")[0].lower() for h in header.rstrip("\r\n").split("\t")]
u, i, r, t = (names.index(n) for n in ("user_id", "item_id", "rating", "timestamp"))
times = sorted(float(row[t]) for row in rows)
q80, q90 = times[int(0.8 * len(times))], times[int(0.9 * len(times))]
def write(name, selected):
    with open(f"{work}/{name}", "w", encoding="utf-8") as out:
        out.write(header)
        for row in selected:
            out.write("\t".join(row) + "\n")
write("train.inter", [row for row in rows if float(row[t]) < q80])
upto = [row for row in rows if float(row[t]) < q90]
write("upto90.inter", upto)
seen = {}
for row in upto:
    seen.setdefault(row[u], set()).add(row[i])
relevant = {}
for row in rows:
    if float(row[t]) >= q90 and float(row[r]) >= 4 and row[i] not in seen.get(row[u], ()):
        relevant.setdefault(row[u], set()).add(row[i])
# Users with something relevant in the last 10 % and some history before it.
test = [user for user in relevant if user in seen]
write("histories.inter", [row for row in upto if row[u] in set(test)])
with open(f"{work}/relevant.tsv", "w", encoding="utf-8") as out:
    for user in test:
        for item in sorted(relevant[user]):
            out.write(f"{user}\t{item}\n")
print(f"time-split: {len(rows)} interactions; first 80 % of time: {sum(1 for row in rows if float(row[t]) < q80)}, "
      f"up to 90 %: {len(upto)}; {len(test)} users to score on the last 10 %", file=sys.stderr)
PY

seconds() { python3 -c "import time; print(time.time())"; }
run_timed() { # NAME COMMAND...: runs it, records its wall time in $work/NAME.seconds
  local name=$1; shift
  local start; start=$(seconds)
  "$@" > "$work/$name.log" 2>&1 || { cat "$work/$name.log" >&2; exit 1; }
  python3 -c "import sys; print(round($(seconds) - $start, 1))" > "$work/$name.seconds"
  echo "time-split: $name done in $(cat "$work/$name.seconds") s" >&2
}
run_timed train "$bin" train --interactions "$work/train.inter" --items "$items" --users "$users" --out "$work/no-refresh.efr" ${TRAIN_FLAGS:-}
run_timed refresh "$bin" refresh --model "$work/no-refresh.efr" --interactions "$work/upto90.inter" --users "$users" --out "$work/refreshed.efr"
# The refresh's method on the old data alone: separates "fresher data" from "member shortlists".
run_timed members "$bin" refresh --model "$work/no-refresh.efr" --interactions "$work/train.inter" --users "$users" --out "$work/members-80.efr"
run_timed retrain "$bin" train --interactions "$work/upto90.inter" --items "$items" --users "$users" --out "$work/retrained.efr" ${TRAIN_FLAGS:-}
for m in no-refresh members-80 refreshed retrained; do
  "$bin" recommend --model "$work/$m.efr" --histories "$work/histories.inter" --users "$users" -k 50 --output "$work/$m.tsv" 2>> "$work/recommend.log"
done

python3 - "$work" <<'PY'
import math, sys
work = sys.argv[1]
relevant = {}
with open(f"{work}/relevant.tsv", encoding="utf-8") as f:
    for line in f:
        user, item = line.rstrip("\n").split("\t")
        relevant.setdefault(user, set()).add(item)
def seconds(name):
    with open(f"{work}/{name}.seconds") as f:
        return f.read().strip()
rows = [("no refresh (trained on the first 80 %)", "no-refresh", seconds("train")),
        ("the same, shortlists recounted from the first 80 % (the refresh's method, no new data)", "members-80", seconds("members")),
        ("refreshed with data up to 90 % (no training)", "refreshed", seconds("refresh")),
        ("retrained on data up to 90 %", "retrained", seconds("retrain"))]
print(f"{len(relevant)} users scored on the last 10 % of time; relevant = rated >= 4 then, not in their history")
print("| model | NDCG@10 | P@50 | R@50 | wall time to get it |")
print("|---|---|---|---|---|")
for label, name, wall in rows:
    ranked = {}
    with open(f"{work}/{name}.tsv", encoding="utf-8") as f:
        f.readline()
        for line in f:
            user, item, rank, _ = line.rstrip("\n").split("\t")[:4]
            ranked.setdefault(user, []).append((int(rank), item))
    ndcg = p50 = r50 = 0.0
    for user, rel in relevant.items():
        items = [item for _, item in sorted(ranked.get(user, []))]
        dcg = sum(1 / math.log2(k + 2) for k, item in enumerate(items[:10]) if item in rel)
        ideal = sum(1 / math.log2(k + 2) for k in range(min(10, len(rel))))
        hits = sum(1 for item in items[:50] if item in rel)
        ndcg += dcg / ideal
        p50 += hits / 50
        r50 += hits / len(rel)
    n = len(relevant)
    print(f"| {label} | {ndcg / n:.4f} | {p50 / n:.4f} | {r50 / n:.4f} | {wall} s |")
PY
