"""Answer a batch of questions with a small instruct model: left padding, chat template."""

import json
import sys

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

MODEL_ID = "HuggingFaceTB/SmolLM2-135M-Instruct"
device = "cuda" if torch.cuda.is_available() else "cpu"

tokenizer = AutoTokenizer.from_pretrained(MODEL_ID, padding_side="left")
if tokenizer.pad_token is None:
    tokenizer.pad_token = tokenizer.eos_token
model = AutoModelForCausalLM.from_pretrained(MODEL_ID, dtype=torch.bfloat16).to(device)
model.generation_config.pad_token_id = tokenizer.pad_token_id


def build_prompts(questions):
    prompts = []
    for question in questions:
        messages = [
            {"role": "system", "content": "You are a concise assistant."},
            {"role": "user", "content": question},
        ]
        prompts.append(
            tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        )
    return prompts


def answer(questions, batch_size=8):
    answers = []
    for start in range(0, len(questions), batch_size):
        chunk = build_prompts(questions[start : start + batch_size])
        batch = tokenizer(chunk, return_tensors="pt", padding=True).to(device)
        output = model.generate(
            **batch,
            max_new_tokens=128,
            do_sample=True,
            temperature=0.7,
            top_p=0.9,
        )
        new_tokens = output[:, batch["input_ids"].shape[1] :]
        answers.extend(tokenizer.batch_decode(new_tokens, skip_special_tokens=True))
    return answers


if __name__ == "__main__":
    path = sys.argv[1] if len(sys.argv) > 1 else "questions.jsonl"
    with open(path) as handle:
        questions = [json.loads(line)["question"] for line in handle]
    for question, reply in zip(questions, answer(questions)):
        print(json.dumps({"question": question, "answer": reply.strip()}))
