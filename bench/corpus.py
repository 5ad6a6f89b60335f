"""A generated corpus shaped like real tutorial code: scripts and notebooks that use
transformers, plain Python that does not, and about one file in ten that does not parse."""

from __future__ import annotations

import json
import random
from pathlib import Path

CHECKPOINTS = [
    "t5-small",
    "google/flan-t5-base",
    "facebook/bart-large-cnn",
    "gpt2",
    "bert-base-uncased",
    "distilbert-base-uncased",
    "roberta-base",
    "Helsinki-NLP/opus-mt-en-de",
    "xlm-roberta-base",
]

TRAIN = """\
import numpy as np
import evaluate
from datasets import load_dataset
from transformers import (
    AutoTokenizer, {auto}, DataCollatorForSeq2Seq, Seq2SeqTrainer,
    Seq2SeqTrainingArguments, Trainer, TrainingArguments,
)

MODEL = "{ckpt}"
raw = load_dataset("{dataset}")
tokenizer = AutoTokenizer.from_pretrained(MODEL)
model = {auto}.from_pretrained(MODEL)
rouge = evaluate.load("rouge")


def preprocess(batch):
    inputs = tokenizer(batch["document"], max_length={n}, truncation=True)
    inputs["labels"] = tokenizer(text_target=batch["summary"], max_length=64, truncation=True)["input_ids"]
    return inputs


def compute_metrics(eval_pred):
    preds, labels = eval_pred
    labels = np.where(labels != -100, labels, tokenizer.pad_token_id)
    decoded = tokenizer.batch_decode(preds, skip_special_tokens=True)
    refs = tokenizer.batch_decode(labels, skip_special_tokens=True)
    return rouge.compute(predictions=decoded, references=refs)


tokenized = raw.map(preprocess, batched=True)
args = {args_cls}(
    output_dir="out-{i}",
    eval_strategy="epoch",
    learning_rate={lr},
    per_device_train_batch_size={bs},
    num_train_epochs={epochs},
)
trainer = {trainer_cls}(
    model=model,
    args=args,
    train_dataset=tokenized["train"],
    eval_dataset=tokenized["validation"],
    data_collator=DataCollatorForSeq2Seq(tokenizer, model=model),
    compute_metrics=compute_metrics,
)
trainer.train()
"""

CLASSIFY = """\
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline

labels = {labels}
id2label = {{i: l for i, l in enumerate(labels)}}
label2id = {{l: i for i, l in enumerate(labels)}}
tok = AutoTokenizer.from_pretrained("{ckpt}")
model = AutoModelForSequenceClassification.from_pretrained(
    "{ckpt}", num_labels=len(labels), id2label=id2label, label2id=label2id
)
clf = pipeline("text-classification", model=model, tokenizer=tok)
for text in ["great", "awful", "fine"]:
    with torch.no_grad():
        print(text, clf(text))
"""

GENERATE = """\
from transformers import AutoModelForCausalLM, AutoTokenizer

tok = AutoTokenizer.from_pretrained("{ckpt}", padding_side="left")
tok.pad_token = tok.eos_token
model = AutoModelForCausalLM.from_pretrained("{ckpt}")
batch = tok(["Hello", "Once upon a time"], padding=True, return_tensors="pt")
out = model.generate(**batch, max_new_tokens={n}, do_sample=True, temperature=0.7)
print(tok.batch_decode(out, skip_special_tokens=True))
"""

PLAIN = """\
import math
import os


def area(r):
    return math.pi * r * r


class Shape:
    def __init__(self, name):
        self.name = name

    def describe(self):
        return f"{{self.name}} with area {{area({n})}}"


for i in range({n}):
    print(Shape(os.path.basename("s" + str(i))).describe())
"""

BROKEN = """\
from transformers import AutoModel
model = AutoModel.from_pretrained("bert-base-uncased"
print(model
"""


def _render(rng: random.Random, i: int) -> str:
    kind = rng.random()
    if kind < 0.1:
        return BROKEN
    if kind < 0.35:
        return PLAIN.format(n=rng.randint(2, 9))
    ckpt = rng.choice(CHECKPOINTS)
    if kind < 0.65:
        seq2seq = rng.random() < 0.6
        return TRAIN.format(
            auto="AutoModelForSeq2SeqLM" if seq2seq else "AutoModelForCausalLM",
            ckpt=ckpt,
            dataset=rng.choice(["xsum", "cnn_dailymail", "samsum"]),
            n=rng.choice([256, 512, 1024]),
            args_cls=rng.choice(["TrainingArguments", "Seq2SeqTrainingArguments"]),
            trainer_cls=rng.choice(["Trainer", "Seq2SeqTrainer"]),
            i=i,
            lr=rng.choice(["2e-5", "5e-5", "3e-4"]),
            bs=rng.choice([4, 8, 16]),
            epochs=rng.choice([1, 3]),
        )
    if kind < 0.85:
        n = rng.randint(2, 6)
        return CLASSIFY.format(labels=[f"label_{k}" for k in range(n)], ckpt=ckpt)
    return GENERATE.format(ckpt=ckpt, n=rng.choice([20, 50, 128]))


def _notebook(source: str) -> str:
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Tutorial\n"]},
        {
            "cell_type": "code",
            "metadata": {},
            "execution_count": 1,
            "outputs": [],
            "source": ["!pip install transformers\n", "%matplotlib inline\n"],
        },
    ]
    for chunk in source.split("\n\n\n"):
        cells.append(
            {
                "cell_type": "code",
                "metadata": {},
                "execution_count": None,
                "outputs": [],
                "source": [line + "\n" for line in chunk.splitlines()],
            }
        )
    return json.dumps(
        {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1
    )


def generate(root: Path, count: int = 1000, seed: int = 7) -> list[Path]:
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        text = _render(rng, i)
        if rng.random() < 0.3:
            path = root / f"nb_{i:04d}.ipynb"
            path.write_text(_notebook(text))
        else:
            path = root / f"script_{i:04d}.py"
            path.write_text(text)
        paths.append(path)
    return paths


def long_file(path: Path, lines: int = 2000) -> Path:
    rng = random.Random(3)
    parts: list[str] = []
    total = 0
    while total < lines:
        text = _render(rng, len(parts))
        if text is BROKEN:
            continue
        parts.append(text)
        total += text.count("\n") + 1
    path.write_text("\n".join(parts))
    return path
