"""Spam / ham detection with GPT-2 as a sequence classifier."""

import numpy as np
import pandas as pd
import torch
import evaluate
from datasets import Dataset
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    Trainer,
    TrainingArguments,
)

checkpoint = "gpt2"
df = pd.read_csv("spam.csv", encoding="latin-1")[["v1", "v2"]]
df.columns = ["label", "text"]
df["label"] = (df["label"] == "spam").astype(int)
ds = Dataset.from_pandas(df).train_test_split(test_size=0.2, seed=7)

tokenizer = AutoTokenizer.from_pretrained(checkpoint)
tokenizer.pad_token = tokenizer.eos_token
model = AutoModelForSequenceClassification.from_pretrained(checkpoint, num_labels=1)

accuracy = evaluate.load("accuracy")


def tokenize(batch):
    return tokenizer(batch["text"], padding="max_length", truncation=True, max_length=128)


tokenized = ds.map(tokenize, batched=True)


def compute_metrics(eval_pred):
    logits, labels = eval_pred
    predictions = (logits.squeeze(-1) > 0.5).astype(int)
    return accuracy.compute(predictions=predictions, references=labels)


args = TrainingArguments(
    output_dir="gpt2-spam",
    eval_strategy="epoch",
    per_device_train_batch_size=8,
    per_device_eval_batch_size=8,
    num_train_epochs=2,
    learning_rate=5e-5,
)
trainer = Trainer(
    model=model,
    args=args,
    train_dataset=tokenized["train"],
    eval_dataset=tokenized["test"],
    compute_metrics=compute_metrics,
)
trainer.train()

texts = ["WINNER!! You have been selected for a free cruise", "see you at lunch?"]
batch = tokenizer(texts, padding=True, return_tensors="pt").to(model.device)
model.eval()
with torch.no_grad():
    scores = model(**batch).logits.squeeze(-1)
print(np.round(scores.cpu().numpy(), 3))
