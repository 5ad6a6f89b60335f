"""Describe images with Qwen2-VL through AutoProcessor and AutoModelForImageTextToText."""

import argparse

import requests
import torch
from PIL import Image
from transformers import AutoModelForImageTextToText, AutoProcessor

parser = argparse.ArgumentParser()
parser.add_argument("--model", default="Qwen/Qwen2-VL-2B-Instruct")
parser.add_argument("--images", nargs="+", required=True)
parser.add_argument("--question", default="Describe this image in one sentence.")
args = parser.parse_args()

processor = AutoProcessor.from_pretrained(args.model)
processor.tokenizer.padding_side = "left"
model = AutoModelForImageTextToText.from_pretrained(
    args.model, dtype=torch.bfloat16, device_map="auto", attn_implementation="sdpa"
)


def load_image(location):
    if location.startswith("http"):
        return Image.open(requests.get(location, stream=True).raw).convert("RGB")
    return Image.open(location).convert("RGB")


conversations = []
for location in args.images:
    conversations.append(
        [
            {
                "role": "user",
                "content": [
                    {"type": "image", "image": load_image(location)},
                    {"type": "text", "text": args.question},
                ],
            }
        ]
    )

inputs = processor.apply_chat_template(
    conversations,
    add_generation_prompt=True,
    tokenize=True,
    return_dict=True,
    return_tensors="pt",
    padding=True,
).to(model.device)

generated_ids = model.generate(**inputs, max_new_tokens=128)
trimmed = [out[len(inp) :] for inp, out in zip(inputs["input_ids"], generated_ids)]
captions = processor.batch_decode(trimmed, skip_special_tokens=True)
for location, caption in zip(args.images, captions):
    print(f"{location}: {caption}")
