#!/usr/bin/env python3
"""PyTorch CPU matmul GFLOP/s at BERT-base shapes for 256 tokens, the peer row of bench/RESULTS.md "## GEMM".

Same products as jbert's GemmBenchmark (jbert.bench.GemmBenchmark), same thread count:
  forward  Y[256, out] = X[256, in] @ W[out, in]^T      (Linear; weight stored [out, in] as in HF)
  backward dX[256, in] = dY[256, out] @ W[out, in]
           dW[out, in] = dY[256, out]^T @ X[256, in]
and attention's batched per-head products for B = 8 (96 heads of NH = 12), D = 64, T = 32, 64, 128:
  scores   S[b, T, T] = Q[b, T, D] @ K[b, T, D]^T
  context  O[b, T, D] = P[b, T, T] @ V[b, T, D]
Usage: python bench/peers/matmul.py [--threads 2] [--seconds 3] [--only fwd_256x768x768,...]
Prints one line per shape: name, batch x M x N x K, best and median time of a call, GFLOP/s of the median.
"""
import argparse
import statistics
import time

import torch

SHAPES = [  # (name, batch, M, N, K, transA, transB) as Backend.matmul: C[batch, M, N] = op(A) @ op(B)
    ("fwd 256x768x768", 1, 256, 768, 768, False, True),
    ("fwd 256x3072x768", 1, 256, 3072, 768, False, True),
    ("fwd 256x768x3072", 1, 256, 768, 3072, False, True),
    ("dX 256x768x768", 1, 256, 768, 768, False, False),
    ("dX 256x768x3072", 1, 256, 768, 3072, False, False),
    ("dX 256x3072x768", 1, 256, 3072, 768, False, False),
    ("dW 768x768x256", 1, 768, 768, 256, True, False),
    ("dW 3072x768x256", 1, 3072, 768, 256, True, False),
    ("dW 768x3072x256", 1, 768, 3072, 256, True, False),
    ("scores 96x32x32x64", 96, 32, 32, 64, False, True),
    ("context 96x32x64x32", 96, 32, 64, 32, False, False),
    ("scores 96x64x64x64", 96, 64, 64, 64, False, True),
    ("context 96x64x64x64", 96, 64, 64, 64, False, False),
    ("scores 96x128x128x64", 96, 128, 128, 64, False, True),
    ("context 96x128x64x128", 96, 128, 64, 128, False, False),
]


def operand(batch, rows, cols, trans, gen):
    """op(X) of shape [rows, cols] ([batch, rows, cols] when batch > 1), stored [.., cols, rows] and
    viewed transposed when trans (no copy)."""
    lead = (batch,) if batch > 1 else ()
    if trans:
        return torch.randn(*lead, cols, rows, generator=gen).transpose(-1, -2)
    return torch.randn(*lead, rows, cols, generator=gen)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=3.0, help="measuring time per shape")
    ap.add_argument("--only", default="", help="comma-separated shapes in GemmBenchmark's naming, e.g. dW_768x768x256")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    gen = torch.Generator().manual_seed(0)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, "
          f"mkl {torch.backends.mkl.is_available()}, mkldnn {torch.backends.mkldnn.is_available()}")
    only = set(filter(None, args.only.split(",")))
    for name, batch, M, N, K, ta, tb in SHAPES:
        if only and name.replace(" ", "_") not in only:
            continue
        a = operand(batch, M, K, ta, gen)
        b = operand(batch, K, N, tb, gen)
        c = torch.empty(*((batch,) if batch > 1 else ()), M, N)
        for _ in range(20):  # warm-up
            torch.matmul(a, b, out=c)
        times = []
        end = time.perf_counter() + args.seconds
        while time.perf_counter() < end or len(times) < 20:
            t0 = time.perf_counter()
            torch.matmul(a, b, out=c)
            times.append(time.perf_counter() - t0)
        med = statistics.median(times)
        gflops = 2.0 * batch * M * N * K / med / 1e9
        print(f"{name:22s} {batch}x{M}x{N}x{K}  best {min(times) * 1e3:8.3f} ms  median {med * 1e3:8.3f} ms  {gflops:7.1f} GFLOP/s")


if __name__ == "__main__":
    main()
