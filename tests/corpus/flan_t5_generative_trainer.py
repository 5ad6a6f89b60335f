"""Instruction-tune Flan-T5 on a QA-style dataset; evaluation generates in a Trainer subclass."""

import evaluate
import numpy as np
import torch
from datasets import load_dataset
from transformers import (
    AutoModelForSeq2SeqLM,
    AutoTokenizer,
    DataCollatorForSeq2Seq,
    Trainer,
    TrainingArguments,
)

ckpt = "google/flan-t5-small"
tokenizer = AutoTokenizer.from_pretrained(ckpt)
model = AutoModelForSeq2SeqLM.from_pretrained(ckpt)
squad = load_dataset("squad", split="train[:4000]").train_test_split(test_size=0.1)


def preprocess(batch):
    prompts = [f"question: {q} context: {c}" for q, c in zip(batch["question"], batch["context"])]
    answers = [a["text"][0] for a in batch["answers"]]
    return tokenizer(prompts, text_target=answers, max_length=384, truncation=True)


tokenized = squad.map(preprocess, batched=True, remove_columns=squad["train"].column_names)
exact_match = evaluate.load("exact_match")


class GenerativeEvalTrainer(Trainer):
    """Evaluation runs generate() so compute_metrics receives token ids, not logits."""

    def prediction_step(self, model, inputs, prediction_loss_only, ignore_keys=None):
        inputs = self._prepare_inputs(inputs)
        labels = inputs.pop("labels")
        with torch.no_grad():
            generated = model.generate(**inputs, max_new_tokens=32)
        return None, generated, labels


def compute_metrics(eval_pred):
    predictions, labels = eval_pred
    predictions = np.where(predictions != -100, predictions, tokenizer.pad_token_id)
    labels = np.where(labels != -100, labels, tokenizer.pad_token_id)
    decoded_preds = tokenizer.batch_decode(predictions, skip_special_tokens=True)
    decoded_labels = tokenizer.batch_decode(labels, skip_special_tokens=True)
    return exact_match.compute(predictions=decoded_preds, references=decoded_labels)


args = TrainingArguments(
    output_dir="flan-t5-squad",
    eval_strategy="epoch",
    learning_rate=3e-4,
    num_train_epochs=2,
    per_device_train_batch_size=16,
    per_device_eval_batch_size=32,
)
trainer = GenerativeEvalTrainer(
    model=model,
    args=args,
    train_dataset=tokenized["train"],
    eval_dataset=tokenized["test"],
    data_collator=DataCollatorForSeq2Seq(tokenizer, model=model),
    processing_class=tokenizer,
    compute_metrics=compute_metrics,
)
trainer.train()
