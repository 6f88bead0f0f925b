#!/usr/bin/env bash
# Generates CURVE key material and prints the Kubernetes Secrets that workers.yaml and
# coordinator.yaml mount (pipe into `kubectl apply -f -`). Keeps the keys in KEYS_DIR (default
# ./efficientrec-keys) so clients can use keys/client.key and keys/coordinator.pub.
set -euo pipefail
bin=${EFFICIENTREC_BIN:-efficientrec}
dir=${KEYS_DIR:-efficientrec-keys}
mkdir -p "$dir"
for name in worker coordinator client; do
  [ -f "$dir/$name.key" ] || "$bin" keys generate --out "$dir/$name" >&2
done
secret() { # name, then file paths
  local name=$1; shift
  kubectl create secret generic "$name" $(for f in "$@"; do printf -- "--from-file=%s " "$f"; done) --dry-run=client -o yaml
  echo "---"
}
secret efficientrec-worker-keys "$dir/worker.key"
secret efficientrec-worker-public-key "$dir/worker.pub"
secret efficientrec-coordinator-keys "$dir/coordinator.key"
secret efficientrec-coordinator-public-key "$dir/coordinator.pub"
secret efficientrec-client-public-keys "$dir/client.pub"
