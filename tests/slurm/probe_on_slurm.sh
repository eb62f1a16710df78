#!/usr/bin/env bash
# The probe on a real one-node Slurm cluster (slurmctld, slurmd and munged on localhost, started here):
# `probe DIR --slurm` submits the stages as jobs with dependencies, `--status` shows them, a failed task is
# resubmitted alone by running --slurm again, every stage is trained once, and the results are those of the
# measuring job. Exit 77 (skipped) only when Slurm cannot be installed.
# Usage: probe_on_slurm.sh NETSIGHT_CLI WORK_DIR
set -euo pipefail
cli="$1"
work="$2"
here="$(cd "$(dirname "$0")" && pwd)"
rm -rf "$work"
mkdir -p "$work"
state="$work/cluster"
dir="$work/experiment"

set +e
env_line="$("$here/cluster.sh" start "$state")"
code=$?
set -e
if [ "$code" -eq 77 ]; then
  echo "SKIPPED: Slurm cannot be installed here (see above)"
  exit 77
fi
[ "$code" -eq 0 ] || { echo "FAIL: the one-node cluster did not start"; exit 1; }
eval "$env_line"
export NETSIGHT_AUTOENCODER_CACHE=off
trap '"$here/cluster.sh" stop "$state" >/dev/null 2>&1 || true' EXIT

fail() {
  echo "FAIL: $*"
  echo "--- status"; "$cli" probe "$dir" --status || true
  echo "--- squeue"; squeue -t all || true
  for log in "$dir"/slurm/logs/*; do [ -f "$log" ] && { echo "--- $log"; tail -n 20 "$log"; }; done
  exit 1
}

mkdir -p "$dir"
cat > "$dir/experiment.json" <<'JSON'
{"version": 1, "data": "factorworld:classes=3,size=16,train=300,val=60,test=60", "seed": 3, "device": "cpu",
 "classifiers": [{"name": "a", "architecture": "resnet-s"}, {"name": "b", "architecture": "grey+resnet-s"}],
 "classifier_training": {"epochs": 1},
 "autoencoder": {"preset": "segnet-tiny", "pretrain_epochs": 2, "finetune_epochs": 1},
 "evaluation": {"test_images": 60, "grid_images": 4, "replicas": 2}}
JSON

# Wait (at most 10 minutes: a hang, not a speed limit) until no job of the experiment is pending or running.
wait_idle() {
  local status
  for _ in $(seq 1 600); do
    status="$("$cli" probe "$dir" --status)"
    if ! grep -Eq ' (RUNNING|CONFIGURING|COMPLETING) ' <<<"$status" &&
       ! grep ' PENDING ' <<<"$status" | grep -vq DependencyNeverSatisfied; then
      return 0
    fi
    sleep 1
  done
  fail "the jobs did not finish within 10 minutes"
}

# 1. Submit held, so that one fine-tuning can be cancelled before it runs: the failure to recover from.
"$cli" probe "$dir" --slurm --partition debug --sbatch-arg=--hold > "$work/submit1.log" 2>&1 || {
  cat "$work/submit1.log"; fail "the first submission failed"; }
cat "$work/submit1.log"
for stage in "train a" "train b" "pretrain" "fine-tune a (replica 1)" "fine-tune a (replica 2)" \
             "fine-tune b (replica 1)" "fine-tune b (replica 2)" "measure"; do
  grep -q "^$stage " <(sed 's/  */ /g' "$work/submit1.log") || fail "stage '$stage' was not submitted"
done
victim="$(grep '^fine-tune b (replica 2)' "$work/submit1.log" | awk '{print $5}')"
[ -n "$victim" ] || fail "no job id for fine-tune b (replica 2)"
scancel "$victim"
for job in $(squeue -h -o '%A' -t PENDING); do scontrol release "$job" 2>/dev/null || true; done
wait_idle

"$cli" probe "$dir" --status > "$work/status1.log"
cat "$work/status1.log"
# Cancelled while pending, the task is gone from the controller (and there is no accounting database here):
# shown as lost and not done. With slurmdbd, sacct would name it CANCELLED.
grep '^fine-tune b (replica 2)' "$work/status1.log" | grep -Eq 'CANCELLED|Slurm lost it, not done' ||
  fail "the cancelled task is not shown as failed"
grep -q 'did not finish' "$work/status1.log" || fail "no hint to resubmit"
grep '^fine-tune a (replica 2)' "$work/status1.log" | grep -q 'COMPLETED.*done' || fail "fine-tune a (replica 2) did not complete"
grep '^measure' "$work/status1.log" | grep -q DependencyNeverSatisfied || fail "measure should wait on the failed task"
[ ! -f "$dir/results/summary.json" ] || fail "measured without every fine-tuning"

# 2. Resubmit: only the failed task (alone, as its array index) and a new measuring job.
"$cli" probe "$dir" --slurm --partition debug > "$work/submit2.log" 2>&1 || { cat "$work/submit2.log"; fail "resubmission failed"; }
cat "$work/submit2.log"
grep -q "submitted 2 Slurm job" "$work/submit2.log" || fail "expected exactly 2 jobs resubmitted"
grep '^fine-tune b (replica 2)' "$work/submit2.log" | grep -q 'submitted now' || fail "the failed task was not resubmitted"
grep '^measure' "$work/submit2.log" | grep -q 'submitted now' || fail "no new measuring job"
wait_idle

"$cli" probe "$dir" --status > "$work/status2.log"
cat "$work/status2.log"
[ "$(grep -c 'COMPLETED.*done' "$work/status2.log")" -eq 8 ] || fail "not every stage completed"
[ -f "$dir/results/summary.json" ] && [ -f "$dir/results/transfer.csv" ] || fail "no results"
# Every stage trained once: one job each for the classifiers and the pretraining, and the fine-tuning tasks
# found them ready (they would fail, not train, otherwise).
[ "$(grep -c '"stage": "train a"' "$dir/slurm/jobs.json")" -eq 1 ] || fail "classifier a submitted twice"
[ "$(grep -c '"stage": "pretrain"' "$dir/slurm/jobs.json")" -eq 1 ] || fail "pretraining submitted twice"
if grep -l "training classifier" "$dir"/slurm/logs/netsight-finetune-* 2>/dev/null | grep -q .; then
  fail "a fine-tuning task trained a shared stage"
fi
# 3. Nothing left to do, the measuring included.
"$cli" probe "$dir" --slurm --partition debug > "$work/submit3.log" 2>&1
grep -q "nothing to submit" "$work/submit3.log" || { cat "$work/submit3.log"; fail "resubmitted finished work"; }
echo "PASS: probe on Slurm (8 stages, one failed task resubmitted alone)"
