# A grab-bag of inference with pipeline(): sentiment, NER, zero-shot, generation, speech.
import torch
from transformers import pipeline

device = 0 if torch.cuda.is_available() else -1

classifier = pipeline(
    "sentiment-analysis",
    model="distilbert-base-uncased-finetuned-sst-2-english",
    device=device,
)
print(classifier(["I've been waiting for a HuggingFace course my whole life.", "I hate this so much!"]))

ner = pipeline("ner", model="dslim/bert-base-NER", aggregation_strategy="simple", device=device)
print(ner("My name is Sylvain and I work at Hugging Face in Brooklyn."))

zero_shot = pipeline("zero-shot-classification", model="facebook/bart-large-mnli", device=device)
print(
    zero_shot(
        "This is a course about the Transformers library",
        candidate_labels=["education", "politics", "business"],
    )
)

unmasker = pipeline("fill-mask", model="distilroberta-base", top_k=2)
print(unmasker("This course will teach you all about <mask> models."))

generator = pipeline(
    "text-generation",
    model="Qwen/Qwen2.5-0.5B-Instruct",
    dtype=torch.bfloat16,
    device_map="auto",
)
chat = [{"role": "user", "content": "Write a limerick about tokenizers."}]
result = generator(chat, max_new_tokens=80, do_sample=True, temperature=0.8)
print(result[0]["generated_text"][-1]["content"])

asr = pipeline("automatic-speech-recognition", model="openai/whisper-tiny", chunk_length_s=30)
print(asr("sample_audio.flac", return_timestamps=True)["text"])

scores = pipeline("text-classification", model="cardiffnlp/twitter-roberta-base-sentiment-latest", top_k=None)
for row in scores(["Covid cases are increasing fast!", "Loving the new phone"]):
    print(sorted(row, key=lambda r: r["score"], reverse=True)[0])

embedder = pipeline("feature-extraction", model="sentence-transformers/all-MiniLM-L6-v2")
vectors = embedder(["first sentence", "second sentence"], return_tensors=True)
print([v.mean(dim=1).shape for v in vectors])
