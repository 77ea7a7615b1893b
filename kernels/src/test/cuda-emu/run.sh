#!/usr/bin/env bash
# Compiles jbert's .cu kernels for the CPU under cuda_emu.h and runs harness.cpp (see there).
#   bash src/test/cuda-emu/run.sh    (from kernels/; KernelEmulationTest runs it)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$here/../../main/cuda"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# Dynamic shared memory has no C++ spelling: point it at the emulator's buffer. Each .cu goes into a
# namespace of its own, so a header included by two of them must be read twice: drop #pragma once.
for cu in "$src"/*.cu "$src"/*.cuh; do
  sed -e 's/extern __shared__ float \([a-z_A-Z]*\)\[\];/float* \1 = emu::dynamicShared;/' -e '/^#pragma once/d' "$cu" > "$tmp/$(basename "$cu")"
done
cp "$here/cuda_emu.h" "$here/harness.cpp" "$tmp/"
"${CXX:-g++}" -std=c++20 -O1 -pthread -w -o "$tmp/harness" "$tmp/harness.cpp"
"$tmp/harness"
