# Shared by the deploy/ test scripts (sourced from the repository root, not run):
# the binary, a fallback model when none is given, and waiting for a process to listen.

# Sets $bin to the efficientrec binary (absolute path), building the release binary when missing.
er_binary() {
  bin=${EFFICIENTREC_BIN:-.build/release/efficientrec}
  case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
  [ -x "$bin" ] || swift build -c release --product efficientrec >&2
}

# er_fallback_models WORK SEED...: generates a small dataset in WORK/data and trains one model per
# seed (WORK/model-SEED.efr); sets $fallback_histories.
er_fallback_models() {
  local work=$1; shift
  echo "$(basename "$0"): no model given; generating data and training in $work" >&2
  "$bin" generate --users 2000 --items 400 --groups 6 --out "$work/data" --seed 3 >&2
  local seed
  for seed in "$@"; do
    "$bin" train --interactions "$work/data/interactions.tsv" --out "$work/model-$seed.efr" \
      --epochs 20 --sparse-epochs 5 --seed "$seed" >&2
  done
  fallback_histories=$work/data/interactions.tsv
}

# er_model_and_histories WORK [MODEL HISTORIES]: sets $model and $histories to the files given, or
# (none given) to a generated dataset in WORK and a model trained on it.
er_model_and_histories() {
  local work=$1
  model=${2:-}
  histories=${3:-}
  if [ -z "$model" ]; then
    er_fallback_models "$work" 1
    model=$work/model-1.efr
    histories=$fallback_histories
  fi
  [ -n "$histories" ] || { echo "$(basename "$0"): give HISTORIES with MODEL" >&2; exit 2; }
}

# er_wait_listening FILE: waits up to 15 s for a worker's or coordinator's "listening on" line.
er_wait_listening() {
  local _
  for _ in $(seq 1 300); do
    grep -q "listening on" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "$(basename "$0"): no 'listening on' in $1 after 15 s" >&2
  return 1
}

# er_bench_line FILE: bench's report line ("N requests in T s: ...") from its output, which may
# also quote error messages.
er_bench_line() {
  grep -E '^[0-9]+ requests in [0-9.]+ s:' "$1"
}

# er_start_cluster MODEL SHARDS WORK: starts `cluster` on loopback (ports the kernel picks), its
# output in WORK/cluster.log; sets $cluster (its PID) and $endpoint (the coordinator) once it
# listens, or exits with its errors.
er_start_cluster() {
  "$bin" cluster --model "$1" --shards "$2" --port 0 > "$3/cluster.log" 2> "$3/cluster.err" &
  cluster=$!
  local _
  for _ in $(seq 1 600); do
    grep -q "^coordinator: tcp" "$3/cluster.log" 2>/dev/null && break
    kill -0 "$cluster" 2>/dev/null || { cat "$3/cluster.err" >&2; exit 1; }
    sleep 0.1
  done
  endpoint=$(grep "^coordinator: tcp" "$3/cluster.log" | awk '{print $2}')
  [ -n "$endpoint" ] || { echo "$(basename "$0"): the cluster did not start" >&2; exit 1; }
}
