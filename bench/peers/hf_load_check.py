"""Loads a model folder that jbert saved with Hugging Face transformers and compares.

Usage: python hf_load_check.py MODEL_DIR JBERT_LOGITS_JSON

MODEL_DIR is a classifier folder written by jbert (HfFolder.saveClassifier). JBERT_LOGITS_JSON holds
{"texts": [...], "input_ids": [[...]], "logits": [[...]]} computed by jbert on the same folder.
Checks, printing one line each and exiting 1 on the first failure:
  - AutoModelForSequenceClassification.from_pretrained reports no missing, unexpected or mismatched keys;
  - AutoTokenizer.from_pretrained gives the same input_ids for the texts;
  - the logits agree within 1e-4 (eval mode, float32).
"""
import json
import sys

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer


def main(model_dir, logits_json):
    ref = json.load(open(logits_json))
    model, info = AutoModelForSequenceClassification.from_pretrained(model_dir, output_loading_info=True)
    problems = {k: v for k, v in info.items() if v}
    print("loading info:", {k: len(v) for k, v in info.items()}, problems or "")
    if problems:
        sys.exit(1)
    print("config:", type(model).__name__, model.config.id2label, model.config.problem_type)
    tok = AutoTokenizer.from_pretrained(model_dir)
    enc = tok(ref["texts"], padding=True, return_tensors="pt")
    ids = enc["input_ids"].tolist()
    if ids != ref["input_ids"]:
        print("input_ids differ:", ids, ref["input_ids"])
        sys.exit(1)
    print("input_ids: identical,", enc["input_ids"].shape)
    model.eval()
    with torch.no_grad():
        logits = model(**enc).logits
    diff = (logits - torch.tensor(ref["logits"])).abs().max().item()
    print(f"logits: max abs difference {diff:.3g}")
    if diff > 1e-4:
        sys.exit(1)
    print("OK")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
