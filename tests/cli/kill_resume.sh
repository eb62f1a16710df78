#!/usr/bin/env bash
# A probe killed with SIGKILL at arbitrary moments, again and again, resumes each time from its last
# checkpoint and ends with the very results of an uninterrupted run (two fine-tuning replicas per
# classifier, pretraining to a target with its rate schedule: both resume too).
# Usage: kill_resume.sh NETSIGHT_CLI WORK_DIR
set -euo pipefail
cli="$1"
work="$2"
rm -rf "$work"
mkdir -p "$work/whole" "$work/killed"
for dir in "$work/whole" "$work/killed"; do
  cat > "$dir/experiment.json" <<'JSON'
{"version": 1, "data": "factorworld:classes=3,size=16,train=2400,val=60,test=60", "seed": 3, "device": "cpu",
 "classifiers": [{"name": "a", "architecture": "resnet-s"}, {"name": "b", "architecture": "grey+resnet-s"}],
 "classifier_training": {"epochs": 3},
 "autoencoder": {"preset": "segnet-tiny", "pretrain_epochs": 4, "finetune_epochs": 3},
 "evaluation": {"test_images": 60, "grid_images": 4, "replicas": 2}}
JSON
done

"$cli" probe "$work/whole" > "$work/whole.log" 2>&1

# Kill each attempt after 0.8 s, 1.1 s, 1.4 s, ... (up to 12 attempts), then let one run to its end; which
# stages were interrupted depends on the machine's speed, and the log says which resumed.
kills=0
finished=0
pid=""
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true' EXIT
for attempt in $(seq 0 11); do
  "$cli" probe "$work/killed" >> "$work/killed.log" 2>&1 &
  pid=$!
  deadline=$(awk -v a="$attempt" 'BEGIN { print 0.8 + 0.3 * a }')
  sleep "$deadline"
  if kill -9 "$pid" 2>/dev/null; then
    wait "$pid" 2>/dev/null || true
    kills=$((kills + 1))
  else
    wait "$pid"  # it had ended by itself: its exit status counts
    finished=1
    break
  fi
done
if [ "$finished" -eq 0 ]; then
  "$cli" probe "$work/killed" >> "$work/killed.log" 2>&1
fi

pid=""
echo "killed $kills times; resumed:"
grep "resuming" "$work/killed.log" || true
if [ "$kills" -lt 2 ]; then
  echo "FAIL: the run was killed only $kills times; the test did not interrupt it" >&2
  exit 1
fi
if ! grep -q "resuming" "$work/killed.log"; then
  echo "FAIL: no stage resumed from a checkpoint (see $work/killed.log)" >&2
  exit 1
fi
for file in results/transfer.csv results/transfer_intervals.csv results/nmi.csv results/order.json; do
  if ! cmp -s "$work/whole/$file" "$work/killed/$file"; then
    echo "FAIL: $file differs between the uninterrupted and the killed run" >&2
    diff "$work/whole/$file" "$work/killed/$file" | head -20 >&2
    exit 1
  fi
done
echo "the killed run ends with the same transfer matrix, NMI and order"
