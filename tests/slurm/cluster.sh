#!/usr/bin/env bash
# A throwaway one-node Slurm cluster on localhost, for tests.
#
#   cluster.sh start STATE_DIR   install slurm-wlm + munge if missing, start munged, slurmctld and slurmd
#                                with all config/state/logs under STATE_DIR, wait for the node to be idle,
#                                then print "export SLURM_CONF=..." (also written to STATE_DIR/env).
#   cluster.sh stop STATE_DIR    stop the daemons started by "start" (via their pid files).
#   cluster.sh status STATE_DIR  print sinfo/squeue for the cluster.
#
# Exit codes: 0 ok, 1 failure (logs printed on stderr), 2 usage, 77 Slurm cannot be installed (a CTest
# SKIP_RETURN_CODE). Nothing under /etc is written, apart from what apt-get itself installs.
set -euo pipefail

usage() { echo "usage: $0 {start|stop|status} STATE_DIR" >&2; exit 2; }
[[ $# -eq 2 ]] || usage
cmd=$1
mkdir -p "$2"
state=$(cd "$2" && pwd -P)
conf=$state/slurm.conf

# Unix socket paths (munge's socket, slurmstepd's sockets in the slurmd spool dir) must fit in
# sun_path (108 bytes); a deep build directory would not, so those live in a short /tmp directory
# that STATE_DIR/run points to.
run_dir() {
  if [[ -L $state/run ]]; then readlink "$state/run"; return; fi
  local d
  if (( ${#state} <= 48 )); then d=$state/run; mkdir -p "$d"
  else d=$(mktemp -d /tmp/nsslurm.XXXXXX); ln -s "$d" "$state/run"; fi
  echo "$d"
}

# Run as root (sudo keeps no environment, hence env).
as_root() { if [[ $(id -u) -eq 0 ]]; then env "$@"; else sudo -n env "$@"; fi; }

install_slurm() {
  local missing=0 b
  for b in munged slurmctld slurmd sbatch squeue sinfo scontrol scancel sacct; do
    command -v "$b" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin command -v "$b" >/dev/null 2>&1 || missing=1
  done
  (( missing )) || return 0
  command -v apt-get >/dev/null 2>&1 || { echo "slurm: cannot install slurm-wlm/munge: no apt-get" >&2; exit 77; }
  if [[ $(id -u) -ne 0 ]] && ! sudo -n true 2>/dev/null; then
    echo "slurm: cannot install slurm-wlm/munge: not root and no passwordless sudo" >&2; exit 77
  fi
  # Wait for the dpkg lock rather than fail when parallel tests install at the same time.
  local log=$state/apt.log pkgs=(slurm-wlm slurm-client munge) opts=(-y -q --no-install-recommends -o DPkg::Lock::Timeout=300)
  # Try with the current package lists first; refresh them once if that fails.
  apt() { as_root DEBIAN_FRONTEND=noninteractive apt-get "$@"; }
  if ! apt install "${opts[@]}" "${pkgs[@]}" >"$log" 2>&1; then
    if ! { apt update -q -o DPkg::Lock::Timeout=300 && apt install "${opts[@]}" "${pkgs[@]}"; } >>"$log" 2>&1; then
      local why; why=$(grep -E '^(E|W):' "$log" | tail -n1 || true)
      echo "slurm: cannot install slurm-wlm/munge: ${why:-apt-get failed, see $log}" >&2
      exit 77
    fi
  fi
}

# A free TCP port pair (p, p+1) in 20000-29999, starting at a random point.
free_ports() {
  local used p i
  used=$(ss -Htan 2>/dev/null | awk '{n=split($4,a,":"); print a[n]}' | sort -u)
  p=$(( 20000 + (RANDOM * 32768 + RANDOM + $$) % 9990 ))
  for (( i = 0; i < 500; i++ )); do
    if ! grep -qxE "$p|$((p + 1))" <<<"$used"; then echo "$p"; return; fi
    p=$(( p + 2 )); (( p < 29998 )) || p=20000
  done
  echo "slurm: no free port pair in 20000-29999" >&2; exit 1
}

dump_logs() {
  local f
  for f in "$state"/log/*.out "$state"/log/*.log; do
    [[ -f $f ]] || continue
    echo "==== $f (last 40 lines)" >&2; tail -n 40 "$f" >&2
  done
}

pid_alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop_pidfiles() {  # stop_pidfiles FILE...: TERM all at once, wait up to 10 s, then KILL
  local f pid i pids=()
  for f in "$@"; do
    [[ -f $f ]] || continue
    pid=$(cat "$f")
    [[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null && pids+=("$pid")
  done
  for pid in "${pids[@]}"; do
    for (( i = 0; i < 100; i++ )); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -f "$@"  # the daemons remove their own on a clean exit
}

# Pids of the slurmstepd processes of this cluster (they inherit SLURM_CONF from slurmd) and of
# everything below them.
our_steps() {
  local p
  for p in $(pgrep -x slurmstepd 2>/dev/null || true); do
    tr '\0' '\n' 2>/dev/null <"/proc/$p/environ" | grep -qxF "SLURM_CONF=$conf" || continue
    echo "$p"; descendants "$p"
  done
}
descendants() { local c; for c in $(pgrep -P "$1" 2>/dev/null || true); do echo "$c"; descendants "$c"; done; }

do_stop() {
  [[ -d $state ]] || return 0
  export PATH=$PATH:/usr/sbin:/sbin SLURM_CONF=$conf
  local i p
  # Cancel this cluster's jobs while the daemons still run, so their steps end cleanly.
  if pid_alive "$state/pid/slurmctld.pid"; then
    timeout 10 scancel -u "$(id -un)" >/dev/null 2>&1 || true
    for (( i = 0; i < 50; i++ )); do [[ -z $(our_steps) ]] && break; sleep 0.2; done
  fi
  stop_pidfiles "$state/pid/slurmd.pid" "$state/pid/slurmctld.pid" "$state/pid/munged.pid"
  # Steps outlive slurmd by design: kill whatever is left of ours.
  for p in $(our_steps); do kill -KILL "$p" 2>/dev/null || true; done
  # Remove the short /tmp run directory, if one was made.
  if [[ -L $state/run ]]; then rm -rf "$(readlink "$state/run")"; rm -f "$state/run"; fi
}

do_start() {
  install_slurm
  export PATH=$PATH:/usr/sbin:/sbin
  if pid_alive "$state/pid/slurmctld.pid" && pid_alive "$state/pid/slurmd.pid"; then
    echo "export SLURM_CONF=$conf"; return 0  # already running
  fi
  do_stop
  local rd user host ports cport dport nodeline
  rd=$(run_dir)
  mkdir -p "$state/log" "$state/pid" "$state/ctld" "$state/munge" "$rd/slurmd" "$rd/munge"
  chmod 0700 "$state/munge"  # key and seed: private
  chmod 0755 "$rd/munge"     # socket: reachable by every user (munged warns otherwise)
  user=$(id -un)
  host=$(hostname -s 2>/dev/null || uname -n); host=${host%%.*}

  # munged, on a private socket and key.
  local key=$state/munge/munge.key sock=$rd/munge/munge.socket
  [[ -f $key ]] || { head -c 1024 /dev/urandom >"$key"; chmod 0400 "$key"; }
  # Daemons get their own stdio: a caller reading our stdout through a pipe ($(...), popen) would
  # otherwise wait for them to exit. Errors before a daemon opens its log land in log/*.out.
  munged --socket="$sock" --key-file="$key" --pid-file="$state/pid/munged.pid" \
         --log-file="$state/log/munged.log" --seed-file="$state/munge/munged.seed" --force \
         </dev/null >"$state/log/munged.out" 2>&1 || { echo "slurm: munged failed to start" >&2; dump_logs; exit 1; }

  # Node line from the real hardware (CPUs, sockets, cores, threads, memory).
  nodeline=$(slurmd -C | head -n1 | sed -E 's/^NodeName=[^ ]+ //; s/ UpTime=.*//')
  ports=$(free_ports); cport=$ports; dport=$((ports + 1))

  cat >"$conf" <<EOF
# Generated by tests/slurm/cluster.sh: a one-node test cluster.
ClusterName=netsight
SlurmctldHost=${host}(127.0.0.1)
SlurmctldPort=${cport}
SlurmdPort=${dport}
SlurmUser=${user}
SlurmdUser=${user}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=${sock}
StateSaveLocation=${state}/ctld
SlurmdSpoolDir=${rd}/slurmd
SlurmctldPidFile=${state}/pid/slurmctld.pid
SlurmdPidFile=${state}/pid/slurmd.pid
SlurmctldLogFile=${state}/log/slurmctld.log
SlurmdLogFile=${state}/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# No systemd/cgroups in containers.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
SwitchType=switch/none
MailProg=/bin/true
# No slurmdbd: sacct has nothing to read; finished jobs stay visible to "scontrol show job" for
# MinJobAge seconds, and every finished job is appended to jobcomp.txt.
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=${state}/jobcomp.txt
MinJobAge=600
SchedulerType=sched/backfill
SchedulerParameters=bf_interval=1
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
KillWait=5
SlurmdTimeout=60
NodeName=${host} NodeAddr=127.0.0.1 NodeHostname=${host} ${nodeline} State=UNKNOWN
PartitionName=debug Nodes=${host} Default=YES MaxTime=INFINITE State=UP
EOF
  # Slurm 24 (Debian 13) has slurmd load its cgroup plugin whatever the proctrack and task plugins, and
  # fail where no cgroup file system is mounted (a chroot, many containers): this test cluster needs none.
  # Slurm 22.05 (Debian 12) does not know "disabled" and does not need it.
  local major
  major=$(slurmd -V 2>/dev/null | sed -nE 's/^slurm(-wlm)? ([0-9]+)\..*/\2/p')
  if [[ -n $major ]] && (( major >= 24 )); then
    echo "CgroupPlugin=disabled" >"$(dirname "$conf")/cgroup.conf"
  fi
  export SLURM_CONF=$conf
  echo "export SLURM_CONF=$conf" >"$state/env"

  slurmctld -f "$conf" </dev/null >"$state/log/slurmctld.out" 2>&1 || { echo "slurm: slurmctld failed to start" >&2; dump_logs; exit 1; }
  slurmd -f "$conf" </dev/null >"$state/log/slurmd.out" 2>&1 || { echo "slurm: slurmd failed to start" >&2; dump_logs; exit 1; }

  # Wait for the node to be idle.
  local i st=""
  for (( i = 0; i < 120; i++ )); do
    st=$(sinfo -h -N -o %t 2>/dev/null | head -n1 || true)
    [[ $st == idle ]] && break
    # A node left "down"/"drain" from an earlier run in the same STATE_DIR: resume it.
    if [[ $st == down* || $st == drain* ]]; then scontrol update nodename="$host" state=resume >/dev/null 2>&1 || true; fi
    sleep 0.5
  done
  if [[ $st != idle ]]; then
    echo "slurm: node not idle after 60 s (state '${st}')" >&2; dump_logs; do_stop; exit 1
  fi
  echo "export SLURM_CONF=$conf"
}

case $cmd in
  start) do_start ;;
  stop) do_stop ;;
  status) export SLURM_CONF=$conf PATH=$PATH:/usr/sbin:/sbin; sinfo; squeue ;;
  *) usage ;;
esac
