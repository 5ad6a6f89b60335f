"""Demo app backend: every task through pipeline(), as it was written for transformers 4.x."""

import os

from transformers import pipeline

TOKEN = os.environ["HF_TOKEN"]
DEVICE = int(os.environ.get("DEVICE", "0"))

translator = pipeline("translation_en_to_fr", model="t5-small", device=DEVICE)
qa = pipeline("question-answering", model="deepset/roberta-base-squad2", device=DEVICE)
chatbot = pipeline("conversational", model="microsoft/DialoGPT-medium")
writer = pipeline("text-generation", model="bert-base-uncased")
captioner = pipeline("image-to-text", model="Salesforce/blip-image-captioning-base")
large_lm = pipeline(
    "text-generation",
    model="meta-llama/Meta-Llama-3-8B-Instruct",
    device=DEVICE,
    device_map="auto",
    use_auth_token=TOKEN,
)
ner = pipeline("ner", grouped_entities=True)
moderation = pipeline("text-classification", model="unitary/toxic-bert", framework="pt", top_k=None)


def handle(request):
    kind, payload = request["kind"], request["payload"]
    if kind == "translate":
        return translator(payload)[0]["translation_text"]
    if kind == "qa":
        return qa(question=payload["question"], context=payload["context"])["answer"]
    if kind == "chat":
        return chatbot(payload)
    if kind == "complete":
        return writer(payload, max_new_tokens=30)[0]["generated_text"]
    if kind == "caption":
        return captioner(payload)[0]["generated_text"]
    if kind == "assistant":
        return large_lm([{"role": "user", "content": payload}], max_new_tokens=200)
    if kind == "entities":
        return ner(payload)
    if kind == "moderate":
        return moderation(payload)
    raise ValueError(f"unknown request kind {kind!r}")


if __name__ == "__main__":
    print(handle({"kind": "translate", "payload": "How old are you?"}))
