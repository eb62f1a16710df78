#!/usr/bin/env bash
# NetSight's one-command set-up. Installs what is missing from Debian, configures, builds, then
#   tools/setup.sh run    runs the main job: the signal-probe demo on the embedded default data (FactorWorld)
#   tools/setup.sh test   runs the whole test suite with CTest
# Safe to run again on a machine that is already set up.
set -euo pipefail

mode="${1:-run}"
case "$mode" in
  run|test|build) ;;
  *) echo "usage: tools/setup.sh [run|test|build]" >&2; exit 2 ;;
esac

cd "$(dirname "$0")/.."
root="$(pwd)"
build="${NETSIGHT_BUILD_DIR:-$root/build}"

packages=(
  cmake ninja-build g++ pkg-config ccache clang-format
  qt6-base-dev qt6-svg-dev libqcustomplot-dev
  libtorch-dev libopenblas0-pthread
  libopencv-dev zlib1g-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev nlohmann-json3-dev
  python3-torch python3-torchvision
  dataset-fashion-mnist xvfb xauth
  file  # dpkg-shlibdeps (the Debian package test) runs it; a minimal Debian root lacks it
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if ((${#missing[@]})); then
  echo "netsight: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}"
fi

jobs="$(nproc)"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build "$build" -j "$jobs"

case "$mode" in
  run)
    # The demo: FactorWorld, four classifiers (two of them with known input use: luminance only and
    # low-pass), the autoencoder probe end to end. Resumes if interrupted. With a display it runs live in
    # the desktop app; without one (ssh, CI) headless, with the same experiment folder.
    if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
      echo "netsight: opening the demo in the desktop app (experiment folder: $build/demo)"
      "$build/app/netsight" --demo --demo-dir "$build/demo"
    else
      echo "netsight: no display; running the demo headless (open $build/demo in the app later)"
      "$build/app/netsight-cli" data preview factorworld -o "$build/factorworld-sheet.png" --count 48
      "$build/app/netsight-cli" probe --demo -o "$build/demo"
      echo "netsight: report at $build/demo/report.html, data in $build/demo/results/"
    fi
    ;;
  test)
    ctest --test-dir "$build" --output-on-failure -j "$jobs"
    ;;
  build) ;;
esac
