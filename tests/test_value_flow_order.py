"""Program order: a fact holds from the statement that makes it until the next one that
changes it. `model(**inputs)` reads the `inputs` the last assignment before it made, not the
file's last one (a notebook that loads several tokenizers in sequence)."""

from __future__ import annotations

import textwrap

import libcst as cst

from hflint.analyzers.collector import collect
from hflint.analyzers.facts import CallFact, ModuleFacts
from hflint.analyzers.values import Const, ObjRef


def facts_of(code: str) -> ModuleFacts:
    return collect(cst.parse_module(textwrap.dedent(code)))


def model_calls(facts: ModuleFacts) -> list[CallFact]:
    return [
        c
        for c in facts.calls
        if c.method in ("__call__", "generate")
        and isinstance(c.receiver, ObjRef)
        and c.receiver.obj.kind.value == "model"
    ]


def tokenizer_of(call: CallFact) -> str | None:
    """The checkpoint of the tokenizer whose call's result reaches the model call."""
    [found] = call.inputs
    assert call.reaching(found.name) is found.calls
    for source in found.calls:
        if isinstance(source.receiver, ObjRef):
            checkpoint = source.receiver.obj.checkpoint
            return checkpoint.value if isinstance(checkpoint, Const) else None
    return None


NOTEBOOK = """
from transformers import AutoModel, AutoModelForCausalLM, AutoTokenizer

tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")
model = AutoModel.from_pretrained("bert-base-uncased")
inputs = tokenizer("Hello", return_tensors="pt")
outputs = model(**inputs)

tokenizer = AutoTokenizer.from_pretrained("gpt2")
model = AutoModelForCausalLM.from_pretrained("gpt2")
inputs = tokenizer("Hello", return_tensors="pt").to("cpu")
outputs = model.generate(**inputs)

def embed(text):
    batch = tokenizer(text, return_tensors="pt")
    return model(input_ids=batch["input_ids"])
"""


def test_each_use_reads_the_assignment_that_reaches_it() -> None:
    first, second, third = model_calls(facts_of(NOTEBOOK))
    assert tokenizer_of(first) == "bert-base-uncased"
    assert tokenizer_of(second) == "gpt2"
    assert [c.method for c in second.inputs[0].calls] == ["to", "__call__"]
    assert tokenizer_of(third) == "gpt2"  # inside a function: its own `batch`


def test_the_model_is_the_one_bound_there_too() -> None:
    first, second, _ = model_calls(facts_of(NOTEBOOK))
    assert isinstance(first.receiver, ObjRef) and isinstance(second.receiver, ObjRef)
    assert first.receiver.obj.class_name == "AutoModel"
    assert second.receiver.obj.class_name == "AutoModelForCausalLM"


def test_branches_that_disagree_reach_nothing() -> None:
    facts = facts_of(
        """
        from transformers import AutoModel, AutoTokenizer
        a = AutoTokenizer.from_pretrained("bert-base-uncased")
        b = AutoTokenizer.from_pretrained("gpt2")
        model = AutoModel.from_pretrained("bert-base-uncased")
        if flag:
            inputs = a("x", return_tensors="pt")
        else:
            inputs = b("x", return_tensors="pt")
        model(**inputs)
        inputs = prepare()
        model(**inputs)
        """
    )
    first, second = model_calls(facts)
    assert first.inputs == []  # one of two tokenizers
    assert second.inputs == []  # rebound to what an untracked call returns


def test_a_name_rebound_to_a_constant_no_longer_holds_the_result() -> None:
    facts = facts_of(
        """
        from transformers import AutoModel, AutoTokenizer
        tok = AutoTokenizer.from_pretrained("gpt2")
        model = AutoModel.from_pretrained("gpt2")
        inputs = tok("x", return_tensors="pt")
        inputs = {"input_ids": ids}
        model(**inputs)
        """
    )
    [call] = model_calls(facts)
    assert call.inputs == []
    assert isinstance(call.receiver, ObjRef)


def test_rules_never_see_the_result_marker() -> None:
    facts = facts_of(
        """
        from transformers import AutoModel, AutoTokenizer
        tok = AutoTokenizer.from_pretrained("gpt2")
        enc = tok("x")
        model = AutoModel.from_pretrained(enc, config=enc)
        """
    )
    [_, model] = facts.objects
    assert model.checkpoint is None
    assert model.kw("config").value is None  # type: ignore[union-attr]
