import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, AutoTokenizer, BitsAndBytesConfig, pipeline

model_id = "Qwen/Qwen2.5-0.5B-Instruct"
tok = AutoTokenizer.from_pretrained(model_id, padding_side="left")
base = AutoModelForCausalLM.from_pretrained(
    model_id, dtype=torch.bfloat16, quantization_config=BitsAndBytesConfig(load_in_4bit=True)
)
model = get_peft_model(base, LoraConfig(r=8, target_modules=["q_proj", "v_proj"]))
messages = [{"role": "user", "content": "Hello!"}]
inputs = tok.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt", return_dict=True)
out = model.generate(**inputs, max_new_tokens=64)
print(tok.decode(out[0], skip_special_tokens=True))
chat = pipeline("text-generation", model=model_id)
print(chat(messages, max_new_tokens=32))
