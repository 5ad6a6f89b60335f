"""The editor's path: statements replayed from the last keystroke, and parameters summarised from
the last check, give exactly what a fresh collection gives; an edit at a call site reaches the
function it calls."""

from __future__ import annotations

import random

import libcst as cst
from test_statement_memo import _edits, dump

from hflint.analyzers import incremental, statement_memo
from hflint.analyzers.collector import collect
from hflint.analyzers.facts import Kind
from hflint.analyzers.values import Const

SAMPLE = """\
import argparse
from huggingface_hub import snapshot_download
from transformers import AutoModelForCausalLM, AutoTokenizer, TrainingArguments, pipeline

CONFIG = {"model": {"name": "gpt2"}, "training": {"output_dir": "out", "seed": 1}}


def helper():
    pass


class Bot:
    greeting = "hi"

    def __init__(self, repo, padding_side="left"):
        self.tokenizer = AutoTokenizer.from_pretrained(repo, padding_side=padding_side)
        self.model = AutoModelForCausalLM.from_pretrained(repo)

    def reply(self, texts, **kwargs):
        max_new = kwargs.pop("max_new_tokens", 20)
        batch = self.tokenizer(texts, padding=True, return_tensors="pt")
        return self.model.generate(**batch, max_new_tokens=max_new, **kwargs)


def build(config=CONFIG, **overrides):
    name = config["model"]["name"]
    return pipeline("text-generation", model=name, **overrides), config["training"]


def train(args_dict):
    return TrainingArguments(**args_dict)


parser = argparse.ArgumentParser()
parser.add_argument("--repo", default="Qwen/Qwen2.5-0.5B-Instruct")
args = parser.parse_args()
path = snapshot_download(args.repo)
bot = Bot(path)
bot.reply(["a", "b"], max_new_tokens=5)
pipe, training = build(batch_size=4)
targs = train(training)
print(bot.greeting, pipe, targs)
"""


def test_reused_facts_equal_fresh_facts_across_edits() -> None:
    rng = random.Random(7)
    key = "value-flow-test:editor"
    compared = 0
    for version in [SAMPLE, *_edits(SAMPLE, rng), *_edits(SAMPLE, rng)]:
        try:
            module = incremental.parse(version, key)
        except cst.ParserSyntaxError:
            continue
        kept = collect(module, reuse=key)
        fresh = collect(module)
        assert dump(kept) == dump(fresh)
        compared += 1
    incremental.forget(key)  # and the parameters its last check learnt
    assert compared > 20


def test_an_edit_at_a_call_site_reaches_the_function_body() -> None:
    key = "value-flow-test:call-site"
    lines = [
        "from transformers import AutoModel",
        "def helper():",  # the first indented block: the parse stays incremental below it
        "    pass",
        "def load(name):",
        "    return AutoModel.from_pretrained(name)",
        "x = 1",
        'model = load("gpt2")',
    ]
    first = collect(incremental.parse("\n".join(lines) + "\n", key), reuse=key)
    [obj] = first.objects_of(Kind.MODEL)
    assert obj.checkpoint == Const("gpt2")
    # the same text again: one collection, every statement replayed
    collect(incremental.parse("\n".join(lines) + "\n", key), reuse=key)
    assert statement_memo.last.collected == 0
    lines[-1] = 'model = load("roberta-base")'
    edited = collect(incremental.parse("\n".join(lines) + "\n", key), reuse=key)
    [obj] = edited.objects_of(Kind.MODEL)
    assert obj.checkpoint == Const("roberta-base")
    assert dump(edited) == dump(collect(incremental.parse("\n".join(lines) + "\n", key)))
    incremental.forget(key)  # and the parameters its last check learnt
