import math

from datasets import load_dataset
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    DataCollatorForLanguageModeling,
    Trainer,
    TrainingArguments,
)

tokenizer = AutoTokenizer.from_pretrained("distilbert/distilgpt2")
tokenizer.pad_token = tokenizer.eos_token
model = AutoModelForCausalLM.from_pretrained("distilbert/distilgpt2")
eli5 = load_dataset("eli5_category", split="train[:5000]")


def preprocess(examples):
    return tokenizer([" ".join(x) for x in examples["answers.text"]])


lm_dataset = eli5.map(preprocess, batched=True)
data_collator = DataCollatorForLanguageModeling(tokenizer=tokenizer, mlm=False)
training_args = TrainingArguments(output_dir="lm", eval_strategy="epoch", learning_rate=2e-5)
trainer = Trainer(
    model=model,
    args=training_args,
    train_dataset=lm_dataset,
    eval_dataset=lm_dataset,
    data_collator=data_collator,
)
trainer.train()
print(math.exp(trainer.evaluate()["eval_loss"]))
