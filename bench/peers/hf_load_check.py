"""Loads a model folder that jbert saved with Hugging Face transformers and compares the logits.

Usage:
  ./jbert predict --model MODEL_DIR --json --logits < texts.txt > predictions.jsonl
  python hf_load_check.py MODEL_DIR predictions.jsonl

MODEL_DIR is a classifier folder written by jbert (`jbert train --output`, HfFolder.saveClassifier).
predictions.jsonl is jbert's `predict --json --logits` output on that folder: one line per text with
"text", "label", "input_ids" (the tokens the model read) and "logits" (float32 values, by label id).
Checks, printing one line each and exiting 1 on the first failure:
  - AutoModelForSequenceClassification.from_pretrained reports no missing, unexpected or mismatched keys;
  - AutoTokenizer.from_pretrained gives the same input_ids for every text;
  - the logits agree within TOLERANCE times the largest |logit| (eval mode, float32, all texts in one
    padded batch);
  - HF's argmax, named by the folder's id2label, is jbert's label.
"""
import json
import sys

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

# Relative to the largest |logit|: both sides compute in float32 from the same weights and only the order
# of the sums differs (3.5e-7 on tiny-bert; BertBaseUncasedTest holds BERT-base's logits to HF's within
# 1e-4 absolute at logits of order 1). A wrong or missing weight, a swapped label or another tokenization
# moves them by far more.
TOLERANCE = 1e-4
# jbert predict's default --max-length, which it caps at the model's position table.
MAX_LENGTH = 128


def main(model_dir, predictions_jsonl):
    rows = [json.loads(line) for line in open(predictions_jsonl, encoding="utf-8") if line.strip()]
    if not rows or any("logits" not in r for r in rows):
        print(f"{predictions_jsonl}: expected jbert predict --json --logits output (lines with \"logits\")")
        sys.exit(1)
    model, info = AutoModelForSequenceClassification.from_pretrained(model_dir, output_loading_info=True)
    problems = {k: v for k, v in info.items() if v}
    print("loading info:", {k: len(v) for k, v in info.items()}, problems or "")
    if problems:
        sys.exit(1)
    print("config:", type(model).__name__, model.config.id2label, model.config.problem_type)

    texts = [r["text"] for r in rows]
    max_length = min(MAX_LENGTH, model.config.max_position_embeddings)
    tok = AutoTokenizer.from_pretrained(model_dir)
    for r in rows:
        ids = tok(r["text"], truncation=True, max_length=max_length)["input_ids"]
        if ids != r["input_ids"]:
            print(f"input_ids differ for {r['text']!r}: HF {ids}, jbert {r['input_ids']}")
            sys.exit(1)
    print(f"input_ids: identical for {len(rows)} texts")

    model.eval()
    enc = tok(texts, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    with torch.no_grad():
        logits = model(**enc).logits
    diff = (logits.double() - torch.tensor([r["logits"] for r in rows], dtype=torch.float64)).abs()
    worst = diff.max().item()
    scale = logits.abs().max().item()
    print(f"logits: {tuple(logits.shape)}, largest |logit| {scale:.3g}, max abs difference {worst:.3g}"
          f" ({worst / scale:.2g} of it; tolerance {TOLERANCE:g})")
    if worst > TOLERANCE * scale:
        sys.exit(1)
    labels = [model.config.id2label[i] for i in logits.argmax(dim=-1).tolist()]
    if labels != [r["label"] for r in rows]:
        print("labels differ:", labels, [r["label"] for r in rows])
        sys.exit(1)
    print(f"labels: identical ({', '.join(sorted(set(labels)))})")
    print("OK")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
