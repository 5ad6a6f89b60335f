"""Load models that ship their own modelling code (trust_remote_code)."""

import torch
from transformers import AutoConfig, AutoModel, AutoModelForCausalLM, AutoTokenizer, pipeline

# Pinned: reviewed commit of the embedding model's custom code.
JINA = "jinaai/jina-embeddings-v2-base-en"
JINA_REVISION = "6e85f575bc273f1fd840a658067d0157933c83f0"

embedder = AutoModel.from_pretrained(JINA, trust_remote_code=True, revision=JINA_REVISION)
vectors = embedder.encode(["How is the weather today?", "What is the current weather like today?"])
print(vectors.shape)

# Our own fork, checked out next to this script.
local_model = AutoModelForCausalLM.from_pretrained("./vendor/custom-moe", trust_remote_code=True)

# Quick experiments with a newer architecture.
phi_tokenizer = AutoTokenizer.from_pretrained("microsoft/Phi-3-mini-4k-instruct")
phi = AutoModelForCausalLM.from_pretrained(
    "microsoft/Phi-3-mini-4k-instruct",
    dtype=torch.bfloat16,
    device_map="auto",
    trust_remote_code=True,
)
inputs = phi_tokenizer.apply_chat_template(
    [{"role": "user", "content": "What is 2 + 2?"}],
    add_generation_prompt=True,
    return_tensors="pt",
    return_dict=True,
).to(phi.device)
print(phi_tokenizer.decode(phi.generate(**inputs, max_new_tokens=20)[0]))

config = AutoConfig.from_pretrained("mosaicml/mpt-7b", trust_remote_code=True, revision="main")
config.max_seq_len = 4096
mpt = AutoModelForCausalLM.from_pretrained(
    "mosaicml/mpt-7b", config=config, trust_remote_code=True, revision="main"
)

summarizer = pipeline(
    "text-generation",
    model="tiiuae/falcon-7b-instruct",
    trust_remote_code=True,
    dtype=torch.bfloat16,
    device_map="auto",
)
print(summarizer("Summarize: The quick brown fox jumps over the lazy dog.", max_new_tokens=30))
