"""Usage facts: what one traversal of a module learns, each fact holding its syntax node.

Rules read these facts; they never walk the syntax tree themselves.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

import libcst as cst

from hflint.analyzers.values import Const, Value

T = TypeVar("T")
K = TypeVar("K")


class Kind(enum.Enum):
    MODEL = "model"
    TOKENIZER = "tokenizer"
    CONFIG = "config"
    PROCESSOR = "processor"
    GENERATION_CONFIG = "generation config"
    TRAINER = "trainer"
    TRAINING_ARGS = "training arguments"
    COLLATOR = "data collator"
    PIPELINE = "pipeline"
    METRIC = "metric"


@dataclass(eq=False, repr=False)
class Arg:
    value: Value
    node: cst.Arg

    @property
    def expr(self) -> cst.BaseExpression:
        return self.node.value


@dataclass(eq=False, repr=False)
class CallFact:
    node: cst.Call
    qualname: str | None  # resolved callee, e.g. "transformers.AutoModel.from_pretrained"
    method: str | None  # attribute name when the callee is `<expr>.<method>`
    receiver: Value  # value of `<expr>` for method calls
    args: list[Arg]
    kwargs: dict[str, Arg]
    has_star_kwargs: bool
    function: FunctionFact | None  # enclosing function, None at module level
    target: str | None = None  # the name the result is assigned to, if any

    def kw(self, name: str) -> Arg | None:
        return self.kwargs.get(name)

    def __repr__(self) -> str:
        return f"CallFact({self.qualname or self.method}, kwargs={list(self.kwargs)})"

    def arg(self, index: int, name: str | None = None) -> Arg | None:
        """Positional argument `index`, or the keyword `name`."""
        if name is not None and name in self.kwargs:
            return self.kwargs[name]
        return self.args[index] if index < len(self.args) else None


@dataclass(eq=False, repr=False)
class ObjectFact:
    """An object made by a transformers (or PEFT) call: a model, tokenizer, trainer, ..."""

    kind: Kind
    call: CallFact
    class_name: str  # short class or function name: AutoModelForCausalLM, Trainer, pipeline
    qualname: str  # fully qualified callee class/function
    method: str | None  # from_pretrained / from_config / None for a constructor call
    checkpoint: Value = None  # checkpoint argument (or pipeline model=)
    base: ObjectFact | None = None  # the wrapped model of a PEFT wrapper
    saved_from: ObjectFact | None = None  # reloaded from a path this file saved it to
    user_class: ClassFact | None = None  # a subclass defined in this module

    @property
    def node(self) -> cst.Call:
        return self.call.node

    def __repr__(self) -> str:
        return (
            f"ObjectFact({self.kind.value}, {self.class_name}.{self.method}, {self.checkpoint!r})"
        )

    def kw(self, name: str) -> Arg | None:
        return self.call.kwargs.get(name)


@dataclass(eq=False, repr=False)
class ImportFact:
    qualname: str  # canonical, e.g. transformers.AutoModel
    module: str  # the module as written, e.g. transformers.models.auto
    name: str  # imported name as written
    alias: cst.ImportAlias
    statement: cst.Import | cst.ImportFrom


@dataclass(eq=False, repr=False)
class AttrUse:
    """`<receiver>.<attr>` read or written on a tracked object."""

    obj: ObjectFact
    path: tuple[str, ...]  # e.g. ("config", "pad_token_id")
    node: cst.Attribute
    value: Value = None  # assigned value for writes
    is_write: bool = False
    statement: cst.CSTNode | None = None


@dataclass(eq=False, repr=False)
class FunctionFact:
    name: str
    node: cst.FunctionDef
    params: list[str]
    calls: list[CallFact] = field(default_factory=list)
    names_read: set[str] = field(default_factory=set)
    returns: list[Value] = field(default_factory=list)
    class_name: str | None = None  # enclosing class for methods


@dataclass(eq=False, repr=False)
class ClassFact:
    name: str
    node: cst.ClassDef
    bases: list[str]  # qualified names where resolvable, else the written name
    methods: set[str] = field(default_factory=set)
    field_defaults: dict[str, Const] = field(default_factory=dict)
    is_dataclass: bool = False


@dataclass(eq=False, repr=False)
class SavedPath:
    obj: ObjectFact
    path: str
    call: CallFact


@dataclass(eq=False, repr=False)
class LabelList:
    """A literal list of class labels (`labels = ["neg", "pos"]`, `ClassLabel(names=[...])`)."""

    name: str
    labels: list[object]
    node: cst.CSTNode
    function: FunctionFact | None = None  # enclosing function, None at module level


def _grouped(items: Iterable[T], key: Callable[[T], K | None]) -> dict[K, list[T]]:
    """The items by key, each list in the items' order; an item whose key is None is left out."""
    index: dict[K, list[T]] = {}
    for item in items:
        found = key(item)
        if found is not None:
            index.setdefault(found, []).append(item)
    return index


@dataclass
class ModuleFacts:
    module: cst.Module
    imports: dict[str, str] = field(default_factory=dict)  # local name -> qualified name
    import_facts: list[ImportFact] = field(default_factory=list)
    calls: list[CallFact] = field(default_factory=list)
    objects: list[ObjectFact] = field(default_factory=list)
    attr_uses: list[AttrUse] = field(default_factory=list)
    functions: dict[str, FunctionFact] = field(default_factory=dict)
    classes: dict[str, ClassFact] = field(default_factory=dict)
    saved_paths: list[SavedPath] = field(default_factory=list)
    label_lists: list[LabelList] = field(default_factory=list)
    labels_evidence: list[cst.CSTNode] = field(default_factory=list)  # code that makes `labels`
    cli_defaults: dict[str, Const] = field(default_factory=dict)  # argparse/dataclass defaults
    # attribute name -> every assignment target ending in it (`x.config.pad_token_id = ...`),
    # whether or not the receiver is a tracked object
    attr_writes: dict[str, list[cst.Attribute]] = field(default_factory=dict)
    # local name imported from a library -> every Name node that reads it (for rename fixes)
    name_uses: dict[str, list[cst.Name]] = field(default_factory=dict)
    strings: set[str] = field(default_factory=set)  # every string literal, for context hints
    # id(node) -> index of the top-level statement holding it (positions are computed per statement)
    statement_of: dict[int, int] = field(default_factory=dict)
    mentions_transformers: bool = False
    # indexes built on first use, after collection
    _by_method: dict[str, list[CallFact]] | None = field(default=None, repr=False, compare=False)
    _by_receiver: dict[int, list[CallFact]] | None = field(default=None, repr=False, compare=False)
    _by_target: dict[str, list[CallFact]] | None = field(default=None, repr=False, compare=False)
    _by_kind: dict[Kind, list[ObjectFact]] | None = field(default=None, repr=False, compare=False)
    _writes: dict[str, list[AttrUse]] | None = field(default=None, repr=False, compare=False)

    def calls_to(self, method: str) -> list[CallFact]:
        """Calls `<x>.<method>(...)`, in source order (indexed on first use, after collection)."""
        if self._by_method is None:
            self._by_method = _grouped(self.calls, lambda call: call.method)
        return self._by_method.get(method, [])

    def objects_of(self, kind: Kind) -> list[ObjectFact]:
        """The objects of one kind, in source order."""
        if self._by_kind is None:
            self._by_kind = _grouped(self.objects, lambda obj: obj.kind)
        return self._by_kind.get(kind, [])

    def attribute_writes(self, name: str) -> list[AttrUse]:
        """Writes `<tracked object>....<name> = ...`, in source order."""
        if self._writes is None:
            self._writes = _grouped(
                self.attr_uses, lambda use: use.path[-1] if use.is_write and use.path else None
            )
        return self._writes.get(name, [])

    def calls_assigned_to(self, name: str) -> list[CallFact]:
        """Calls whose result is bound to `name` (`name = f(...)`), in source order."""
        if self._by_target is None:
            self._by_target = _grouped(self.calls, lambda call: call.target)
        return self._by_target.get(name, [])

    def method_calls(self, obj: ObjectFact, method: str | None = None) -> list[CallFact]:
        """Calls `<x>.<method>(...)` whose receiver is `obj` (or a wrapper of it)."""
        if self._by_receiver is None:
            index: dict[int, list[CallFact]] = {}
            for call in self.calls:
                if call.method is None:
                    continue
                target = getattr(call.receiver, "obj", None)
                seen: set[int] = set()
                while target is not None and id(target) not in seen:
                    seen.add(id(target))
                    index.setdefault(id(target), []).append(call)
                    target = target.base
            self._by_receiver = index
        calls = self._by_receiver.get(id(obj), [])
        return [c for c in calls if c.method == method] if method is not None else list(calls)
