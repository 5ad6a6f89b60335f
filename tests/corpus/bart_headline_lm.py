"""Headline generation: continue "Article: ... Headline:" prompts with BART trained as a language model."""

from datasets import load_dataset
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    DataCollatorForLanguageModeling,
    Trainer,
    TrainingArguments,
)

checkpoint = "facebook/bart-base"
tokenizer = AutoTokenizer.from_pretrained(checkpoint)
model = AutoModelForCausalLM.from_pretrained(checkpoint)

news = load_dataset("ag_news", split="train[:20000]")


def to_prompt(example):
    body, _, title = example["text"].partition(" - ")
    return tokenizer(f"Article: {body}\nHeadline: {title}", truncation=True, max_length=256)


tokenized = news.map(to_prompt, remove_columns=news.column_names)

args = TrainingArguments(
    output_dir="bart-headlines",
    per_device_train_batch_size=16,
    num_train_epochs=2,
    learning_rate=5e-5,
    logging_steps=50,
    save_strategy="epoch",
)
trainer = Trainer(
    model=model,
    args=args,
    train_dataset=tokenized,
    data_collator=DataCollatorForLanguageModeling(tokenizer, mlm=False),
    processing_class=tokenizer,
)
trainer.train()

prompt = "Article: Stocks rallied on Friday after the central bank held rates steady.\nHeadline:"
inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
print(tokenizer.decode(model.generate(**inputs, max_new_tokens=20)[0], skip_special_tokens=True))
