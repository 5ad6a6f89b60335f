# Visual question answering with LLaVA 1.5 in 4-bit (written for transformers 4.36).
import requests
import torch
from PIL import Image
from transformers import AutoModelForVision2Seq, AutoProcessor, pipeline

model_id = "llava-hf/llava-1.5-7b-hf"

processor = AutoProcessor.from_pretrained(model_id)
model = AutoModelForVision2Seq.from_pretrained(
    model_id,
    torch_dtype=torch.float16,
    load_in_4bit=True,
    low_cpu_mem_usage=True,
)

url = "https://www.ilankelman.org/stopsigns/australia.jpg"
image = Image.open(requests.get(url, stream=True).raw)
prompt = "USER: <image>\nWhat is shown in this image? ASSISTANT:"

inputs = processor(images=image, text=prompt, return_tensors="pt").to(0, torch.float16)
output = model.generate(**inputs, max_new_tokens=200, do_sample=False)
print(processor.decode(output[0][2:], skip_special_tokens=True))

questions = ["How many cars are there?", "What colour is the sign?"]
prompts = [f"USER: <image>\n{q} ASSISTANT:" for q in questions]
batch = processor(images=[image] * len(prompts), text=prompts, padding=True, return_tensors="pt").to(
    0, torch.float16
)
answers = model.generate(**batch, max_new_tokens=50)
for q, a in zip(questions, processor.batch_decode(answers, skip_special_tokens=True)):
    print(q, "->", a.split("ASSISTANT:")[-1].strip())

vqa = pipeline("visual-question-answering", model="dandelin/vilt-b32-finetuned-vqa")
print(vqa(image=image, question="Is there a stop sign?", top_k=1))
