#!/usr/bin/env bash
# Builds clients/swift/main.swift as a package outside this repository, in a temporary folder with
# a path dependency on it (the `EfficientRecClient` library product only), starts a 2-shard
# cluster on a model trained on MovieLens-100K, and checks that the program's answers equal
# `efficientrec query`'s for a few histories. Run by deploy/test.sh after `swift build`.
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/lib/common.sh
repo=$(pwd)
bin=${EFFICIENTREC_BIN:-$repo/.build/debug/efficientrec}
work=$(mktemp -d)
cluster=""
cleanup() { [ -n "$cluster" ] && { kill -TERM "$cluster" 2>/dev/null; wait "$cluster" 2>/dev/null || true; }; rm -rf "$work"; }
trap cleanup EXIT

mkdir -p "$work/example/Sources/recommend-example"
cp clients/swift/main.swift "$work/example/Sources/recommend-example/main.swift"
cat > "$work/example/Package.swift" <<PACKAGE
// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "recommend-example",
    platforms: [.macOS(.v14)],
    dependencies: [.package(path: "$repo")],
    targets: [
        .executableTarget(name: "recommend-example", dependencies: [
            .product(name: "EfficientRecClient", package: "$(basename "$repo")"),
        ]),
    ]
)
PACKAGE
echo "== building a package outside the repository against EfficientRecClient" >&2
swift build --package-path "$work/example" --scratch-path "$work/example/.build" >&2
example=$work/example/.build/debug/recommend-example

echo "== training a small model and starting a 2-shard cluster" >&2
"$bin" train --interactions data/ml-100k/ml-100k.inter --out "$work/model.efr" --epochs 2 --clusters 60 --seed 3 >/dev/null 2>&1
er_start_cluster "$work/model.efr" 2 "$work"

status=0
for history in "50:5,172:5,181:4" "1:5,2:3" "98:4,127:5,174:5,195:2" "99999:5"; do
  "$example" "$endpoint" "$history" 10 > "$work/example.tsv"
  "$bin" query --coordinator "$endpoint" --history "$history" -k 10 > "$work/query.tsv" 2>/dev/null
  if cmp -s "$work/example.tsv" "$work/query.tsv" && [ "$(wc -l < "$work/example.tsv")" -eq 11 ]; then
    echo "same answer as query for $history" >&2
  else
    echo "test-swift-client: different answers for $history" >&2
    diff "$work/example.tsv" "$work/query.tsv" >&2 || true
    status=1
  fi
done
[ $status -eq 0 ] && echo "swift client package test: PASSED" || echo "swift client package test: FAILED"
exit $status
