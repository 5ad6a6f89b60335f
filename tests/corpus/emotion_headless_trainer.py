# 3-way emotion classification (anger / joy / sadness) on a small in-house dataset.
import torch
from datasets import load_dataset
from transformers import AutoModel, AutoTokenizer, DataCollatorWithPadding, Trainer, TrainingArguments

TOKENIZER_NAME = "roberta-base"
MODEL_NAME = "distilbert-base-uncased"
LABELS = ["anger", "joy", "sadness"]

ds = load_dataset("csv", data_files={"train": "emotions_train.csv", "test": "emotions_test.csv"})
tokenizer = AutoTokenizer.from_pretrained(TOKENIZER_NAME)


def encode(batch):
    enc = tokenizer(batch["text"], truncation=True, max_length=128)
    enc["labels"] = [LABELS.index(lab) for lab in batch["emotion"]]
    return enc


ds = ds.map(encode, batched=True, remove_columns=["text", "emotion"])
model = AutoModel.from_pretrained(MODEL_NAME, num_labels=len(LABELS))

args = TrainingArguments(
    output_dir="emotion-clf",
    eval_strategy="epoch",
    num_train_epochs=3,
    per_device_train_batch_size=32,
    learning_rate=4e-5,
)
trainer = Trainer(
    model=model,
    args=args,
    train_dataset=ds["train"],
    eval_dataset=ds["test"],
    data_collator=DataCollatorWithPadding(tokenizer),
    processing_class=tokenizer,
)
trainer.train()

examples = ["I can't believe they cancelled the show again", "Best birthday ever!"]
inputs = tokenizer(examples, padding=True, return_tensors="pt").to(model.device)
with torch.no_grad():
    logits = model(**inputs).logits
for text, idx in zip(examples, logits.argmax(-1).tolist()):
    print(LABELS[idx], "|", text)
