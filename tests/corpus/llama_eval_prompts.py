"""Score a base Llama model on a few-shot arithmetic prompt set, batched."""

import json
import re

import torch
from transformers import AutoModel, AutoModelForCausalLM, AutoTokenizer

MODEL = "meta-llama/Llama-2-7b-hf"
FEW_SHOT = "Q: 12 + 7 = ?\nA: 19\nQ: 40 - 15 = ?\nA: 25\n"

tokenizer = AutoTokenizer.from_pretrained(MODEL, padding_side="left")
model = AutoModelForCausalLM.from_pretrained(MODEL, dtype=torch.float16, device_map="auto")


def batched(items, size):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def evaluate(questions, answers, batch_size=8):
    correct = 0
    for chunk in batched(list(zip(questions, answers)), batch_size):
        prompts = [FEW_SHOT + f"Q: {q}\nA:" for q, _ in chunk]
        enc = tokenizer(prompts, return_tensors="pt", padding=True).to(model.device)
        out = model.generate(**enc, max_new_tokens=8, do_sample=False)
        completions = tokenizer.batch_decode(out[:, enc["input_ids"].shape[1] :])
        for completion, (_, gold) in zip(completions, chunk):
            match = re.search(r"-?\d+", completion)
            correct += int(match is not None and int(match.group()) == gold)
    return correct / len(questions)


def hidden_state_probe(texts):
    """Mean last-layer activations, for a linear probe trained elsewhere."""
    encoder = AutoModel.from_pretrained(MODEL, dtype=torch.float16, device_map="auto")
    enc = tokenizer(texts[:1], return_tensors="pt").to(encoder.device)
    with torch.no_grad():
        hidden = encoder(**enc).last_hidden_state
    sample = encoder.generate(**enc, max_new_tokens=5)
    return hidden.mean(dim=1), sample


if __name__ == "__main__":
    with open("arith.jsonl") as fh:
        rows = [json.loads(line) for line in fh]
    acc = evaluate([r["question"] for r in rows], [r["answer"] for r in rows])
    print(f"accuracy: {acc:.3f}")
