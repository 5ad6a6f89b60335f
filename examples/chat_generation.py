"""Summarise an article, then classify it zero-shot and caption its picture."""

from transformers import (
    AutoModelForCausalLM,
    AutoModelForVision2Seq,
    AutoModelForZeroShotClassification,
    AutoTokenizer,
)

article = open("article.txt").read()

# Summarise with BART, a GPT-style "causal LM" call as the blog post showed.
summarizer_id = "facebook/bart-large-cnn"
tokenizer = AutoTokenizer.from_pretrained(summarizer_id)
model = AutoModelForCausalLM.from_pretrained(summarizer_id)
ids = model.generate(**tokenizer(article, return_tensors="pt", truncation=True), max_new_tokens=128)
summary = tokenizer.batch_decode(ids, skip_special_tokens=True)[0]

# Zero-shot topic classification over an NLI model.
classifier = AutoModelForZeroShotClassification.from_pretrained("facebook/bart-large-mnli")

# Caption the article's picture.
captioner = AutoModelForVision2Seq.from_pretrained("Salesforce/blip-image-captioning-base")
print(summary)
