#!/usr/bin/env bash
# Attribution in NetSight (C++) against the same methods in Python PyTorch with hooks, side by side, same
# thread count: Grad-CAM and integrated gradients (32 steps) on torchvision's ResNet-18 at 224 px, batch 16
# (the same weights: exported here with random weights, nothing is downloaded). Then integrated gradients with
# 200 steps on ResNet-50 at 224 px through netsight-cli, with its peak resident memory next to 50 steps (bounded
# memory: the path goes through the network --max-batch points at a time), and the dataset summary's throughput
# (attribute on 64 FactorWorld test images, four methods with every check, on a resnet-s trained for it).
# Usage: benchmarks/compare_attribution.sh [BUILD_DIR] [THREADS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../build}"
threads="${2:-$(nproc)}"
cli="$build/app/netsight-cli"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 "$here/../tools/export_torchvision.py" resnet18 -o "$work/r18.pt" --mode script --classes 10 \
  --size 224 >/dev/null
ours="$(NETSIGHT_BENCH_R18="$work/r18.pt" "$build/benchmarks/bench_attribution" --benchmark_format=json 2>/dev/null)"
peer="$(/usr/bin/python3 "$here/peers/attribution_peer.py" "$threads" "$work/r18.pt")"
/usr/bin/python3 - "$ours" "$peer" <<'PY'
import json, sys
ours, peer = json.loads(sys.argv[1]), json.loads(sys.argv[2])
rates = {b["name"].split("/")[0]: b["images/s"] for b in ours["benchmarks"]}
print(f"threads: {peer['threads']}")
for name, key in (("BM_GradCamResnet18", "grad-cam"), ("BM_IntegratedGradientsResnet18", "integrated-gradients")):
    mine, theirs = rates[name], peer[key]
    print(f"{key}, ResNet-18 224 px, batch 16: NetSight {1000 / mine:.1f} ms/image, PyTorch with hooks "
          f"{1000 / theirs:.1f} ms/image, ratio {mine / theirs:.2f}x")
PY

# Integrated gradients on ResNet-50: peak memory at 50 and 200 steps, 16 path points per pass.
/usr/bin/python3 "$here/../tools/export_torchvision.py" resnet50 -o "$work/r50.pt" --mode script --classes 10 \
  --size 224 >/dev/null
/usr/bin/python3 -c "
from PIL import Image; import numpy as np
Image.fromarray((np.random.default_rng(0).random((224, 224, 3)) * 255).astype('uint8')).save('$work/x.png')"
for steps in 50 200; do
  /usr/bin/time -f "%e %M" -o "$work/time" "$cli" attribute "$work/r50.pt" --image "$work/x.png" --method ig \
    --steps "$steps" --max-batch 16 --no-curves --no-randomization -o "$work/ig$steps" >/dev/null 2>&1
  read -r seconds kb <"$work/time"
  echo "integrated gradients, ResNet-50 224 px, $steps steps (16 per pass): $seconds s, peak RSS $((kb / 1024)) MiB"
done

# The dataset summary's throughput.
data="factorworld:classes=10,size=32,train=1000,val=200,test=200"
"$cli" train resnet-s --data "$data" -o "$work/clf.nsm" --epochs 2 >/dev/null 2>&1
/usr/bin/time -f "%e" -o "$work/time" "$cli" attribute "$work/clf.nsm" --data "$data" --count 64 \
  -o "$work/summary" >/dev/null 2>&1
seconds="$(cat "$work/time")"
python3 -c "print(f'dataset summary, resnet-s 32 px, 64 images, grad-cam + integrated gradients + smoothgrad + occlusion with every check: {64 / $seconds:.1f} images/s ($seconds s)')"
