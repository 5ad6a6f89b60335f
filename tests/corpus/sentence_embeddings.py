"""Semantic search: bi-encoder embeddings with mean pooling, then cross-encoder re-ranking."""

import torch
import torch.nn.functional as F
from transformers import AutoModel, AutoModelForSequenceClassification, AutoTokenizer

EMBEDDER = "sentence-transformers/all-MiniLM-L6-v2"
RERANKER = "cross-encoder/ms-marco-MiniLM-L-6-v2"

embed_tokenizer = AutoTokenizer.from_pretrained(EMBEDDER)
embed_model = AutoModel.from_pretrained(EMBEDDER)
rerank_tokenizer = AutoTokenizer.from_pretrained(RERANKER)
reranker = AutoModelForSequenceClassification.from_pretrained(RERANKER)


def mean_pooling(model_output, attention_mask):
    token_embeddings = model_output.last_hidden_state
    mask = attention_mask.unsqueeze(-1).expand(token_embeddings.size()).float()
    return torch.sum(token_embeddings * mask, 1) / torch.clamp(mask.sum(1), min=1e-9)


@torch.inference_mode()
def embed(sentences):
    encoded = embed_tokenizer(sentences, padding=True, truncation=True, return_tensors="pt")
    output = embed_model(**encoded)
    return F.normalize(mean_pooling(output, encoded["attention_mask"]), p=2, dim=1)


@torch.inference_mode()
def rerank(query, passages):
    features = rerank_tokenizer(
        [query] * len(passages), passages, padding=True, truncation=True, return_tensors="pt"
    )
    scores = reranker(**features).logits.squeeze(-1)
    return sorted(zip(passages, scores.tolist()), key=lambda pair: pair[1], reverse=True)


corpus = [
    "A man is eating food.",
    "A man is eating a piece of bread.",
    "The girl is carrying a baby.",
    "A man is riding a horse.",
    "A woman is playing violin.",
    "Two men pushed carts through the woods.",
    "A man is riding a white horse on an enclosed ground.",
    "A monkey is playing drums.",
]
corpus_embeddings = embed(corpus)

for query in ["A man is eating pasta.", "Someone in a gorilla costume is playing a set of drums."]:
    query_embedding = embed([query])
    hits = (query_embedding @ corpus_embeddings.T)[0].topk(4)
    candidates = [corpus[i] for i in hits.indices.tolist()]
    print(query)
    for passage, score in rerank(query, candidates):
        print(f"  {score:6.2f}  {passage}")
