"""Company-internal fine-tuning helpers. The checkpoints live in a private hub org or on disk,
so nothing about them is known ahead of time."""

import os

import torch
from transformers import (
    AutoModelForCausalLM,
    AutoModelForSeq2SeqLM,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    pipeline,
)

HUB_ORG = os.environ.get("HUB_ORG", "acme-ml")
SUMMARIZER = "acme-ml/bart-support-summarizer"
INTENT_MODEL = f"{HUB_ORG}/intent-classifier-v3"
LOCAL_CKPT = "./outputs/checkpoint-1500"
HF_TOKEN = os.environ.get("HF_TOKEN")


def load_summarizer():
    tokenizer = AutoTokenizer.from_pretrained(SUMMARIZER, token=HF_TOKEN)
    model = AutoModelForCausalLM.from_pretrained(SUMMARIZER, token=HF_TOKEN)
    return tokenizer, model


def load_intent_classifier(num_intents):
    tokenizer = AutoTokenizer.from_pretrained(INTENT_MODEL, token=HF_TOKEN)
    model = AutoModelForSequenceClassification.from_pretrained(
        INTENT_MODEL, num_labels=num_intents, token=HF_TOKEN
    )
    return tokenizer, model


def load_local_rewriter():
    tokenizer = AutoTokenizer.from_pretrained(LOCAL_CKPT)
    model = AutoModelForSeq2SeqLM.from_pretrained(LOCAL_CKPT, dtype=torch.float16)
    return tokenizer, model


def route(ticket_text):
    tokenizer, model = load_intent_classifier(num_intents=14)
    inputs = tokenizer(ticket_text, return_tensors="pt", truncation=True)
    with torch.no_grad():
        logits = model(**inputs).logits
    return model.config.id2label[int(logits.argmax(-1))]


def summarize(ticket_text):
    tokenizer, model = load_summarizer()
    inputs = tokenizer(ticket_text, return_tensors="pt", truncation=True)
    ids = model.generate(**inputs, max_new_tokens=96, num_beams=4)
    return tokenizer.decode(ids[0], skip_special_tokens=True)


def rewrite(ticket_text):
    tokenizer, model = load_local_rewriter()
    inputs = tokenizer(ticket_text, return_tensors="pt")
    ids = model.generate(**inputs, max_new_tokens=64)
    return tokenizer.decode(ids[0], skip_special_tokens=True)


intent_pipe = pipeline("text-classification", model=INTENT_MODEL, token=HF_TOKEN)

if __name__ == "__main__":
    text = "My invoice shows a double charge for March, please refund one of them."
    print(route(text), summarize(text), rewrite(text), intent_pipe(text))
