"""Where a module loads a model, tokenizer or pipeline: the places "Validate by loading" is
offered. Read from the same usage facts the rules use, so aliases and constants resolve alike.

Code actions are asked for on every cursor move, so this runs off the event loop and only when
asked, never as part of checking.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hflint.analyzers.findings import Position, Range

_KINDS = ("model", "tokenizer", "pipeline")


@dataclass(frozen=True)
class LoadSite:
    range: Range  # the call, in the module's positions
    kind: str  # model | tokenizer | pipeline
    auto_class: str  # AutoModelForCausalLM, AutoTokenizer, pipeline, ...
    checkpoint: str
    task: str | None = None
    revision: str | None = None
    subfolder: str | None = None
    # constant keyword arguments of the call (num_labels, id2label, ...): the load they make
    kwargs: dict[str, Any] = field(default_factory=dict)


def load_sites(text: str) -> list[LoadSite]:
    """Every load with a checkpoint known as a constant (nothing to validate otherwise)."""
    from hflint.analyzers.engine import is_relevant

    if not is_relevant(text):
        return []
    import libcst as cst

    from hflint.analyzers.collector import collect
    from hflint.analyzers.facts import Kind
    from hflint.analyzers.positions import Positions
    from hflint.analyzers.values import Const, const_str

    try:
        module = cst.parse_module(text)
    except (cst.ParserSyntaxError, RecursionError, MemoryError):
        return []
    facts = collect(module)
    positions = Positions(module, text, facts.statement_of)
    sites: list[LoadSite] = []
    for obj in facts.objects:
        if obj.kind.value not in _KINDS:
            continue
        if obj.kind is not Kind.PIPELINE and obj.method != "from_pretrained":
            continue
        checkpoint = const_str(obj.checkpoint)
        if not checkpoint:
            continue
        task = None
        if obj.kind is Kind.PIPELINE:
            arg = obj.call.arg(0, "task")
            task = const_str(arg.value) if arg is not None else None
        kwargs = {
            name: arg.value.value
            for name, arg in obj.call.kwargs.items()
            if isinstance(arg.value, Const) and _plain(arg.value.value)
        }
        revision, subfolder = kwargs.pop("revision", None), kwargs.pop("subfolder", None)
        kwargs.pop("model", None), kwargs.pop("task", None)
        found = positions[obj.node]
        rng = Range(
            Position(found.start.line, found.start.column),
            Position(found.end.line, found.end.column),
        )
        sites.append(
            LoadSite(
                rng,
                obj.kind.value,
                obj.class_name,
                checkpoint,
                task,
                revision if isinstance(revision, str) else None,
                subfolder if isinstance(subfolder, str) else None,
                kwargs,
            )
        )
    return sites


def _plain(value: object) -> bool:
    """Whether a constant survives JSON unchanged (command arguments travel as JSON)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return False
