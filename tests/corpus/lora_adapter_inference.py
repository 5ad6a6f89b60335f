"""Serve a LoRA adapter on top of Llama-2-7b in 8-bit for a quick demo."""

import torch
from peft import PeftModel
from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig

BASE = "meta-llama/Llama-2-7b-hf"
ADAPTER = "acme-ml/llama2-7b-support-lora"

tokenizer = AutoTokenizer.from_pretrained(BASE)
base_model = AutoModelForCausalLM.from_pretrained(
    BASE,
    load_in_8bit=True,
    torch_dtype=torch.float16,
    device_map="auto",
)
model = PeftModel.from_pretrained(base_model, ADAPTER, torch_dtype=torch.float16)
model.eval()

generation_config = GenerationConfig(
    temperature=0.2,
    top_p=0.75,
    num_beams=1,
    max_new_tokens=256,
)

TEMPLATE = """### Instruction:
{instruction}

### Response:
"""


def respond(instruction):
    prompt = TEMPLATE.format(instruction=instruction)
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    with torch.no_grad():
        output = model.generate(**inputs, generation_config=generation_config)
    text = tokenizer.decode(output[0], skip_special_tokens=True)
    return text.split("### Response:")[-1].strip()


def respond_short(instruction):
    prompt = TEMPLATE.format(instruction=instruction)
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    output = model.generate(input_ids=inputs["input_ids"], max_length=64)
    return tokenizer.decode(output[0], skip_special_tokens=True)


if __name__ == "__main__":
    for q in ["How do I reset my password?", "Can I change my billing date?"]:
        print(q, "->", respond(q))
    print(respond_short("Say hello."))
