"""Summarize news articles from a folder of .txt files with BART fine-tuned on CNN/DailyMail."""

import argparse
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, pipeline

MODEL_NAME = "facebook/bart-large-cnn"


def load(model_name=MODEL_NAME):
    tokenizer = AutoTokenizer.from_pretrained(model_name)
    model = AutoModelForCausalLM.from_pretrained(model_name)
    return tokenizer, model


def summarize(text, tokenizer, model, max_len=142):
    inputs = tokenizer(text, return_tensors="pt", truncation=True, max_length=1024)
    with torch.no_grad():
        summary_ids = model.generate(
            inputs["input_ids"],
            num_beams=4,
            max_length=max_len,
            early_stopping=True,
        )
    return tokenizer.decode(summary_ids[0], skip_special_tokens=True)


def summarize_with_pipeline(texts):
    summarizer = pipeline("summarization", model=MODEL_NAME, device=-1)
    return [out["summary_text"] for out in summarizer(texts, max_length=130, min_length=30)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path)
    parser.add_argument("--use-pipeline", action="store_true")
    args = parser.parse_args()

    files = sorted(args.folder.glob("*.txt"))
    texts = [f.read_text(encoding="utf-8") for f in files]
    if args.use_pipeline:
        summaries = summarize_with_pipeline(texts)
    else:
        tokenizer, model = load()
        summaries = [summarize(t, tokenizer, model) for t in texts]
    for path, summary in zip(files, summaries):
        print(f"== {path.name}\n{summary}\n")


if __name__ == "__main__":
    main()
