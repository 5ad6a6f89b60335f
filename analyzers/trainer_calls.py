"""How the installed `Trainer` calls its own methods, read from its sources (nothing imported).

A subclass that overrides `compute_loss`, `training_step`, `prediction_step` or `log` must
accept what the training loop passes: `self.compute_loss(model, inputs,
num_items_in_batch=...)` since 4.46, `self.log(logs, start_time)` since 4.47. Knowledge holds
`Trainer.__init__`'s parameters only, so the calls are read here from `trainer.py` and
`trainer_seq2seq.py` of the project's transformers (the one `knowledge_extract` finds), once
per package folder while its files keep their modification time and size.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass
from pathlib import Path

# class -> (module file, its base class among these, or None)
_CLASSES = {
    "Trainer": ("trainer.py", None),
    "Seq2SeqTrainer": ("trainer_seq2seq.py", "Trainer"),
}


@dataclass(frozen=True)
class SelfCall:
    """One `self.<method>(...)` call in a trainer class's own code."""

    method: str
    positional: int  # positional arguments passed (`self` not counted)
    keywords: tuple[str, ...]
    caller: str  # the trainer method making the call, e.g. "training_step"
    owner: str  # the class whose code makes it: "Trainer" / "Seq2SeqTrainer"
    text: (
        str  # the call as written, e.g. "self.compute_loss(model, inputs, num_items_in_batch=...)"
    )


@dataclass(frozen=True)
class Signature:
    """The parameters of a method as the installed class defines it (`self` left out)."""

    positional: tuple[str, ...]  # positional-or-keyword (and positional-only) names, in order
    defaults: int  # how many of them, at the end, have a default


@dataclass(frozen=True)
class TrainerSources:
    calls: dict[str, tuple[SelfCall, ...]]  # method -> calls, per class (see `calls_into`)
    signatures: dict[str, dict[str, Signature]]  # class -> method -> signature


_CACHE: dict[str, tuple[tuple[tuple[str, int, int], ...], TrainerSources]] = {}


def _stamp(path: Path) -> tuple[str, int, int]:
    try:
        st = os.stat(path)
    except OSError:
        return (str(path), -1, -1)
    return (str(path), st.st_mtime_ns, st.st_size)


def trainer_sources(package: Path) -> TrainerSources | None:
    """The self-calls and method signatures of `Trainer` / `Seq2SeqTrainer` in the transformers
    package folder `package`; None when its trainer.py cannot be read or parsed."""
    files = [package / module for module, _ in _CLASSES.values()]
    stamps = tuple(_stamp(f) for f in files)
    known = _CACHE.get(str(package))
    if known is not None and known[0] == stamps:
        return known[1]
    found = _read(package)
    if found is not None:
        _CACHE[str(package)] = (stamps, found)
    return found


def calls_into(sources: TrainerSources, base: str, method: str) -> list[SelfCall]:
    """The calls of `self.<method>(...)` that reach an override in a subclass of `base`: those
    of `base`'s own code and of the classes it derives from."""
    out: list[SelfCall] = []
    chain: list[str] = []
    current: str | None = base
    while current is not None and current in _CLASSES and current not in chain:
        chain.append(current)
        current = _CLASSES[current][1]
    for call in sources.calls.get(method, ()):
        if call.owner in chain:
            out.append(call)
    return out


def signature_of(sources: TrainerSources, base: str, method: str) -> Signature | None:
    """The installed definition of `method` that `base` uses (its own, else inherited)."""
    current: str | None = base
    seen: set[str] = set()
    while current is not None and current in _CLASSES and current not in seen:
        seen.add(current)
        found = sources.signatures.get(current, {}).get(method)
        if found is not None:
            return found
        current = _CLASSES[current][1]
    return None


def _read(package: Path) -> TrainerSources | None:
    calls: dict[str, list[SelfCall]] = {}
    signatures: dict[str, dict[str, Signature]] = {}
    for name, (module, _) in _CLASSES.items():
        try:
            text = (package / module).read_text(encoding="utf-8", errors="replace")
            tree = ast.parse(text)
        except (OSError, SyntaxError, ValueError):
            if name == "Trainer":
                return None
            continue
        cls = next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == name), None)
        if cls is None:
            continue
        own: dict[str, Signature] = {}
        for item in cls.body:
            if not isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            own[item.name] = _signature(item)
            for node in ast.walk(item):
                found = _self_call(node, item.name, name)
                if found is not None:
                    calls.setdefault(found.method, []).append(found)
        signatures[name] = own
    return TrainerSources({k: tuple(v) for k, v in calls.items()}, signatures)


def _signature(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> Signature:
    args = fn.args
    names = [a.arg for a in (*args.posonlyargs, *args.args)][1:]  # without self
    return Signature(tuple(names), min(len(args.defaults), len(names)))


def _self_call(node: ast.AST, caller: str, owner: str) -> SelfCall | None:
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    if not (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id == "self"
    ):
        return None
    if any(isinstance(a, ast.Starred) for a in node.args) or any(
        k.arg is None for k in node.keywords
    ):
        return None  # *args / **kwargs: what arrives is not known
    parts = [ast.unparse(a) for a in node.args]
    parts += [f"{k.arg}={ast.unparse(k.value)}" for k in node.keywords]
    text = f"self.{func.attr}({', '.join(parts)})"
    return SelfCall(
        func.attr,
        len(node.args),
        tuple(k.arg for k in node.keywords if k.arg is not None),
        caller,
        owner,
        text if len(text) <= 120 else f"self.{func.attr}(...)",
    )
