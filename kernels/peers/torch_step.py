#!/usr/bin/env python3
"""The PyTorch side of kernels/device-check.sh's step benchmark.

Times one Hugging Face BertForSequenceClassification training step (forward, loss, backward,
clip_grad_norm_(1.0), torch.optim.AdamW with HF Trainer's weight-decay groups, zero_grad), eager
mode, random bert-base weights, random full-length batch: the same step jbert.kernels.TrainingStep
does. Runs fp32 (TF32 off) and TF32 (matmul TF32 on), with HF's "eager" attention (the reference
implementation) and with "sdpa" (PyTorch's fused attention, transformers' default).

Writes tab-separated rows (section, name, value, unit, note) to --out and prints them.
"""
import argparse
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    args = ap.parse_args()

    import torch
    import transformers
    from transformers import BertConfig, BertForSequenceClassification

    if not torch.cuda.is_available():
        print("torch_step.py: torch sees no GPU", file=sys.stderr)
        sys.exit(2)
    dev = torch.device("cuda")
    versions = f"torch {torch.__version__}, transformers {transformers.__version__}, {torch.cuda.get_device_name(0)}"
    print(versions)

    with open(args.out, "w") as out:
        def row(name, value, unit, note):
            line = f"step\t{name}\t{value:.4f}\t{unit}\t{note}"
            print(line.replace("\t", " "))
            out.write(line + "\n")
            out.flush()

        for attn in ("eager", "sdpa"):
            for tf32 in (False, True):
                name = f"pytorch {'tf32' if tf32 else 'fp32'} ({attn} attention)"
                if (args.batch, args.seq) != (32, 128):
                    name += f" B={args.batch} T={args.seq}"   # the shape keeps the plain name
                try:
                    ms, loss, peak = run(torch, BertConfig, BertForSequenceClassification, dev, args, attn, tf32)
                    row(name, ms, "ms", f"B={args.batch} T={args.seq}, {args.steps} steps, last loss {loss:.4f}, peak {peak:.2f} GiB; {versions}")
                except Exception as e:  # one failing variant must not stop the others
                    row(name, float("nan"), "ms", f"FAILED: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
                torch.cuda.empty_cache()


def run(torch, BertConfig, BertForSequenceClassification, dev, args, attn, tf32):
    # "high" lets float32 matrix products use TF32 tensor cores; "highest" keeps them in fp32.
    torch.set_float32_matmul_precision("high" if tf32 else "highest")
    torch.backends.cudnn.allow_tf32 = tf32
    torch.manual_seed(0)
    config = BertConfig()                                   # bert-base shapes, dropout 0.1
    config._attn_implementation = attn                      # how transformers picks its attention code
    model = BertForSequenceClassification(config).to(dev).train()
    used = getattr(model.config, "_attn_implementation", "?")
    if used != attn:
        raise RuntimeError(f"asked for {attn} attention, transformers uses {used}")
    # HF Trainer: no weight decay for biases and LayerNorm weights.
    decay = [p for n, p in model.named_parameters() if not (n.endswith(".bias") or "LayerNorm" in n)]
    no_decay = [p for n, p in model.named_parameters() if n.endswith(".bias") or "LayerNorm" in n]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}], lr=5e-5)
    B, T = args.batch, args.seq
    ids = torch.randint(1, config.vocab_size, (B, T), device=dev)
    types = torch.zeros(B, T, dtype=torch.long, device=dev)
    types[:, T // 2:] = 1
    mask = torch.ones(B, T, dtype=torch.long, device=dev)
    labels = torch.randint(0, 2, (B,), device=dev)

    def step():
        out = model(input_ids=ids, attention_mask=mask, token_type_ids=types, labels=labels)
        loss = out.loss.item()
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss

    for _ in range(args.warmup):
        step()
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    loss = 0.0
    for _ in range(args.steps):
        loss = step()
    torch.cuda.synchronize()
    ms = (time.perf_counter() - t0) * 1000 / args.steps
    peak = torch.cuda.max_memory_allocated() / 2**30
    del model, opt
    return ms, loss, peak


if __name__ == "__main__":
    main()
