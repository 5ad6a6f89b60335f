# Question generation: given a passage and an answer span, write the question.
# First attempt: reuse the BERT checkpoint we already fine-tuned MLM on, as a seq2seq model.
import torch
from datasets import load_dataset
from transformers import (
    AutoModelForSeq2SeqLM,
    AutoTokenizer,
    DataCollatorForSeq2Seq,
    Seq2SeqTrainer,
    Seq2SeqTrainingArguments,
)

checkpoint = "bert-base-uncased"
tokenizer = AutoTokenizer.from_pretrained(checkpoint)
model = AutoModelForSeq2SeqLM.from_pretrained(checkpoint)

squad = load_dataset("squad")


def preprocess(examples):
    sources = [
        f"answer: {a['text'][0]} context: {c}" for a, c in zip(examples["answers"], examples["context"])
    ]
    return tokenizer(sources, text_target=examples["question"], max_length=384, truncation=True)


tokenized = squad.map(preprocess, batched=True, remove_columns=squad["train"].column_names)

args = Seq2SeqTrainingArguments(
    output_dir="bert-qg",
    eval_strategy="epoch",
    per_device_train_batch_size=16,
    learning_rate=5e-5,
    num_train_epochs=2,
    predict_with_generate=True,
)
trainer = Seq2SeqTrainer(
    model=model,
    args=args,
    train_dataset=tokenized["train"],
    eval_dataset=tokenized["validation"],
    data_collator=DataCollatorForSeq2Seq(tokenizer, model=model),
    processing_class=tokenizer,
)
trainer.train()

passage = "The Eiffel Tower was completed in 1889 for the World's Fair."
inputs = tokenizer(f"answer: 1889 context: {passage}", return_tensors="pt")
with torch.no_grad():
    out = model.generate(**inputs, max_new_tokens=32, num_beams=4)
print(tokenizer.decode(out[0], skip_special_tokens=True))
