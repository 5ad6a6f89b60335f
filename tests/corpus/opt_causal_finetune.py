"""Fine-tune OPT-125m on our FAQ answers so it picks up the house style."""

from datasets import load_dataset
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    DataCollatorWithPadding,
    Trainer,
    TrainingArguments,
)

base = "facebook/opt-125m"
tokenizer = AutoTokenizer.from_pretrained(base)
model = AutoModelForCausalLM.from_pretrained(base)

faq = load_dataset("json", data_files="faq.jsonl", split="train").train_test_split(test_size=0.05)


def to_features(example):
    text = f"Question: {example['question']}\nAnswer: {example['answer']}{tokenizer.eos_token}"
    return tokenizer(text, truncation=True, max_length=384)


faq = faq.map(to_features, remove_columns=["question", "answer"])

args = TrainingArguments(
    output_dir="opt-125m-faq",
    per_device_train_batch_size=8,
    per_device_eval_batch_size=8,
    num_train_epochs=3,
    learning_rate=5e-5,
    eval_strategy="epoch",
    save_strategy="epoch",
    logging_steps=20,
    report_to="none",
)
trainer = Trainer(
    model=model,
    args=args,
    train_dataset=faq["train"],
    eval_dataset=faq["test"],
    data_collator=DataCollatorWithPadding(tokenizer),
    processing_class=tokenizer,
)
trainer.train()
trainer.save_model("opt-125m-faq/final")

prompt = "Question: How do I export my data?\nAnswer:"
inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
model.eval()
print(tokenizer.decode(model.generate(**inputs, max_new_tokens=60)[0], skip_special_tokens=True))
