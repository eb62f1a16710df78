#!/usr/bin/env bash
# The fine-tuning step at the paper's scale, NetSight against Python PyTorch, same threads: segnet-vgg16
# through a frozen torchvision ResNet-50 at 224 px (batch 16), and segnet-small at 128 px. Exports the
# ResNet-50 (random weights; scripted) with tools/export_torchvision.py first.
# Usage: benchmarks/compare_paper.sh [BUILD_DIR] [THREADS] [STEPS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../build}"
threads="${2:-$(nproc)}"
steps="${3:-3}"
model="$build/benchmarks/resnet50-scripted.pt"
[ -f "$model" ] || /usr/bin/python3 "$here/../tools/export_torchvision.py" resnet50 -o "$model" >/dev/null
tunables="glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=536870912"  # NetSight's allocator policy
for case in "segnet-vgg16 224 16" "segnet-small 128 16"; do
  set -- $case
  ours="$("$build/benchmarks/bench_paper" "$model" --preset "$1" --size "$2" --batch "$3" --steps "$steps" --threads "$threads")"
  peer="$(GLIBC_TUNABLES=$tunables /usr/bin/python3 "$here/peers/paper_peer.py" "$threads" "$1" "$2" "$3" "$steps")"
  /usr/bin/python3 - "$ours" "$peer" <<'PY'
import json, sys
ours, peer = json.loads(sys.argv[1]), json.loads(sys.argv[2])
flops = peer["flops_per_image"]
mine, theirs = ours["images_per_second"], peer["images_per_second"]
ceiling = peer["conv_gflops"]
print(f"{ours['preset']} at {ours['size']} px, batch {ours['batch']}, ResNet-50, {ours['threads']} threads: "
      f"{flops / 1e9:.1f} GFLOP per image")
print(f"  NetSight {mine:.2f} images/s ({mine * flops / 1e9:.0f} GFLOP/s, {mine * flops / 1e9 / ceiling:.0%} of the "
      f"{ceiling:.0f} GFLOP/s conv ceiling), peak RSS {ours['peak_rss_mb']:.0f} MB")
print(f"  PyTorch  {theirs:.2f} images/s ({theirs * flops / 1e9:.0f} GFLOP/s, {theirs * flops / 1e9 / ceiling:.0%}), "
      f"peak RSS {peer['peak_rss_mb']:.0f} MB (with NetSight's allocator policy)")
print(f"  ratio {mine / theirs:.2f}x")
PY
done
