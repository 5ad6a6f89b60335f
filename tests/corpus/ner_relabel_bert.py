# Fine-tune an existing NER model on our own 7-tag scheme (no MISC entities).
import torch
from datasets import load_dataset
from transformers import (
    AutoModelForTokenClassification,
    AutoTokenizer,
    DataCollatorForTokenClassification,
    Trainer,
    TrainingArguments,
)

base = "dslim/bert-base-NER"
tags = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"]
id2label = {i: t for i, t in enumerate(tags)}
label2id = {t: i + 1 for i, t in enumerate(tags)}

tokenizer = AutoTokenizer.from_pretrained(base)
model = AutoModelForTokenClassification.from_pretrained(
    base,
    num_labels=len(tags),
    id2label=id2label,
    label2id=label2id,
)

raw = load_dataset("json", data_files={"train": "train.jsonl", "dev": "dev.jsonl"})


def encode(example):
    enc = tokenizer.encode_plus(
        example["tokens"],
        is_split_into_words=True,
        truncation=True,
        max_length=256,
    )
    word_ids = enc.word_ids()
    enc["labels"] = [
        -100 if w is None else label2id[example["tags"][w]] for w in word_ids
    ]
    return enc


train = raw["train"].map(encode, remove_columns=raw["train"].column_names)
dev = raw["dev"].map(encode, remove_columns=raw["dev"].column_names)

args = TrainingArguments(
    output_dir="ner-7tags",
    eval_strategy="epoch",
    save_strategy="epoch",
    num_train_epochs=4,
    learning_rate=3e-5,
    per_device_train_batch_size=16,
)
trainer = Trainer(
    model=model,
    args=args,
    train_dataset=train,
    eval_dataset=dev,
    data_collator=DataCollatorForTokenClassification(tokenizer),
    processing_class=tokenizer,
)
trainer.train()

model.eval()
sentence = "Angela Merkel visited the Siemens plant in Munich."
inputs = tokenizer(sentence, return_tensors="pt")
with torch.no_grad():
    predictions = model(**inputs).logits.argmax(-1)[0]
tokens = tokenizer.convert_ids_to_tokens(inputs["input_ids"][0])
for token, pred in zip(tokens, predictions.tolist()):
    print(f"{token:15} {model.config.id2label[pred]}")
