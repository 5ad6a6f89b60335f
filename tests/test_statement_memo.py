"""Reused statement effects give exactly the facts a fresh collection gives, edit after edit."""

from __future__ import annotations

import ast
import dataclasses
import enum
import random
from pathlib import Path
from typing import Any

import libcst as cst
import pytest

from hflint.analyzers import incremental, statement_memo
from hflint.analyzers.collector import collect
from hflint.analyzers.facts import ModuleFacts
from hflint.analyzers.values import ClassRef, Const

CORPUS = Path(__file__).parent / "corpus"
FILES = sorted(p for p in CORPUS.rglob("*.py"))


def dump(facts: ModuleFacts) -> Any:
    """Facts as plain data: syntax nodes by identity, constants by value, fact objects by
    structure (shared ones as references to their first appearance), so two collections
    compare."""
    seen: dict[int, int] = {}

    def go(value: Any) -> Any:
        if isinstance(value, cst.CSTNode):
            return ("node", id(value))
        if isinstance(value, (str, int, float, bool, type(None), enum.Enum)):
            return value
        if isinstance(value, (list, tuple)):
            return [go(v) for v in value]
        if isinstance(value, (set, frozenset)):
            return sorted(repr(go(v)) for v in value)
        if isinstance(value, dict):
            return [(go(k), go(v)) for k, v in value.items()]
        if isinstance(value, (Const, ClassRef)):
            return (type(value).__name__, [go(v) for v in dataclasses.astuple(value)])
        if dataclasses.is_dataclass(value):
            if id(value) in seen:
                return ("ref", seen[id(value)])
            seen[id(value)] = len(seen)
            return (
                type(value).__name__,
                [(f.name, go(getattr(value, f.name))) for f in dataclasses.fields(value)],
            )
        return ("other", repr(value))

    return [
        (f.name, go(getattr(facts, f.name)))
        for f in dataclasses.fields(facts)
        if not f.name.startswith("_")
    ]


def _edits(text: str, rng: random.Random) -> list[str]:
    """A typing session: lines changed, removed, duplicated, names renamed, a line broken
    (that version does not parse, and the next edit starts from the one before it)."""
    versions = []
    lines = text.splitlines()
    for _ in range(30):
        row = rng.randrange(len(lines))
        edited = list(lines)
        action = rng.choice(["space", "delete", "duplicate", "rename", "break", "restore"])
        if action == "space":
            edited[row] += " "
        elif action == "delete" and len(edited) > 3:
            del edited[row]
        elif action == "duplicate":
            edited.insert(row, edited[row])
        elif action == "rename":
            for old, new in (("model", "mdl"), ("tokenizer", "tok"), ("mdl", "model")):
                if old in edited[row]:
                    edited[row] = edited[row].replace(old, new)
                    break
        elif action == "break":
            edited[row] = edited[row][: len(edited[row]) // 2]
        else:
            edited = text.splitlines()
        version = "\n".join(edited) + "\n"
        versions.append(version)
        try:
            ast.parse(version)
        except SyntaxError:
            continue
        lines = edited
    return versions


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_reused_facts_equal_fresh_facts(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    rng = random.Random(path.name)
    key = f"memo-test:{path}"
    compared = reused = 0
    for version in [text, *_edits(text, rng)]:
        try:
            module = incremental.parse(version, key)
        except cst.ParserSyntaxError:
            continue
        kept = collect(module, reuse=key)
        reused += statement_memo.last.reused
        fresh = collect(module)
        assert dump(kept) == dump(fresh)
        assert kept.statement_of == fresh.statement_of
        compared += 1
    incremental.forget(key)
    assert compared > 5
    assert reused > compared  # most statements were replayed, not collected


def test_only_the_edited_statement_and_its_readers_are_collected_again() -> None:
    key = "memo-test:counts"
    lines = [
        "from transformers import AutoModel, AutoTokenizer",
        'tok = AutoTokenizer.from_pretrained("gpt2")',
        'model = AutoModel.from_pretrained("gpt2")',
        *[f"x{i} = {i}" for i in range(20)],
        'print(tok("hi"))',
    ]
    collect(incremental.parse("\n".join(lines) + "\n", key), reuse=key)
    assert statement_memo.last.collected == len(lines)
    lines[10] = "x7 = 70"
    collect(incremental.parse("\n".join(lines) + "\n", key), reuse=key)
    assert statement_memo.last.collected == 1
    assert statement_memo.last.compared == 0  # nothing else mentions x7
    lines[1] = 'tok = AutoTokenizer.from_pretrained("gpt2-medium")'
    collect(incremental.parse("\n".join(lines) + "\n", key), reuse=key)
    assert statement_memo.last.collected == 2  # the tokenizer line and the line that uses it
    assert statement_memo.last.compared == 1  # print(tok(...)) was compared, and differed
    del lines[1]  # tok is no longer bound: its reader is compared, and collected again
    collect(incremental.parse("\n".join(lines) + "\n", key), reuse=key)
    assert (statement_memo.last.collected, statement_memo.last.compared) == (1, 1)
    lines.insert(5, "tok = None")  # a new binding upstream of the reader
    collect(incremental.parse("\n".join(lines) + "\n", key), reuse=key)
    assert (statement_memo.last.collected, statement_memo.last.compared) == (2, 1)
    incremental.forget(key)


def test_an_edit_upstream_reaches_the_statements_that_read_it() -> None:
    key = "memo-test:upstream"
    before = (
        "from transformers import AutoModel, AutoModelForCausalLM\n"
        'model = AutoModel.from_pretrained("gpt2")\n'
        "x = 1\n"
        "model.generate()\n"
    )
    after = before.replace("AutoModel.from", "AutoModelForCausalLM.from")
    first = collect(incremental.parse(before, key), reuse=key)
    second = collect(incremental.parse(after, key), reuse=key)
    incremental.forget(key)
    assert first.calls[-1].receiver.obj.class_name == "AutoModel"  # type: ignore[union-attr]
    generate = second.calls[-1]
    assert generate.method == "generate"
    assert generate.receiver.obj.class_name == "AutoModelForCausalLM"  # type: ignore[union-attr]
    assert generate.receiver.obj is second.objects[0]  # type: ignore[union-attr]


def test_a_rebinding_removed_between_two_kept_statements_reaches_the_reader() -> None:
    key = "memo-test:removed"
    lines = [
        "from transformers import AutoModel, AutoModelForCausalLM",
        'model = AutoModel.from_pretrained("gpt2")',
        'model = AutoModelForCausalLM.from_pretrained("gpt2")',
        *[f"x{i} = {i}" for i in range(5)],
        "model.generate()",
    ]
    collect(incremental.parse("\n".join(lines) + "\n", key), reuse=key)
    del lines[2]
    facts = collect(incremental.parse("\n".join(lines) + "\n", key), reuse=key)
    incremental.forget(key)
    generate = facts.calls[-1]
    assert generate.method == "generate"
    assert generate.receiver.obj.class_name == "AutoModel"  # type: ignore[union-attr]
    assert statement_memo.last.collected == 1  # the reader; the lines between are reused


def test_a_class_edited_upstream_reaches_a_use_through_an_alias() -> None:
    key = "memo-test:classes"
    before = (
        "from transformers import Trainer\n"
        "def helper():\n"  # the first indented block: the parse stays incremental below it
        "    pass\n"
        "x = 1\n"
        "class Base(Trainer):\n"
        "    pass\n"
        "class Mine(Base):\n"
        "    pass\n"
        "Alias = Mine\n"
        "trainer = Alias(model=None)\n"
    )
    after = before.replace("class Base(Trainer):", "class Base(object):")
    first = collect(incremental.parse(before, key), reuse=key)
    second = collect(incremental.parse(after, key), reuse=key)
    incremental.forget(key)
    assert [o.kind.name for o in first.objects] == ["TRAINER"]
    assert second.objects == []  # no longer a transformers Trainer, though `Alias` is unchanged
    # Base, then Mine, Alias and trainer, which read it; the import, helper and x are reused
    assert statement_memo.last.collected == 4


def test_an_edit_inside_a_function_reaches_its_callers_only_through_what_it_returns() -> None:
    key = "memo-test:functions"
    lines = [
        "from transformers import AutoModel, AutoModelForCausalLM",
        "def helper():",  # the first indented block: the parse stays incremental below it
        "    pass",
        "x = 0",
        "def prep(batch):",
        "    n = 1",
        "    return batch",
        "y = 0",
        "def load():",
        '    return AutoModel.from_pretrained("gpt2")',
        "data = prep(1)",
        "model = load()",
        "model.generate()",
    ]
    collect(incremental.parse("\n".join(lines) + "\n", key), reuse=key)
    lines[5] = "    n = 2"  # prep returns what it did: `data = prep(1)` is reused
    collect(incremental.parse("\n".join(lines) + "\n", key), reuse=key)
    assert statement_memo.last.collected == 1
    lines[9] = '    return AutoModelForCausalLM.from_pretrained("gpt2")'
    facts = collect(incremental.parse("\n".join(lines) + "\n", key), reuse=key)
    incremental.forget(key)
    assert statement_memo.last.collected == 3  # load, then model = load(), then its use
    generate = facts.calls[-1]
    assert generate.receiver.obj.class_name == "AutoModelForCausalLM"  # type: ignore[union-attr]


def test_what_an_edit_replaces_leaves_the_caches() -> None:
    from hflint.analyzers.walk import _RECORDINGS

    key = "memo-test:memory"
    lines = ["from transformers import AutoModel", "def f():", "    pass"]
    lines += [f'm{i} = AutoModel.from_pretrained("gpt2")' for i in range(20)]
    seen: dict[int, cst.CSTNode] = {}
    module = None
    for edit in range(30):
        lines[3 + edit % 20] += " "
        module = incremental.parse("\n".join(lines) + "\n", key)
        collect(module, reuse=key)
        seen.update((id(s), s) for s in module.body)
    assert module is not None
    current = {id(s) for s in module.body}
    replaced = [s for i, s in seen.items() if i not in current]
    assert len(replaced) >= 25
    for cache in (statement_memo._MEMOS, _RECORDINGS):
        held = {id(node) for node, _ in cache._entries.values()}
        assert not any(id(s) in held for s in replaced)
    incremental.forget(key)
    held = {id(node) for node, _ in statement_memo._MEMOS._entries.values()}
    assert not current & held  # a closed document's statements go too


def test_a_document_primed_when_idle_replays_on_its_first_keystroke() -> None:
    from hflint.analyzers import engine

    text = (CORPUS / "amazon_reviews_summarization.py").read_text(encoding="utf-8")
    lines = text.splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith("print("))
    edited = "\n".join([*lines[:row], lines[row] + "  ", *lines[row + 1 :]]) + "\n"
    statements = len(incremental.parse(text, "memo-test:count").body)
    incremental.forget("memo-test:count")
    # not primed: the first keystroke collects (and records) every statement
    engine.analyze_source(text, document_key="memo-test:cold")
    engine.analyze_source(edited, document_key="memo-test:cold")
    assert statement_memo.last.collected == statements
    # primed in between: it collects the edited statement only
    engine.analyze_source(text, document_key="memo-test:primed")
    assert engine.has_unprimed()
    while engine.prime_one():
        pass
    assert not engine.has_unprimed()
    engine.analyze_source(edited, document_key="memo-test:primed")
    assert statement_memo.last.collected == 1
    assert statement_memo.last.reused == statements - 1
    for key in ("memo-test:cold", "memo-test:primed"):
        incremental.forget(key)
