"""STS-B: predict a similarity score in [0, 5] with a one-output regression head."""

import numpy as np
from datasets import load_dataset
from scipy.stats import pearsonr, spearmanr
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    DataCollatorWithPadding,
    Trainer,
    TrainingArguments,
)

checkpoint = "roberta-base"
raw = load_dataset("glue", "stsb")
tokenizer = AutoTokenizer.from_pretrained(checkpoint)
model = AutoModelForSequenceClassification.from_pretrained(
    checkpoint, num_labels=1, problem_type="regression"
)


def preprocess(batch):
    enc = tokenizer(batch["sentence1"], batch["sentence2"], truncation=True, max_length=128)
    enc["labels"] = [float(score) for score in batch["label"]]
    return enc


encoded = raw.map(preprocess, batched=True, remove_columns=raw["train"].column_names)


def compute_metrics(eval_pred):
    predictions, labels = eval_pred
    predictions = np.squeeze(predictions)
    return {
        "pearson": pearsonr(predictions, labels)[0],
        "spearmanr": spearmanr(predictions, labels)[0],
    }


args = TrainingArguments(
    output_dir="roberta-stsb",
    eval_strategy="epoch",
    save_strategy="epoch",
    load_best_model_at_end=True,
    metric_for_best_model="pearson",
    num_train_epochs=5,
    learning_rate=2e-5,
    per_device_train_batch_size=32,
)
trainer = Trainer(
    model=model,
    args=args,
    train_dataset=encoded["train"],
    eval_dataset=encoded["validation"],
    data_collator=DataCollatorWithPadding(tokenizer),
    processing_class=tokenizer,
    compute_metrics=compute_metrics,
)
trainer.train()
print(trainer.evaluate())
