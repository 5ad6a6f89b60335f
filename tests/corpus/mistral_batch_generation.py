"""Batch-generate product descriptions with Mistral-7B-Instruct (bf16, one GPU)."""

import csv

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

model_id = "mistralai/Mistral-7B-Instruct-v0.2"
tokenizer = AutoTokenizer.from_pretrained(model_id)
tokenizer.pad_token = tokenizer.eos_token
model = AutoModelForCausalLM.from_pretrained(model_id, dtype=torch.bfloat16, device_map="auto")

model.config.temperature = 0.7
model.config.top_p = 0.9


def make_prompt(product):
    messages = [
        {
            "role": "user",
            "content": f"Write a two-sentence description for: {product['name']} "
            f"({product['category']}). Key features: {product['features']}",
        }
    ]
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)


with open("products.csv", newline="") as f:
    products = list(csv.DictReader(f))

results = []
for i in range(0, len(products), 16):
    rows = products[i : i + 16]
    prompts = [make_prompt(p) for p in rows]
    batch = tokenizer(prompts, return_tensors="pt", padding=True).to("cuda")
    with torch.no_grad():
        out = model.generate(
            **batch,
            max_length=256,
            temperature=0.7,
            top_p=0.9,
            repetition_penalty=1.1,
        )
    texts = tokenizer.batch_decode(out[:, batch["input_ids"].shape[1] :], skip_special_tokens=True)
    results.extend(zip((p["name"] for p in rows), texts))

with open("descriptions.csv", "w", newline="") as f:
    writer = csv.writer(f)
    writer.writerow(["name", "description"])
    writer.writerows(results)
print(f"wrote {len(results)} descriptions")
