#!/usr/bin/env bash
# Training throughput of resnet-s: NetSight (C++) against the same step in Python PyTorch, side by side
# in one run with the same thread count. Usage: benchmarks/compare_train.sh [BUILD_DIR] [THREADS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../build}"
threads="${2:-$(nproc)}"
ours="$("$build/benchmarks/bench_train" --benchmark_format=json 2>/dev/null)"
peer="$(/usr/bin/python3 "$here/peers/train_resnet_s.py" "$threads")"
/usr/bin/python3 - "$ours" "$peer" "$threads" <<'PY'
import json, sys
ours, peer, threads = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
print(f"resnet-s training step, batch 64, {threads} threads (images/s, higher is better)")
print(f"{'size':>6} {'NetSight C++':>14} {'PyTorch':>10} {'ratio':>7}")
for bench in ours["benchmarks"]:
    size = bench["name"].split("/")[1]
    mine = bench["images/s"]
    theirs = peer[size]["images_per_second"]
    print(f"{size:>6} {mine:14.0f} {theirs:10.0f} {mine / theirs:7.2f}x")
PY
