"""Direct preference optimisation of a chat model on UltraFeedback pairs (TRL DPOTrainer)."""

import torch
from datasets import load_dataset
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import DPOConfig, DPOTrainer

model_id = "Qwen/Qwen2.5-0.5B-Instruct"
tokenizer = AutoTokenizer.from_pretrained(model_id)
if tokenizer.pad_token is None:
    tokenizer.pad_token = tokenizer.eos_token

policy = AutoModelForCausalLM.from_pretrained(model_id, dtype=torch.bfloat16)
reference = AutoModelForCausalLM.from_pretrained(model_id, dtype=torch.bfloat16)

dataset = load_dataset("trl-lib/ultrafeedback_binarized")

training_args = DPOConfig(
    output_dir="qwen2.5-0.5b-dpo",
    beta=0.1,
    learning_rate=5e-7,
    per_device_train_batch_size=2,
    gradient_accumulation_steps=16,
    num_train_epochs=1,
    max_length=1024,
    eval_strategy="steps",
    eval_steps=200,
    save_strategy="steps",
    save_steps=200,
    logging_steps=25,
    bf16=True,
    activation_checkpointing=True,
)

trainer = DPOTrainer(
    model=policy,
    ref_model=reference,
    args=training_args,
    train_dataset=dataset["train"],
    eval_dataset=dataset["test"],
    processing_class=tokenizer,
)
trainer.train()
trainer.save_model(training_args.output_dir)

metrics = trainer.evaluate()
print({k: v for k, v in metrics.items() if "rewards" in k})
