#!/usr/bin/env bash
# Builds this tree and runs its core tests against Debian 13 "trixie" (LibTorch 2.6 from libtorch-dev,
# Qt 6.8, GCC 14, CMake 3.31) in a trixie root made with debootstrap, beside the Debian 12 this project
# is developed on (LibTorch 1.13, Qt 6.4).
#
#   tools/libtorch2-check.sh [--prepare] [ROOT_DIR]      (as root; default ROOT_DIR /var/tmp/netsight-trixie)
#
# 1. installs debootstrap on the host if it is missing;
# 2. makes the trixie root (minbase, from the host's Debian mirror) unless a finished one is there
#    (ROOT_DIR/.netsight-root-complete); a half-made one of ours is wiped and made again;
# 3. mounts /proc, /dev, /dev/pts, /dev/shm and /sys into it, unmounted again on exit;
# 4. copies the working tree (tracked and untracked files that git does not ignore, uncommitted changes
#    included) to ROOT_DIR/netsight/src; the build folder ROOT_DIR/netsight/build is kept between runs;
# 5. checks that every package tools/setup.sh installs exists in trixie under that name, then runs
#    `tools/setup.sh build` in the root (which installs what is missing) and CTest on the core tests:
#    everything but the UI suites (tests/ui), the .deb check (package_deb) and the formatting check
#    (clang_format: trixie's clang-format 19 formats differently from the clang-format 14 the tree is
#    kept with); exits with CTest's status;
# 6. prints one summary line.
# --prepare stops after the packages are installed (no configure, no compile): the root is then ready.
#
# Environment: NETSIGHT_DEBIAN_MIRROR (default: the host's, else http://deb.debian.org/debian),
# NETSIGHT_CTEST_EXCLUDE (a regex of more tests to leave out, e.g. "ProbeScience|cli_kill_resume"),
# NETSIGHT_CTEST_ARGS (more ctest arguments, e.g. "-R Zoo"; not -E, which would replace the default
# exclusion: use NETSIGHT_CTEST_EXCLUDE), NETSIGHT_NICE=1 (build and test at nice 19).
# Build and tests run with CI=true and QT_QPA_PLATFORM=offscreen.
set -euo pipefail

prog="libtorch2-check"
say() { echo "$prog: $*"; }
die() { echo "$prog: error: $*" >&2; exit 2; }

prepare_only=0
root_arg=""
for arg in "$@"; do
  case "$arg" in
    --prepare) prepare_only=1 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    -*) die "unknown option $arg (usage: tools/libtorch2-check.sh [--prepare] [ROOT_DIR])" ;;
    *) [ -z "$root_arg" ] || die "one ROOT_DIR only"; root_arg="$arg" ;;
  esac
done

repo="$(cd "$(dirname "$0")/.." && pwd -P)"
suite=trixie

if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || die "debootstrap, mount and chroot need root"
  exec sudo -E "$0" "$@"
fi

# --- ROOT_DIR, and the guards that keep every rm inside it ---------------------------------------------
root="$(realpath -m -- "${root_arg:-/var/tmp/netsight-trixie}")"
case "$root" in
  /|/bin|/boot|/dev|/etc|/home|/lib|/lib32|/lib64|/media|/mnt|/opt|/proc|/root|/run|/sbin|/srv|/sys|/tmp|\
  /usr|/usr/*|/var|/var/tmp|/var/lib|/var/cache|/work)
    die "refusing ROOT_DIR=$root (a system folder); give a folder of its own, e.g. /var/tmp/netsight-trixie" ;;
esac
case "$repo/" in "$root"/*) die "refusing ROOT_DIR=$root: it holds the source tree $repo" ;; esac
case "$root/" in "$repo"/*) die "refusing ROOT_DIR=$root: it lies inside the source tree $repo" ;; esac

complete_marker="$root/.netsight-root-complete"
partial_marker="$root/.netsight-root-incomplete"

# Removes a path only if it lies strictly inside ROOT_DIR, never crossing into another file system (a
# mount that was left behind).
remove_inside_root() {
  local target
  target="$(realpath -m -- "$1")"
  case "$target" in
    "$root"/?*) rm -rf --one-file-system -- "$target" ;;
    *) die "internal: will not remove $target (outside $root)" ;;
  esac
}

# Mount points under ROOT_DIR, deepest first.
mounts_under_root() {
  awk -v r="$root/" '{ gsub(/\\040/, " ", $5); if (index($5 "/", r) == 1) print $5 }' /proc/self/mountinfo |
    sort -r
}

unmount_all() {
  local m
  while IFS= read -r m; do
    [ -n "$m" ] || continue
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || echo "$prog: warning: could not unmount $m" >&2
  done < <(mounts_under_root)
}

# --- 1. debootstrap on the host ---------------------------------------------------------------------------
if ! command -v debootstrap >/dev/null; then
  say "installing debootstrap on the host"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap
fi

# The host's Debian mirror: the first deb URI whose suite is a plain Debian release (not -security).
host_mirror() {
  local files=() f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && files+=("$f")
  done
  ((${#files[@]})) || return 0
  awk '
    /^[[:space:]]*#/ { next }
    /^deb[[:space:]]/ {
      i = 2; if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
      if ($(i+1) ~ /^(bookworm|trixie|stable|testing|sid|unstable|bullseye)$/ && $i ~ /debian\/?$/) { print $i; exit }
      next
    }
    /^URIs:/ { uri = $2 }
    /^Suites:/ { for (j = 2; j <= NF; j++) if ($j ~ /^(bookworm|trixie|stable|testing|sid|unstable|bullseye)$/ && uri ~ /debian\/?$/) { print uri; exit } }
    /^[[:space:]]*$/ { uri = "" }
  ' "${files[@]}" | head -n 1
}
mirror="${NETSIGHT_DEBIAN_MIRROR:-$(host_mirror)}"
mirror="${mirror:-http://deb.debian.org/debian}"
mirror="${mirror%/}"
security_mirror="${mirror%/debian}/debian-security"

mkdir -p -- "$root"
# One run at a time per root: a second would share (and unmount) the first one's mounts.
exec 9<"$root"
flock -n 9 || die "another run is using $root"

# Mounts that a killed run left behind (its trap never ran): nobody else holds the lock, so they are ours.
unmount_all
if [ -n "$(mounts_under_root)" ]; then die "mounts left under $root that cannot be unmounted"; fi

cleanup() {
  local status=$?
  unmount_all
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- 2. the trixie root -------------------------------------------------------------------------------------
if [ -f "$complete_marker" ]; then
  say "reusing the $suite root at $root (made $(cat "$complete_marker"))"
else
  if [ -n "$(ls -A -- "$root")" ] && [ ! -f "$partial_marker" ]; then
    die "$root is not empty and not a root this script made; give an empty or new folder"
  fi
  if [ -f "$partial_marker" ]; then
    say "wiping the half-made root at $root"
    find "$root" -mindepth 1 -maxdepth 1 -print0 | while IFS= read -r -d '' entry; do
      remove_inside_root "$entry"
    done
  fi
  date -u +%FT%TZ >"$partial_marker"
  say "debootstrap $suite (minbase) from $mirror into $root; this takes several minutes"
  started=$(date +%s)
  nice -n 19 debootstrap --variant=minbase "$suite" "$root" "$mirror"
  cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
deb $security_mirror $suite-security main
EOF
  # No service starts inside the root when a package is installed.
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
  say "debootstrap took $(($(date +%s) - started)) s"
  rm -f -- "$partial_marker"
  date -u +%FT%TZ >"$complete_marker"
fi

# Name resolution and the host's apt proxy, if any, for apt inside the root.
rm -f -- "$root/etc/resolv.conf"
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
[ -f /etc/hosts ] && cp -L /etc/hosts "$root/etc/hosts"
if proxy="$(apt-config dump 2>/dev/null | grep -i '^Acquire::[a-z]*::Proxy ')" && [ -n "$proxy" ]; then
  sed 's/$/;/' <<<"$proxy" >"$root/etc/apt/apt.conf.d/90netsight-host-proxy"
fi

# --- 3. mounts ---------------------------------------------------------------------------------------------
mount_into_root() {  # mount_into_root TARGET MOUNT-ARGS...
  local target="$root$1"
  shift
  mkdir -p -- "$target"
  mount "$@" "$target"
}
mount_into_root /proc -t proc proc
mount_into_root /sys -t sysfs sysfs 2>/dev/null || mount_into_root /sys --rbind /sys
mount_into_root /dev --bind /dev  # a container cannot mount a devtmpfs of its own
mount_into_root /dev/pts --bind /dev/pts
if mountpoint -q /dev/shm; then mount_into_root /dev/shm --bind /dev/shm; fi

in_root() {  # in_root COMMAND...: runs in the root with a clean environment
  env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    TERM="${TERM:-dumb}" DEBIAN_FRONTEND=noninteractive CI=true QT_QPA_PLATFORM=offscreen \
    NETSIGHT_BUILD_DIR=/netsight/build chroot "$root" "$@"
}

# --- 4. the source tree ----------------------------------------------------------------------------------
src_in_root=/netsight/src
remove_inside_root "$root$src_in_root"
mkdir -p -- "$root$src_in_root" "$root/netsight/build"
git -C "$repo" ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' f; do
    if [ -e "$repo/$f" ] || [ -L "$repo/$f" ]; then printf '%s\0' "$f"; fi  # not deleted in the tree
  done |
  tar -C "$repo" --null --no-recursion -T - -cf - | tar -C "$root$src_in_root" --touch -xf -
# --touch: every file gets this moment's time, so the kept build folder rebuilds everything (ccache serves
# what did not change). With the tree's own times, a header edited before an earlier run's compile finished
# looked older than objects built from its previous text, and ninja linked stale objects (seen: segfaults).
say "copied the working tree ($(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet HEAD -- 2>/dev/null || echo ', with uncommitted changes')) to $root$src_in_root"

# --- 5. packages, build, tests ---------------------------------------------------------------------------
mapfile -t packages < <(sed -n '/^packages=(/,/^)/p' "$repo/tools/setup.sh" | sed -e '1s/^packages=(//' -e 's/#.*//' -e 's/)$//' | tr -s ' \t' '\n' | sed '/^$/d')
((${#packages[@]})) || die "found no package list in tools/setup.sh"

say "apt-get update in the root"
in_root nice -n 19 apt-get update -q >/dev/null
missing=()
for package in "${packages[@]}"; do
  candidate="$(in_root apt-cache policy "$package" | awk '/Candidate:/ { print $2 }')"
  if [ -z "$candidate" ] || [ "$candidate" = "(none)" ]; then
    missing+=("$package")
    say "  $package: NOT IN $suite"
  else
    say "  $package: $candidate"
  fi
done
if ((${#missing[@]})); then
  say "tools/setup.sh names packages that $suite lacks: ${missing[*]} (its apt-get install will fail)"
fi

if ((prepare_only)); then
  available=()
  for package in "${packages[@]}"; do
    [[ " ${missing[*]} " == *" $package "* ]] || available+=("$package")
  done
  say "installing the build dependencies in the root"
  in_root nice -n 19 apt-get install -y -q "${available[@]}"
  say "SUMMARY: $suite root ready at $root ($(du -sh --one-file-system "$root" | cut -f1)); missing: ${missing[*]:-none}; no build (--prepare)"
  exit 0
fi

nice_cmd=()
if [ "${NETSIGHT_NICE:-0}" = 1 ]; then nice_cmd=(nice -n 19); fi
log="$root/netsight/check.log"
say "tools/setup.sh build in the root (build folder $root/netsight/build; log $log)"
set +e
in_root "${nice_cmd[@]}" bash -c "cd $src_in_root && tools/setup.sh build" 2>&1 | tee "$log"
build_status=${PIPESTATUS[0]}
set -e

versions="$(in_root dpkg-query -W -f='${Package} ${Version}\n' libtorch-dev qt6-base-dev g++ cmake 2>/dev/null |
  awk '{ v = $2; sub(/^[0-9]+:/, "", v); sub(/[-+~].*/, "", v); printf "%s%s %s", (NR > 1 ? ", " : ""), $1, v }')"

if [ "$build_status" -ne 0 ]; then
  say "SUMMARY: FAIL: the build failed on $suite ($versions), status $build_status; see $log"
  exit "$build_status"
fi

# The core tests: every test outside tests/ui, less the .deb and formatting checks.
in_root ctest --test-dir /netsight/build/tests/ui -N 2>/dev/null |
  sed -n 's/^ *Test *#[0-9]*: //p' >"$root/netsight/build/ui-tests.txt" || true
ctest_args=(--test-dir /netsight/build --output-on-failure -j "$(nproc)"
  --exclude-from-file /netsight/build/ui-tests.txt
  -E "^(package_deb|clang_format)\$${NETSIGHT_CTEST_EXCLUDE:+|$NETSIGHT_CTEST_EXCLUDE}")
if [ -n "${NETSIGHT_CTEST_ARGS:-}" ]; then
  read -r -a extra <<<"$NETSIGHT_CTEST_ARGS"
  ctest_args+=("${extra[@]}")
fi
say "ctest ${ctest_args[*]} ($(wc -l <"$root/netsight/build/ui-tests.txt") UI tests left out)"
set +e
in_root "${nice_cmd[@]}" ctest "${ctest_args[@]}" 2>&1 | tee -a "$log"
test_status=${PIPESTATUS[0]}
set -e
result="$(grep -E 'tests passed, [0-9]+ tests failed' "$log" | tail -n 1)"
if [ "$test_status" -eq 0 ]; then verdict=PASS; else verdict=FAIL; fi
say "SUMMARY: $verdict on $suite ($versions): ${result:-ctest status $test_status}; log $log"
exit "$test_status"
