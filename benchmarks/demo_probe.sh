#!/usr/bin/env bash
# The demo's probe from nothing and with the pretrained autoencoder reused (issue 15): wall times, the
# pretrained AE's PSNR and accuracy ratios, and whether every relation of the order is significant.
# Usage: benchmarks/demo_probe.sh [BUILD_DIR] [REPLICAS]   (defaults: build, 3)
set -euo pipefail
build=${1:-build}
replicas=${2:-3}
cli="$build/app/netsight-cli"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export NETSIGHT_AUTOENCODER_CACHE="$work/cache"

summary() {  # FOLDER TIME LABEL
    python3 - "$1" "$2" "$3" <<'PY'
import json, sys
folder, seconds, label = sys.argv[1], float(sys.argv[2]), sys.argv[3]
s = json.load(open(folder + "/results/summary.json"))
q = s.get("pretrained_quality", {})
u = s.get("uncertainty", {})
rel = u.get("relations", [])
sig = sum(1 for r in rel if r["significant"])
agree = ", ".join(f'{r["above"]}>{r["below"]} {r["replicas_agreeing"]}/{r["replicas"]} p={r["p_holm"]:.3g}' for r in rel)
ratios = ", ".join(f"{c} {x:.2f}" for c, x in zip(s["classifiers"], q.get("accuracy_ratio", [])))
print(f"{label}: {seconds:.0f} s; pretrained AE {q.get('psnr', 0):.2f} dB, SSIM {q.get('ssim', 0):.3f}, "
      f"{q.get('epochs', 0)} epochs ({q.get('stopped', '')}); ratios {ratios}")
print(f"  {sig} of {len(rel)} relations significant; order established: {u.get('total')}; {agree}")
PY
}

for label in "from nothing" "with the reused AE"; do
    folder="$work/demo-${label// /-}"
    mkdir -p "$folder"
    # The demo's experiment (demoProbeSpec: the data and the four classifiers; every other field its
    # default), with evaluation.replicas set.
    python3 - "$folder/experiment.json" "$replicas" <<'PY'
import json, sys
path, replicas = sys.argv[1], int(sys.argv[2])
spec = {"version": 1, "data": "factorworld:classes=5,size=32,train=2000,val=400,test=400",
        "classifiers": [{"name": "resnet", "architecture": "resnet-s"}, {"name": "vgg", "architecture": "vgg-s"},
                        {"name": "grey", "architecture": "grey+resnet-s"},
                        {"name": "lowpass", "architecture": "lowpass+resnet-s"}],
        "evaluation": {"replicas": replicas}}
json.dump(spec, open(path, "w"), indent=2)
PY
    start=$(date +%s.%N)
    "$cli" probe "$folder" >"$folder.log" 2>&1 || { tail -20 "$folder.log"; exit 1; }
    end=$(date +%s.%N)
    summary "$folder" "$(echo "$end - $start" | bc)" "$label"
done
