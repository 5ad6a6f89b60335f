"""Collector facts the classification-head rules read: label lists and attribute writes."""

from __future__ import annotations

import textwrap

import libcst as cst

from hflint.analyzers.collector import collect
from hflint.analyzers.facts import ModuleFacts


def facts_of(code: str) -> ModuleFacts:
    return collect(cst.parse_module(textwrap.dedent(code)))


def test_label_lists_know_their_function() -> None:
    facts = facts_of(
        """
        from datasets import ClassLabel
        labels = ["neg", "pos"]
        def build():
            tags = ClassLabel(names=["O", "B-PER"])
            label_list = ["a", "b", "c"]
        """
    )
    by_name = {found.name: found for found in facts.label_lists}
    assert by_name["labels"].function is None
    assert by_name["label_list"].function is not None
    assert by_name["label_list"].function.name == "build"
    assert by_name["ClassLabel"].function is not None
    assert by_name["ClassLabel"].labels == ["O", "B-PER"]


def test_attribute_writes_are_recorded_whatever_the_receiver() -> None:
    facts = facts_of(
        """
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
        tok = AutoTokenizer.from_pretrained("gpt2")
        tok.pad_token = tok.eos_token
        model = AutoModelForSequenceClassification.from_pretrained("gpt2")
        cfg = model.config
        cfg.pad_token_id = 0
        model.config.pad_token_id = tok.pad_token_id
        """
    )
    writes = facts.attr_writes
    assert len(writes["pad_token_id"]) == 2  # cfg.pad_token_id (untracked) and model.config...
    assert len(writes["pad_token"]) == 1
    tracked = {id(use.node) for use in facts.attr_uses if use.is_write}
    untracked = [n for n in writes["pad_token_id"] if id(n) not in tracked]
    assert len(untracked) == 1
    assert isinstance(untracked[0].value, cst.Name) and untracked[0].value.value == "cfg"
