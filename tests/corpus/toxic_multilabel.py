"""Multi-label toxicity tagging (Jigsaw): six independent sigmoid outputs."""

import numpy as np
import torch
from datasets import load_dataset
from sklearn.metrics import f1_score, roc_auc_score
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    Trainer,
    TrainingArguments,
)

LABELS = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
CKPT = "roberta-base"

raw = load_dataset("csv", data_files={"train": "jigsaw_train.csv", "test": "jigsaw_test.csv"})
tokenizer = AutoTokenizer.from_pretrained(CKPT)


def encode(batch):
    enc = tokenizer(batch["comment_text"], truncation=True, padding="max_length", max_length=192)
    enc["labels"] = np.stack([batch[name] for name in LABELS], axis=1).astype(np.float32).tolist()
    return enc


encoded = raw.map(encode, batched=True, remove_columns=raw["train"].column_names)

model = AutoModelForSequenceClassification.from_pretrained(
    CKPT,
    num_labels=len(LABELS),
    problem_type="multilabel",
    id2label={i: name for i, name in enumerate(LABELS)},
    label2id={name: i for i, name in enumerate(LABELS)},
)


def compute_metrics(eval_pred):
    logits, labels = eval_pred
    probs = torch.sigmoid(torch.from_numpy(logits)).numpy()
    preds = (probs >= 0.5).astype(int)
    return {
        "micro_f1": f1_score(labels, preds, average="micro"),
        "roc_auc": roc_auc_score(labels, probs, average="micro"),
    }


args = TrainingArguments(
    output_dir="roberta-jigsaw",
    eval_strategy="epoch",
    save_strategy="epoch",
    load_best_model_at_end=True,
    metric_for_best_model="micro_f1",
    per_device_train_batch_size=32,
    num_train_epochs=2,
    learning_rate=2e-5,
)
trainer = Trainer(
    model=model,
    args=args,
    train_dataset=encoded["train"],
    eval_dataset=encoded["test"],
    processing_class=tokenizer,
    compute_metrics=compute_metrics,
)
trainer.train()
