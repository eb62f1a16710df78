#!/usr/bin/env bash
# The feature visualizer's loop in NetSight (C++) against the same loop in Python PyTorch, side by side,
# same thread count: 128 px channel visualization of resnet-s, Fourier parameterization, Lucid's transforms.
# Usage: benchmarks/compare_viz.sh [BUILD_DIR] [THREADS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../build}"
threads="${2:-$(nproc)}"
ours="$("$build/benchmarks/bench_viz" --benchmark_format=json 2>/dev/null)"
peer="$(/usr/bin/python3 "$here/peers/viz_peer.py" "$threads")"
/usr/bin/python3 - "$ours" "$peer" <<'PY'
import json, sys
ours, peer = json.loads(sys.argv[1]), json.loads(sys.argv[2])
mine = ours["benchmarks"][0]["iterations/s"]
theirs = peer["iterations_per_second"]
print(f"threads: {peer['threads']}")
print(f"128 px channel visualization: NetSight {mine:.1f} it/s, PyTorch {theirs:.1f} it/s, ratio {mine / theirs:.2f}x")
PY
