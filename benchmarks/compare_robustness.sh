#!/usr/bin/env bash
# PGD (10 steps, L-infinity) in NetSight (C++) against the same loop in Python PyTorch, side by side, same
# thread count: resnet-s at 32 px (batch 64) and torchvision's ResNet-18 at 224 px (batch 16, the very same
# TorchScript file for both, exported here with random weights: nothing is downloaded).
# Usage: benchmarks/compare_robustness.sh [BUILD_DIR] [THREADS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../build}"
threads="${2:-$(nproc)}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 "$here/../tools/export_torchvision.py" resnet18 -o "$work/r18.pt" --mode script --classes 10 \
  --size 224 >/dev/null
ours="$(NETSIGHT_BENCH_R18="$work/r18.pt" "$build/benchmarks/bench_robustness" --benchmark_format=json 2>/dev/null)"
peer="$(/usr/bin/python3 "$here/peers/robustness_peer.py" "$threads" "$work/r18.pt")"
/usr/bin/python3 - "$ours" "$peer" <<'PY'
import json, sys
ours, peer = json.loads(sys.argv[1]), json.loads(sys.argv[2])
rates = {b["name"].split("/")[0]: b["images/s"] for b in ours["benchmarks"]}
print(f"threads: {peer['threads']}")
for name, key, label in (("BM_PgdResnetS", "resnet-s", "resnet-s 32 px, batch 64"),
                         ("BM_PgdResnet18", "resnet18", "ResNet-18 224 px, batch 16")):
    mine, theirs = rates[name], peer[key]
    print(f"PGD-10 L-inf, {label}: NetSight {mine:.1f} images/s, PyTorch {theirs:.1f} images/s, "
          f"ratio {mine / theirs:.2f}x")
PY
