#!/usr/bin/env bash
# The one GPU check of the CUDA backend, run on the lent device machine (no JDK, no network; CUDA 13,
# python3 with torch and transformers), from the repository root, with .carry/ made here by
# kernels/package-device.sh and carried along:
#
#   OUT=/some/dir bash kernels/device-check.sh
#
# Stages, each with its own time limit, each run whatever happened to the one before:
#   1 unpack     the jlink'ed Java runtime and the class path from .carry/jbert-device.tar.xz
#   2 env        nvidia-smi, driver, and where libcublas / libnvrtc 12 and 13 are
#   3 tests-own  every GPU test on jbert's own GEMM kernels (every kernel vs the CPU reference, GEMM
#                paths, the tiny-bert and optimizer goldens on CUDA, 20 BERT-base steps GPU vs CPU, the
#                trainer's commands on --device cuda vs cpu), through the JUnit console, with
#                -Djbert.requireGpu=true: a CUDA backend that does not load fails these tests, not skips them
#   4 tests      the tests that multiply matrices, again with the default choice (cuBLAS where a
#                binding loads: JCublas for libcublas.so.12, java.lang.foreign for libcublas.so.13),
#                in a JVM of their own, so that a crash in a native library loses only these
#   5 jbert      jbert.bench.DeviceCheck: bandwidth vs copy, GEMM GFLOP/s (cuBLAS and own), BERT-base
#                steps B=32 T=128 and B=8 T=64 with profiles; if it fails, again on own GEMM kernels
#   6 pytorch    kernels/peers/torch_step.py: the same steps in PyTorch eager and sdpa, fp32 and TF32
#   7 ncu        Nsight Compute on the softmax forward kernels (DeviceCheck --bandwidth-only): one warp per
#                row at T=128 and the lane-group kernel at T=64 and T=128, side by side ($OUT/ncu.txt)
#   8 summary    one table from the stages' result files, printed last
# Everything is also written to $OUT/log.txt; JUnit XML reports go to $OUT/junit-own/ and $OUT/junit/.
# The stage limits add up to 480 s (8 minutes); a normal run should take well under half that.
set -u
repo="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${OUT:-$repo/device-out}"
mkdir -p "$OUT"
exec > >(tee -a "$OUT/log.txt") 2>&1
cd "$repo"
work="${TMPDIR:-/tmp}/jbert-device"
JAVA="$work/runtime/bin/java"
JVM_FLAGS="--add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx24g -Djbert.shared=$repo/.carry"
export OUT repo work JAVA JVM_FLAGS
: > "$OUT/stages.tsv"

stage() {  # stage NAME SECONDS COMMAND...
  local name="$1" limit="$2"; shift 2
  echo
  echo "=== stage $name (limit ${limit}s) $(date -u +%H:%M:%S)"
  local t0=$SECONDS
  timeout --kill-after=10 "$limit" bash -c "$*"
  local rc=$?
  local took=$((SECONDS - t0))
  local status=ok
  [ "$rc" = 0 ] || status="FAILED rc=$rc"
  [ "$rc" = 124 ] || [ "$rc" = 137 ] && status="TIMEOUT after ${limit}s"
  echo "=== stage $name: $status (${took}s)"
  printf '%s\t%s\t%s\n' "$name" "$status" "$took" >> "$OUT/stages.tsv"
}

unpack() {
  rm -rf "$work" && mkdir -p "$work" && xz -dc .carry/jbert-device.tar.xz | tar -C "$work" -xf - && "$JAVA" -version
}

env_report() {
  nvidia-smi || echo "nvidia-smi failed"
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv || true
  # The loader's cache first; then the usual toolkit folders and pip's nvidia-* wheels (globs, no find).
  local site; site="$(python3 -c 'import site; print(" ".join(site.getsitepackages()))' 2>/dev/null)"
  for lib in libcuda.so.1 libcublas.so.12 libcublas.so.13 libnvrtc.so.12 libnvrtc.so.13; do
    where="$(ldconfig -p 2>/dev/null | grep -m1 " $lib " | sed 's/.*=> //')"
    if [ -z "$where" ]; then
      for d in /usr/local/cuda*/lib64 /usr/local/cuda*/targets/*/lib /usr/lib/x86_64-linux-gnu $(for s in $site; do echo "$s"/nvidia/*/lib "$s"/torch/lib; done); do
        [ -e "$d/$lib" ] && { where="$d/$lib (not on the loader path)"; break; }
      done
    fi
    printf '%-18s %s\n' "$lib" "${where:-not found}"
  done
  python3 -c "import torch, transformers; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'transformers', transformers.__version__)" || true
}

gpu_tests() {  # gpu_tests GEMM REPORTS CLASS...: the JUnit console on the given classes, with jbert.cuda.gemm=GEMM
  local gemm="$1" reports="$2"; shift 2
  local cp; cp="$(ls "$work"/lib/*.jar | tr '\n' ':')"
  local select=""; for c in "$@"; do select="$select --select-class $c"; done
  cd "$repo/kernels"     # the working directory Maven gives the tests
  "$JAVA" $JVM_FLAGS "-Djbert.cuda.gemm=$gemm" -Djbert.requireGpu=true -jar "$work/junit-platform-console-standalone.jar" execute \
      --class-path "$cp" $select --details=tree --disable-banner --reports-dir "$reports"
}

# Every GPU test on jbert's own GEMM kernels first (the path verified on earlier devices), then the
# tests that multiply matrices again with the default choice (cuBLAS where a binding loads): a crash
# in a native library then loses only the second JVM.
tests_own() {
  gpu_tests own "$OUT/junit-own" jbert.kernels.CudaBackendProviderTest jbert.kernels.CudaKernelsTest \
      jbert.kernels.CudaGemmTest jbert.engine.bert.CudaTinyBertGoldenTest jbert.engine.train.CudaOptimGoldenTest \
      jbert.kernels.BertBaseGpuVsCpuTest jbert.kernels.CudaGraphStepTest jbert.trainer.cli.GpuCommandLineTest
}

tests_default() {
  gpu_tests auto "$OUT/junit" jbert.kernels.CudaGemmTest jbert.engine.bert.CudaTinyBertGoldenTest \
      jbert.engine.train.CudaOptimGoldenTest jbert.kernels.BertBaseGpuVsCpuTest jbert.kernels.CudaGraphStepTest \
      jbert.trainer.cli.GpuCommandLineTest
}

jbert_bench() {
  local cp; cp="$(ls "$work"/lib/*.jar | tr '\n' ':')"
  "$JAVA" $JVM_FLAGS -cp "$cp" jbert.bench.DeviceCheck --out "$OUT/jbert-bench.tsv" --steps 20 --batch 32 --seq 128 && return 0
  echo "DeviceCheck failed with the default GEMM choice; again with jbert's own GEMM kernels only"
  "$JAVA" $JVM_FLAGS -Djbert.cuda.gemm=own -cp "$cp" jbert.bench.DeviceCheck --out "$OUT/jbert-bench-own.tsv" --steps 20 --batch 32 --seq 128
}

torch_bench() {
  python3 kernels/peers/torch_step.py --out "$OUT/torch-bench.tsv" --steps 20 --batch 32 --seq 128
  # The fine-tuning protocol's size (batch 8, tweets of ~30-60 tokens): where launch overhead shows.
  python3 kernels/peers/torch_step.py --out "$OUT/torch-bench-small.tsv" --steps 20 --batch 8 --seq 64
}

summary() {
  echo
  echo "================================ SUMMARY ================================"
  echo "commit: $(cat .carry/COMMIT 2>/dev/null || echo 'not recorded (.carry/COMMIT missing: pack with kernels/package-device.sh)')"
  echo "stages:"
  awk -F'\t' '{ printf "  %-10s %-24s %5ss\n", $1, $2, $3 }' "$OUT/stages.tsv"
  for junit in junit-own junit; do
    [ -d "$OUT/$junit" ] || continue
    echo "tests (JUnit XML, $junit):"
    cat "$OUT/$junit"/*.xml 2>/dev/null | grep -o '<testsuite [^>]*' | sed -E 's/.*name="([^"]*)".*tests="([0-9]+)".*skipped="([0-9]+)".*failures="([0-9]+)".*errors="([0-9]+)".*/  \1: \2 tests, \4 failures, \5 errors, \3 skipped/' | head -5
    grep -h -o '<testcase name="[^"]*" classname="[^"]*"[^>]*>[[:space:]]*<failure message="[^"]\{0,160\}' "$OUT/$junit"/*.xml 2>/dev/null | sed -E 's/<testcase name="([^"]*)" classname="([^"]*)".*message="(.*)/  FAILED \2.\1: \3/' | head -20
  done
  echo "results (section | name | value | unit | note):"
  cat "$OUT/jbert-bench.tsv" "$OUT/jbert-bench-own.tsv" "$OUT/torch-bench.tsv" "$OUT/torch-bench-small.tsv" 2>/dev/null | awk -F'\t' '{ printf "  %-9s | %-44s | %10.2f | %-7s | %s\n", $1, $2, $3, $4, $5 }'
  fp32=$(awk -F'\t' '$2=="jbert fp32"{print $3}' "$OUT/jbert-bench.tsv" 2>/dev/null)
  tf32=$(awk -F'\t' '$2=="jbert tf32"{print $3}' "$OUT/jbert-bench.tsv" 2>/dev/null)
  pt32=$(awk -F'\t' '$2=="pytorch fp32 (eager attention)"{print $3}' "$OUT/torch-bench.tsv" 2>/dev/null)
  pttf=$(awk -F'\t' '$2=="pytorch tf32 (eager attention)"{print $3}' "$OUT/torch-bench.tsv" 2>/dev/null)
  echo "step time, jbert / PyTorch eager (<= 1 meets the goal): fp32 ${fp32:-?} / ${pt32:-?} ms, tf32 ${tf32:-?} / ${pttf:-?} ms"
  sm=$(awk -F'\t' '$2=="jbert fp32 B=8 T=64"{print $3}' "$OUT/jbert-bench.tsv" 2>/dev/null)
  smtf=$(awk -F'\t' '$2=="jbert tf32 B=8 T=64"{print $3}' "$OUT/jbert-bench.tsv" 2>/dev/null)
  floor=$(awk -F'\t' '$2=="jbert fp32 B=1 T=8 (host floor)"{print $3}' "$OUT/jbert-bench.tsv" 2>/dev/null)
  ptsm=$(awk -F'\t' '$2=="pytorch fp32 (eager attention) B=8 T=64"{print $3}' "$OUT/torch-bench-small.tsv" 2>/dev/null)
  ptsmtf=$(awk -F'\t' '$2=="pytorch tf32 (eager attention) B=8 T=64"{print $3}' "$OUT/torch-bench-small.tsv" 2>/dev/null)
  echo "small step B=8 T=64, jbert / PyTorch eager: fp32 ${sm:-?} / ${ptsm:-?} ms, tf32 ${smtf:-?} / ${ptsmtf:-?} ms; jbert B=1 T=8 (host floor) ${floor:-?} ms"
  echo "========================================================================="
}

ncu_softmax() {
  local ncu; ncu="$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu /usr/local/cuda*/bin/ncu 2>/dev/null | head -1)"
  [ -n "$ncu" ] || { echo "ncu not found"; return 1; }
  local cp; cp="$(ls "$work"/lib/*.jar | tr '\n' ':')"
  # DeviceCheck's bandwidth section launches the softmax forward 22 times at T=128 (one warp per row), 22
  # at T=64 and 22 at T=128 forced onto the lane-group kernel, then the backward: launches 18-47 of the
  # kernels named softmax cover the three forwards. --clock-control none leaves the
  # card's clocks as they are (the device README asks for it).
  "$ncu" --clock-control none --target-processes all -k regex:softmax --launch-skip 18 --launch-count 30 \
      --section SpeedOfLight --section MemoryWorkloadAnalysis --section WarpStateStats --section Occupancy \
      --section LaunchStats --section SchedulerStats --print-summary per-kernel \
      "$JAVA" $JVM_FLAGS -cp "$cp" jbert.bench.DeviceCheck --bandwidth-only --out /dev/null > "$OUT/ncu.txt" 2>&1
  local rc=$?
  grep -E "softmax_|Memory Throughput|DRAM Throughput|Achieved Occupancy|Registers Per Thread|Warp Cycles Per Issued|Issued Warp Per Scheduler|No Eligible|Stall|Block Limit" "$OUT/ncu.txt" | head -60
  return $rc
}

export -f unpack env_report gpu_tests tests_own tests_default jbert_bench torch_bench ncu_softmax
stage unpack 30 unpack
stage env 20 env_report
stage tests-own 100 tests_own
stage tests 90 tests_default
stage jbert 110 jbert_bench
stage pytorch 80 torch_bench
stage ncu 50 ncu_softmax
# The device tool returns at most 8 files: drop the empty reports of the engines jbert does not use.
rm -f "$OUT"/junit*/TEST-junit-platform-suite.xml "$OUT"/junit*/TEST-junit-vintage.xml
summary
