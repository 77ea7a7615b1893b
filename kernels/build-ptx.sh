#!/usr/bin/env bash
# Compiles kernels/src/main/cuda/*.cu to PTX with nvcc and writes them, with a manifest of the sources'
# SHA-256, to kernels/src/main/resources/ptx/ (committed: the Maven build itself needs no nvcc).
#
#   kernels/build-ptx.sh                 rebuild the committed PTX
#   kernels/build-ptx.sh OUTDIR          write to OUTDIR instead (PtxStalenessTest compares the two)
#   kernels/build-ptx.sh --resource-usage  also print registers / spills / shared memory per kernel
#                                          for sm_90 (H100), from ptxas
#
# Virtual architecture compute_75 (Turing): the PTX is JIT-compiled by the driver for whatever card
# runs it (sm_75 and newer: T4, A100, L4, H100, ...). A file that needs more says so in a first-line
# comment "// build-arch: compute_80" (MatmulTf32.cu: TF32 tensor cores); the backend loads it only
# on such cards. PTX written by nvcc 13 declares ISA 9.0 and
# so needs a CUDA 13 driver; machines with a CUDA 12 driver compile the .cu at run time with
# NVRTC 12 instead (see KernelModules). Flags keep IEEE fp32: no --use_fast_math (precise division
# and sqrt, denormals kept); fmad contraction stays on, as in any nvcc build.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$here/src/main/cuda"
out="$here/src/main/resources/ptx"
usage=0
for a in "$@"; do
  case "$a" in
    --resource-usage) usage=1 ;;
    *) out="$a" ;;
  esac
done
NVCC="${NVCC:-nvcc}"
command -v "$NVCC" >/dev/null || { echo "build-ptx.sh: nvcc not found (set NVCC or install the CUDA toolkit)" >&2; exit 2; }
ARCH="compute_75"
arch_of() { sed -n '1s|^// build-arch: \(compute_[0-9]*\).*|\1|p' "$1" | grep . || echo "$ARCH"; }
FLAGS=(-std=c++17 -O3 --ptx -I"$src")
mkdir -p "$out"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for cu in "$src"/*.cu; do
  name="$(basename "$cu" .cu)"
  "$NVCC" "${FLAGS[@]}" -arch="$(arch_of "$cu")" -o "$tmp/$name.ptx" "$cu" &
done
wait
for cu in "$src"/*.cu; do
  name="$(basename "$cu" .cu)"
  [ -s "$tmp/$name.ptx" ] || { echo "build-ptx.sh: nvcc failed on $cu" >&2; exit 1; }
done
( cd "$src" && sha256sum -- *.cu *.cuh ) > "$tmp/SOURCES.sha256"
rm -f "$out"/*.ptx "$out/SOURCES.sha256"
mv "$tmp"/*.ptx "$tmp/SOURCES.sha256" "$out"/
echo "build-ptx.sh: $(ls "$out"/*.ptx | wc -l) PTX files ($ARCH, $("$NVCC" --version | tail -2 | head -1)) in $out"
if [ "$usage" = 1 ]; then
  for cu in "$src"/*.cu; do
    "$NVCC" -std=c++17 -O3 -I"$src" -cubin -arch=sm_90 --resource-usage -o "$tmp/x.cubin" "$cu" 2>&1 \
      | grep -E "Function properties|Compiling entry|Used|spill" | sed "s|^|$(basename "$cu"): |"
  done
fi
