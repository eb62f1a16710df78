#!/usr/bin/env bash
# The probe's hot loops in NetSight (C++) against Python peers, side by side, same thread count:
# the fine-tuning step (images/s), a large 3x3 convolution (GFLOP/s, the CPU's practical ceiling) and
# NMI (pairs/s against scikit-image, from Debian's python3-skimage).
# Usage: benchmarks/compare_probe.sh [BUILD_DIR] [THREADS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../build}"
threads="${2:-$(nproc)}"
ours="$("$build/benchmarks/bench_probe" --benchmark_format=json 2>/dev/null)"
peer="$(/usr/bin/python3 "$here/peers/probe_peer.py" "$threads")"
# The peer again with the allocator policy NetSight sets for itself (runtime::configureAllocator: large
# blocks from the heap, 512 MB of freed heap kept), for a like-for-like reading.
peer_heap="$(GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=536870912 \
             /usr/bin/python3 "$here/peers/probe_peer.py" "$threads")"
/usr/bin/python3 - "$ours" "$peer" "$peer_heap" <<'PY'
import json, sys
ours, peer, peer_heap = json.loads(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[3])
by_name = {"/".join(b["name"].split("/")[:2]): b for b in ours["benchmarks"]}
mine = by_name["BM_FinetuneStep/0"]["images/s"]
theirs = peer["finetune_images_per_second"]
print(f"threads: {peer['threads']}")
print(f"fine-tuning step (64x64, batch 64): NetSight {mine:.1f} images/s, PyTorch {theirs:.1f}, ratio {mine / theirs:.2f}x "
      f"(target 1.3x, {'met' if mine / theirs >= 1.3 else 'NOT MET'})")
heap = peer_heap["finetune_images_per_second"]
print(f"  PyTorch run with NetSight's allocator policy (GLIBC_TUNABLES): {heap:.1f} images/s, ratio {mine / heap:.2f}x")
ceiling = by_name['BM_Conv3x3/0']['GFLOP/s']
print(f"3x3 conv ceiling: NetSight {ceiling:.0f} GFLOP/s, PyTorch {peer['conv_gflops']:.0f} GFLOP/s")
# The step's arithmetic (same network in both): encoder forward, decoder forward + backward, classifier
# forward + backward to its input, counted on the peer's modules.
per_image = peer["finetune_step_flops"] / 64
print(f"fine-tuning step: {per_image / 1e9:.2f} GFLOP per image -> NetSight {mine * per_image / 1e9:.0f} GFLOP/s "
      f"({mine * per_image / 1e9 / ceiling:.0%} of the conv ceiling), PyTorch {theirs * per_image / 1e9:.0f} GFLOP/s "
      f"({theirs * per_image / 1e9 / peer['conv_gflops']:.0%} of its ceiling)")
for bins in ("256", "100"):
    mine = by_name[f"BM_Nmi/{bins}"]["pairs/s"]
    theirs = peer["nmi_pairs_per_second"][bins]
    if theirs is None:
        print(f"NMI ({bins} bins): NetSight {mine:.0f} pairs/s; scikit-image missing (apt-get install python3-skimage)")
    else:
        print(f"NMI ({bins} bins): NetSight {mine:.0f} pairs/s, scikit-image {theirs:.0f}, ratio {mine / theirs:.1f}x")
PY
