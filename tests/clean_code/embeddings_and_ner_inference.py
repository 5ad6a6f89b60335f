import torch
from transformers import AutoModel, AutoModelForTokenClassification, AutoTokenizer, pipeline

name = "sentence-transformers/all-MiniLM-L6-v2"
tokenizer = AutoTokenizer.from_pretrained(name)
encoder = AutoModel.from_pretrained(name)
batch = tokenizer(["a sentence", "another one"], padding=True, truncation=True, return_tensors="pt")
with torch.no_grad():
    hidden = encoder(**batch).last_hidden_state
mask = batch["attention_mask"].unsqueeze(-1)
embeddings = (hidden * mask).sum(1) / mask.sum(1)

ner_model = AutoModelForTokenClassification.from_pretrained("dslim/bert-base-NER")
ner_tok = AutoTokenizer.from_pretrained("dslim/bert-base-NER")
ner = pipeline("token-classification", model=ner_model, tokenizer=ner_tok, aggregation_strategy="simple")
print(ner("My name is Wolfgang and I live in Berlin"))
features = pipeline("feature-extraction", model=encoder, tokenizer=tokenizer)
