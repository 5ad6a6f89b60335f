"""SST-2 sentiment fine-tuning, written against transformers 4.3x and never updated."""

import os

import numpy as np
from datasets import load_dataset, load_metric
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    DataCollatorWithPadding,
    EarlyStoppingCallback,
    Trainer,
    TrainingArguments,
)

MODEL = "distilbert-base-uncased"
HF_TOKEN = os.getenv("HF_TOKEN")

dataset = load_dataset("glue", "sst2")
tokenizer = AutoTokenizer.from_pretrained(MODEL, use_auth_token=HF_TOKEN)


def preprocess(batch):
    return tokenizer(batch["sentence"], truncation=True, max_length=128)


encoded = dataset.map(preprocess, batched=True)
model = AutoModelForSequenceClassification.from_pretrained(
    MODEL, num_labels=2, use_auth_token=HF_TOKEN
)
metric = load_metric("glue", "sst2")


def compute_metrics(p):
    preds = np.argmax(p.predictions, axis=1)
    return metric.compute(predictions=preds, references=p.label_ids)


training_args = TrainingArguments(
    output_dir="./results",
    overwrite_output_dir=True,
    evaluation_strategy="epoch",
    save_strategy="epoch",
    logging_dir="./logs",
    logging_steps=50,
    learning_rate=2e-5,
    per_device_train_batch_size=32,
    per_device_eval_batch_size=64,
    num_train_epochs=3,
    warmup_ratio=0.06,
    weight_decay=0.01,
    load_best_model_at_end=True,
    metric_for_best_model="accuracy",
    no_cuda=not os.environ.get("USE_GPU"),
)

trainer = Trainer(
    model=model,
    args=training_args,
    train_dataset=encoded["train"],
    eval_dataset=encoded["validation"],
    tokenizer=tokenizer,
    data_collator=DataCollatorWithPadding(tokenizer),
    compute_metrics=compute_metrics,
    callbacks=[EarlyStoppingCallback(early_stopping_patience=2)],
)
trainer.train()
trainer.save_model("./sst2-distilbert")
trainer.tokenizer.save_pretrained("./sst2-distilbert")
model.push_to_hub("sst2-distilbert", use_auth_token=HF_TOKEN)
