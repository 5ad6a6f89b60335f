"""Evaluate a few off-the-shelf summarizers on CNN/DailyMail test articles."""

import datasets
import evaluate
import torch
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

CANDIDATES = ["sshleifer/distilbart-cnn-12-6", "facebook/bart-large-cnn", "google/pegasus-xsum"]
test = datasets.load_dataset("cnn_dailymail", "3.0.0", split="test[:100]")

bleu = evaluate.load("bleu")
rouge = evaluate.load("rogue")
meteor = datasets.load_metric("meteor")


def summarize_all(name, articles, batch_size=8):
    tokenizer = AutoTokenizer.from_pretrained(name)
    model = AutoModelForSeq2SeqLM.from_pretrained(name).to("cuda" if torch.cuda.is_available() else "cpu")
    summaries = []
    for i in range(0, len(articles), batch_size):
        batch = tokenizer(
            articles[i : i + batch_size],
            truncation=True,
            max_length=1024,
            padding=True,
            return_tensors="pt",
        ).to(model.device)
        ids = model.generate(**batch, num_beams=4, max_new_tokens=142)
        summaries.extend(tokenizer.batch_decode(ids, skip_special_tokens=True))
    return summaries


results = {}
for name in CANDIDATES:
    preds = summarize_all(name, test["article"])
    refs = test["highlights"]
    results[name] = {
        "bleu": bleu.compute(predictions=preds, references=[[r] for r in refs])["bleu"],
        "rougeL": rouge.compute(predictions=preds, references=refs)["rougeL"],
        "meteor": meteor.compute(predictions=preds, references=refs)["meteor"],
    }

for name, scores in results.items():
    print(f"{name:40} " + "  ".join(f"{k}={v:.3f}" for k, v in scores.items()))
