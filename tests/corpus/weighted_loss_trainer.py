"""Imbalanced 5-class review rating with a class-weighted loss in a Trainer subclass."""

import numpy as np
import torch
from datasets import load_dataset
from sklearn.metrics import f1_score
from torch import nn
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    DataCollatorWithPadding,
    Trainer,
    TrainingArguments,
)

CHECKPOINT = "microsoft/deberta-v3-base"
LABELS = ["1 star", "2 stars", "3 stars", "4 stars", "5 stars"]

dataset = load_dataset("yelp_review_full")
tokenizer = AutoTokenizer.from_pretrained(CHECKPOINT)
encoded = dataset.map(lambda b: tokenizer(b["text"], truncation=True, max_length=256), batched=True)

counts = np.bincount(dataset["train"]["label"], minlength=len(LABELS))
class_weights = torch.tensor(counts.sum() / (len(LABELS) * counts), dtype=torch.float)

model = AutoModelForSequenceClassification.from_pretrained(
    CHECKPOINT,
    num_labels=len(LABELS),
    id2label=dict(enumerate(LABELS)),
    label2id={label: i for i, label in enumerate(LABELS)},
)


class WeightedLossTrainer(Trainer):
    def __init__(self, *args, class_weights=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.class_weights = class_weights

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        labels = inputs.pop("labels")
        outputs = model(**inputs)
        logits = outputs.logits
        loss_fct = nn.CrossEntropyLoss(weight=self.class_weights.to(logits.device))
        loss = loss_fct(logits.view(-1, self.model.config.num_labels), labels.view(-1))
        return (loss, outputs) if return_outputs else loss


def compute_metrics(eval_pred):
    logits, labels = eval_pred
    preds = logits.argmax(-1)
    return {
        "macro_f1": f1_score(labels, preds, average="macro"),
        "accuracy": float((preds == labels).mean()),
    }


args = TrainingArguments(
    output_dir="deberta-yelp-weighted",
    eval_strategy="steps",
    eval_steps=500,
    save_strategy="steps",
    save_steps=500,
    load_best_model_at_end=True,
    metric_for_best_model="macro_f1",
    per_device_train_batch_size=16,
    learning_rate=3e-5,
    num_train_epochs=2,
    train_sampling_strategy="group_by_length",
)
trainer = WeightedLossTrainer(
    model=model,
    args=args,
    train_dataset=encoded["train"].shuffle(seed=0).select(range(50_000)),
    eval_dataset=encoded["test"].select(range(5_000)),
    processing_class=tokenizer,
    data_collator=DataCollatorWithPadding(tokenizer),
    compute_metrics=compute_metrics,
    class_weights=class_weights,
)
trainer.train()
trainer.save_model("deberta-yelp-weighted/best")
