#!/usr/bin/env python
"""Train a topic classifier (5 classes) on a CSV. Usage: python train_topics.py --data topics.csv"""

import argparse
import logging

import pandas as pd
import torch
from datasets import Dataset
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    DataCollatorWithPadding,
    Trainer,
    TrainingArguments,
)

logging.basicConfig(level=logging.INFO)
logger = logging.getLogger("train_topics")
TOPICS = ["business", "entertainment", "politics", "sport", "tech"]


def get_args():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--model_name_or_path", default="bert-base-uncased")
    p.add_argument("--hf_token", default=None)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch_size", type=int, default=16)
    p.add_argument("--fp16", action="store_true")
    p.add_argument("--eight_bit", action="store_true")
    return p.parse_args()


def main():
    args = get_args()
    df = pd.read_csv(args.data)
    df["label"] = df["topic"].map({t: i for i, t in enumerate(TOPICS)})
    splits = Dataset.from_pandas(df[["text", "label"]]).train_test_split(test_size=0.1)

    tokenizer = AutoTokenizer.from_pretrained(args.model_name_or_path, use_auth_token=args.hf_token)
    model = AutoModelForSequenceClassification.from_pretrained(
        args.model_name_or_path,
        use_auth_token=args.hf_token,
        torch_dtype=torch.float16 if args.fp16 else torch.float32,
        load_in_8bit=args.eight_bit,
    )
    logger.info("model has %d labels", model.config.num_labels)

    def tok(batch):
        return tokenizer(batch["text"], truncation=True, max_length=256)

    splits = splits.map(tok, batched=True)
    training_args = TrainingArguments(
        output_dir="topic-model",
        num_train_epochs=args.epochs,
        per_device_train_batch_size=args.batch_size,
        eval_strategy="epoch",
        save_strategy="epoch",
        fp16=args.fp16,
        report_to="none",
    )
    trainer = Trainer(
        model=model,
        args=training_args,
        train_dataset=splits["train"],
        eval_dataset=splits["test"],
        data_collator=DataCollatorWithPadding(tokenizer),
        processing_class=tokenizer,
    )
    trainer.train()
    trainer.save_model("topic-model/final")


if __name__ == "__main__":
    main()
