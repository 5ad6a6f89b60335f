"""Runtime facts for test_checkpoint_contracts.py, run by it in a subprocess, offline.

Builds tiny checkpoints from configs (no download) under the folder given as argument, and
prints one JSON line with what the installed transformers did.
"""

import io
import json
import logging
import os
import sys

import torch
import transformers
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import (
    AutoModel,
    AutoTokenizer,
    BertForSequenceClassification,
    BertTokenizer,
    DistilBertConfig,
    DistilBertForSequenceClassification,
    GPT2Config,
    GPT2LMHeadModel,
    LlamaTokenizer,
    pipeline,
)

root = sys.argv[1]
out: dict[str, object] = {}
stream = io.StringIO()
transformers.logging.get_logger().addHandler(logging.StreamHandler(stream))
transformers.logging.set_verbosity_warning()  # type: ignore[no-untyped-call]


def logged(marker: str) -> list[str]:
    lines = [line for line in stream.getvalue().splitlines() if marker in line.lower()]
    stream.truncate(0)
    stream.seek(0)
    return lines


# HF103: a sequence classifier reloaded with AutoModel, its outputs read for logits / loss
config = DistilBertConfig(dim=32, hidden_dim=37, n_layers=1, n_heads=2, vocab_size=99)
DistilBertForSequenceClassification(config).save_pretrained(root + "/clf")
outputs = AutoModel.from_pretrained(root + "/clf")(input_ids=torch.tensor([[1, 2, 3]]))
try:
    out["logits"] = repr(outputs.logits)
except AttributeError as e:
    out["logits"] = f"AttributeError: {e}"
try:
    out["loss_key"] = repr(outputs["loss"])
except KeyError as e:
    out["loss_key"] = f"KeyError: {e}"

# a byte-level BPE tokenizer without a pad token, GPT-2 style, and a GPT-2 of its size
tok = Tokenizer(models.BPE())
tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
tok.decoder = decoders.ByteLevel()
corpus = ["hello world [PAD] <e1> x </e1> " * 3, "the cat sat on the mat", "Paris is nice"] * 20
alphabet = pre_tokenizers.ByteLevel.alphabet()
trainer = trainers.BpeTrainer(
    vocab_size=300, special_tokens=["<|endoftext|>"], initial_alphabet=alphabet
)
tok.train_from_iterator(corpus, trainer)
eos = "<|endoftext|>"
fast = transformers.PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
    tokenizer_object=tok, eos_token=eos, bos_token=eos, unk_token=eos
)
fast.save_pretrained(root + "/gpt2")
GPT2LMHeadModel(GPT2Config(vocab_size=len(fast), n_layer=1, n_embd=16, n_head=2)).save_pretrained(
    root + "/gpt2"
)

# HF104: a BERT class on the GPT-2 checkpoint
logged("")
BertForSequenceClassification.from_pretrained(root + "/gpt2")
out["type_warning"] = next(iter(logged("you are using a model of type")), "")

# HF602: `[PAD]` is new to the byte-level vocabulary, although the corpus holds the text
out["added_pad"] = AutoTokenizer.from_pretrained(root + "/gpt2").add_special_tokens(
    {"pad_token": "[PAD]"}
)

# HF507: batching a pipeline whose tokenizer has no pad token; one string is fine
pipe = pipeline("text-generation", model=root + "/gpt2", tokenizer=root + "/gpt2")
try:
    pipe(["hello", "the cat sat"], batch_size=2, max_new_tokens=2)
except ValueError as e:
    out["batching"] = f"ValueError: {e}"
out["single_ok"] = bool(pipe("hello", batch_size=2, max_new_tokens=2))

# HF605: do_lower_case=True on a cased WordPiece vocabulary; HF602: `<e1>` is new to it
os.makedirs(root + "/cased", exist_ok=True)
with open(root + "/cased/vocab.txt", "w", encoding="utf-8") as fh:
    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "Paris", "is", "?", "paris", "<", ">"]
    fh.write("\n".join([*words, "e1"]))
with open(root + "/cased/tokenizer_config.json", "w", encoding="utf-8") as fh:
    json.dump({"tokenizer_class": "BertTokenizer", "do_lower_case": False}, fh)
own = BertTokenizer.from_pretrained(root + "/cased")
out["cased_tokens"] = own.tokenize("Paris is ?")
out["lowered_tokens"] = BertTokenizer.from_pretrained(root + "/cased", do_lower_case=True).tokenize(
    "Paris is ?"
)
out["added_e1"] = own.add_special_tokens({"additional_special_tokens": ["<e1>"]})

# HF604: a Llama tokenizer on a checkpoint whose tokenizer_config.json names another class
path = root + "/gpt2/tokenizer_config.json"
with open(path, encoding="utf-8") as fh:
    tok_config = json.load(fh)
tok_config["tokenizer_class"] = "BloomTokenizerFast"
with open(path, "w", encoding="utf-8") as fh:
    json.dump(tok_config, fh)
logged("")
forced = LlamaTokenizer.from_pretrained(root + "/gpt2")
auto = AutoTokenizer.from_pretrained(root + "/gpt2")
text = "hello world the cat"
out["forced_differs"] = forced(text)["input_ids"] != auto(text)["input_ids"]
out["forced_logged"] = logged("tokenizer")
print(json.dumps(out))
