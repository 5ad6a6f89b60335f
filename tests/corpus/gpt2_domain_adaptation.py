# Continue pre-training distilgpt2 on our support-ticket corpus (domain adaptation).
import math

from datasets import load_dataset
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    DataCollatorForLanguageModeling,
    Trainer,
    TrainingArguments,
)

model_checkpoint = "distilgpt2"
datasets = load_dataset("text", data_files={"train": "tickets_train.txt", "validation": "tickets_val.txt"})

tokenizer = AutoTokenizer.from_pretrained(model_checkpoint)
tokenizer.add_special_tokens({"pad_token": "[PAD]", "additional_special_tokens": ["<|agent|>", "<|customer|>"]})

model = AutoModelForCausalLM.from_pretrained(model_checkpoint)


def tokenize_function(examples):
    return tokenizer(examples["text"], truncation=True, max_length=256)


tokenized_datasets = datasets.map(tokenize_function, batched=True, num_proc=4, remove_columns=["text"])
data_collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.15)

training_args = TrainingArguments(
    "distilgpt2-tickets",
    eval_strategy="steps",
    eval_steps=500,
    save_strategy="epoch",
    load_best_model_at_end=True,
    learning_rate=2e-5,
    weight_decay=0.01,
    num_train_epochs=3,
    per_device_train_batch_size=8,
    gradient_checkpointing=True,
    push_to_hub=False,
)

trainer = Trainer(
    model=model,
    args=training_args,
    train_dataset=tokenized_datasets["train"],
    eval_dataset=tokenized_datasets["validation"],
    data_collator=data_collator,
    processing_class=tokenizer,
)
trainer.train()

eval_results = trainer.evaluate()
print(f"Perplexity: {math.exp(eval_results['eval_loss']):.2f}")
trainer.save_model("distilgpt2-tickets/final")
