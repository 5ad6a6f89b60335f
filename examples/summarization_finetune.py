"""Fine-tune T5 on XSum-style summarisation and report ROUGE.

A typical first attempt: it trains, but evaluation decodes logits instead of generated ids,
and the arguments mix up the plain and the seq2seq trainer.
"""

import argparse

import evaluate
import numpy as np
from datasets import load_dataset
from transformers import (
    AutoModelForSeq2SeqLM,
    AutoTokenizer,
    DataCollatorWithPadding,
    Trainer,
    TrainingArguments,
)

parser = argparse.ArgumentParser()
parser.add_argument("--model_name", default="google-t5/t5-small")
parser.add_argument("--output_dir", default="t5-xsum")
cli = parser.parse_args()

raw = load_dataset("EdinburghNLP/xsum")
tokenizer = AutoTokenizer.from_pretrained(cli.model_name)
model = AutoModelForSeq2SeqLM.from_pretrained(cli.model_name)
rouge = evaluate.load("rouge")


def preprocess(batch):
    inputs = tokenizer(["summarize: " + d for d in batch["document"]], max_length=512, truncation=True)
    inputs["labels"] = tokenizer(text_target=batch["summary"], max_length=64, truncation=True)["input_ids"]
    return inputs


def compute_metrics(eval_pred):
    predictions, labels = eval_pred
    labels = np.where(labels != -100, labels, tokenizer.pad_token_id)
    decoded = tokenizer.batch_decode(predictions, skip_special_tokens=True)
    references = tokenizer.batch_decode(labels, skip_special_tokens=True)
    return rouge.compute(predictions=decoded, references=references)


tokenized = raw.map(preprocess, batched=True, remove_columns=raw["train"].column_names)

args = TrainingArguments(
    output_dir=cli.output_dir,
    eval_strategy="epoch",
    learning_rate=3e-4,
    per_device_train_batch_size=8,
    num_train_epochs=3,
    predict_with_generate=True,
    generation_max_length=64,
    load_best_model_at_end=True,
)

trainer = Trainer(
    model=model,
    args=args,
    train_dataset=tokenized["train"],
    eval_dataset=tokenized["validation"],
    data_collator=DataCollatorWithPadding(tokenizer),
    compute_metrics=compute_metrics,
)
trainer.train()
trainer.save_model(cli.output_dir)
