#!/usr/bin/env bash
# Fuzzes NetSight's parsers of outside input with libFuzzer (targets in tests/fuzz/), under
# AddressSanitizer and UndefinedBehaviorSanitizer:
#   tools/fuzz.sh [TARGET...]          replay every saved input, then fuzz each target for a fixed time
#   tools/fuzz.sh replay [TARGET...]   only build and replay the seed corpora and the regression inputs
# Targets: idx_file idx_source cifar10_source probe_spec classifier_meta (default: all).
# Environment: NETSIGHT_FUZZ_SECONDS (per target, default 60), NETSIGHT_FUZZ_DIR (build and working
# folder, default build-fuzz/), CXX (default clang++-14).
# Seeds live in tests/fuzz/corpus/TARGET/ (JSON targets also use tests/fuzz/dict/TARGET.dict) and are
# never written to; what the fuzzer learns goes to
# $NETSIGHT_FUZZ_DIR/corpus/TARGET/, crashes to $NETSIGHT_FUZZ_DIR/crashes/TARGET/. Fix a crash in
# the parser, then keep its input as tests/fuzz/regressions/TARGET/NAME, which this script and the
# fuzz_replay CTest test replay from then on.
# Compiles only the parser sources (no LibTorch) with clang, one file at a time; run it under
# `nice -n 19` on a shared machine.
set -euo pipefail

cd "$(dirname "$0")/.."
root="$(pwd)"
work="${NETSIGHT_FUZZ_DIR:-$root/build-fuzz}"
seconds="${NETSIGHT_FUZZ_SECONDS:-60}"
cxx="${CXX:-clang++-14}"

mode=fuzz
if [[ "${1:-}" == replay ]]; then
  mode=replay
  shift
fi

all_targets=(idx_file idx_source cifar10_source probe_spec classifier_meta)
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=("${all_targets[@]}")

# The target's source file, and the core sources it needs.
target_source() {
  case "$1" in
    idx_file) echo IdxFileFuzz.cpp ;;
    idx_source) echo IdxSourceFuzz.cpp ;;
    cifar10_source) echo Cifar10SourceFuzz.cpp ;;
    probe_spec) echo ProbeSpecFuzz.cpp ;;
    classifier_meta) echo ClassifierMetaFuzz.cpp ;;
    *) echo "tools/fuzz.sh: unknown target '$1'; targets: ${all_targets[*]}" >&2; exit 2 ;;
  esac
}
# Dataset.cpp (opening any source) brings in the other sources and FactorWorld; none needs LibTorch.
data_sources=(core/src/data/{IdxFile,IdxSource,Cifar10Source,FolderSource,Dataset,FactorWorld,FactorWorldDataset}.cpp
              core/src/data/{MemoryDataset,Splits,SourceSpec,Image}.cpp core/src/runtime/AtomicFile.cpp
              tests/core/support/TempDir.cpp)
target_deps() {
  case "$1" in
    idx_file) echo core/src/data/IdxFile.cpp tests/core/support/TempDir.cpp ;;
    idx_source | cifar10_source) echo "${data_sources[@]}" ;;
    probe_spec) echo core/src/experiment/ProbeSpec.cpp core/src/runtime/AtomicFile.cpp ;;
    classifier_meta) echo core/src/models/ClassifierMeta.cpp ;;
  esac
}
target_libs() {
  case "$1" in
    idx_source | cifar10_source) echo -lopencv_imgcodecs -lopencv_imgproc -lopencv_core ;;
  esac
  echo -lz  # FuzzSupport writes gzip files
}

if ! command -v "$cxx" >/dev/null; then
  echo "tools/fuzz.sh: $cxx not found; install it with: sudo apt-get install clang-14 libclang-rt-14-dev" >&2
  exit 1
fi

sanitizers=(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
cxxflags=(-std=c++17 -g -O1 -I"$root/core/include" -I"$root/core/src" -I"$root/tests/core/support"
          -I"$root/tests/fuzz" -I/usr/include/opencv4)

# Compiles one source into $work/obj unless the object is newer than the source and its headers.
compile() {
  local source="$1" object="$work/obj/${1//\//_}.o"
  local stale=0
  if [[ ! -f "$object" || ! -f "$object.d" ]]; then
    stale=1
  else
    local dep
    for dep in $(sed -e 's/^[^:]*://' -e 's/\\$//' "$object.d"); do
      if [[ "$dep" -nt "$object" ]]; then stale=1; break; fi
    done
  fi
  if [[ $stale -eq 1 ]]; then
    echo "  compiling $source" >&2
    "$cxx" "${cxxflags[@]}" "${sanitizers[@]}" -fsanitize=fuzzer-no-link -MMD -MF "$object.d" \
      -c "$root/$source" -o "$object"
  fi
  echo "$object"
}

build() {
  local target="$1" objects=() source
  for source in "tests/fuzz/$(target_source "$target")" tests/fuzz/FuzzSupport.cpp $(target_deps "$target"); do
    objects+=("$(compile "$source")")
  done
  local binary="$work/bin/$target" newest=0 object
  for object in "${objects[@]}"; do
    [[ ! -f "$binary" || "$object" -nt "$binary" ]] && newest=1
  done
  if [[ $newest -eq 1 ]]; then
    echo "  linking $target" >&2
    # shellcheck disable=SC2046
    "$cxx" "${sanitizers[@]}" -fsanitize=fuzzer "${objects[@]}" $(target_libs "$target") -o "$binary"
  fi
}

# Files in a folder, if there are any.
inputs_in() {
  [[ -d "$1" ]] && find "$1" -maxdepth 1 -type f ! -name '.*' | sort
  return 0
}

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

mkdir -p "$work/obj" "$work/bin" "$work/logs"
failed=0
summary=()
for target in "${targets[@]}"; do
  target_source "$target" >/dev/null
  echo "== $target: building" >&2
  build "$target"
  binary="$work/bin/$target"
  seeds="$root/tests/fuzz/corpus/$target"
  regressions="$root/tests/fuzz/regressions/$target"

  mapfile -t saved < <(inputs_in "$seeds"; inputs_in "$regressions")
  echo "== $target: replaying ${#saved[@]} saved inputs" >&2
  if [[ ${#saved[@]} -gt 0 ]] && ! "$binary" "${saved[@]}" >"$work/logs/$target-replay.log" 2>&1; then
    echo "   FAILED on a saved input; see $work/logs/$target-replay.log:" >&2
    grep -E 'ERROR|runtime error|failure|Running:' "$work/logs/$target-replay.log" | tail -n 5 >&2 || true
    summary+=("$target: a saved input fails (see $work/logs/$target-replay.log)")
    failed=1
    continue
  fi
  if [[ $mode == replay ]]; then
    summary+=("$target: ${#saved[@]} saved inputs replayed, no failures")
    continue
  fi

  corpus="$work/corpus/$target"
  crashes="$work/crashes/$target"
  mkdir -p "$corpus" "$crashes"
  before=$(inputs_in "$crashes" | wc -l)
  echo "== $target: fuzzing for $seconds s" >&2
  log="$work/logs/$target-fuzz.log"
  # fork mode with one worker keeps fuzzing after a crash, so one run finds more than the first.
  # -max_len leaves room for CIFAR-10 records (3,073 bytes each); 10 s for one input is a hang.
  set +e
  dirs=("$corpus" "$seeds")
  [[ -d "$regressions" ]] && dirs+=("$regressions")
  dict=()
  [[ -f "$root/tests/fuzz/dict/$target.dict" ]] && dict=(-dict="$root/tests/fuzz/dict/$target.dict")
  "$binary" "${dirs[@]}" \
    -max_total_time="$seconds" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -timeout=10 -rss_limit_mb=2048 -max_len=16384 -artifact_prefix="$crashes/" "${dict[@]}" >"$log" 2>&1
  status=$?
  set -e
  after=$(inputs_in "$crashes" | wc -l)
  found=$((after - before))
  execs=$(grep -oE '^#[0-9]+' "$log" | tail -n 1 | tr -d '#')
  summary+=("$target: ${execs:-0} executions, $found crashes found (exit $status; log $log)")
  if [[ $found -gt 0 ]]; then
    failed=1
    inputs_in "$crashes" | tail -n "$found" | sed 's/^/     /' >&2
  fi
done

echo
echo "Fuzzing summary:"
printf '  %s\n' "${summary[@]}"
exit $failed
