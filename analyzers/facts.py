"""Usage facts: what one traversal of a module learns, each fact holding its syntax node.

Rules read these facts; they never walk the syntax tree themselves.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

import libcst as cst

from hflint.analyzers.values import Const, DictValue, Value, as_default

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
    # for a call on a tracked object: names its arguments read that hold, at this point of the
    # program, the result of earlier calls (`model(**inputs)` after `inputs = tok(...)`)
    inputs: list[Input] = field(default_factory=list)

    def kw(self, name: str) -> Arg | None:
        return self.kwargs.get(name)

    def reaching(self, name: cst.Name) -> tuple[CallFact, ...] | None:
        """The calls whose result a name read in this call's arguments holds (see `inputs`):
        None when it holds nothing known to come from a call."""
        for found in self.inputs:
            if found.name is name:
                return found.calls
        return None

    def __repr__(self) -> str:
        return f"CallFact({self.qualname or self.method}, kwargs={list(self.kwargs)})"

    def arg(self, index: int, name: str | None = None) -> Arg | None:
        """Positional argument `index`, or the keyword `name`."""
        if name is not None and name in self.kwargs:
            return self.kwargs[name]
        return self.args[index] if index < len(self.args) else None


@dataclass(eq=False, repr=False)
class Input:
    """A name read in a call's arguments, and the calls whose result it holds there (the
    assignment that reaches the read, in program order; outermost call first)."""

    name: cst.Name
    calls: tuple[CallFact, ...]


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
    # loaded from a folder `snapshot_download` (or `hf_hub_download`) filled from a Hub repo
    downloaded: Download | None = None

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
    # the value each parameter held while the body was collected: its default (overridable),
    # what every call site in the module passes, or unknown (see flow.py)
    param_values: dict[str, Value] = field(default_factory=dict)
    defaults: dict[str, Value] = field(default_factory=dict)  # as evaluated where it is defined
    top_level: bool = False  # a module function, or a method of a module-level class
    stores: bool = False  # a method that assigns attributes of its instance (`self.x = ...`)

    def param_default(self, name: str) -> Value:
        """What the parameter holds when a caller passes nothing: its default, overridable."""
        star = self.node.params.star_kwarg
        if star is not None and star.name.value == name:
            return DictValue({}, passed=True)
        default = self.defaults.get(name)
        return as_default(default, f"the default of parameter `{name}` of `{self.name}()`")

    @property
    def key(self) -> str:
        """`name` for a module function, `Class.name` for a method (flow.py's summaries)."""
        return f"{self.class_name}.{self.name}" if self.class_name else self.name


@dataclass(eq=False, repr=False)
class ClassFact:
    name: str
    node: cst.ClassDef
    bases: list[str]  # qualified names where resolvable, else the written name
    methods: set[str] = field(default_factory=set)
    field_defaults: dict[str, Const] = field(default_factory=dict)
    is_dataclass: bool = False
    fields: list[str] = field(default_factory=list)  # annotated class-level names, in order
    functions: dict[str, FunctionFact] = field(default_factory=dict)  # its methods
    # attributes (see members.py): `self.<name> = ...` places in its methods, counted before
    # they are collected; the values they assigned, in collection order; names written some
    # other way (`self.x += 1`, `for self.x in ...`); class-level bindings
    attr_sites: dict[str, int] = field(default_factory=dict)
    attr_values: dict[str, list[Value]] = field(default_factory=dict)
    opaque: set[str] = field(default_factory=set)
    class_values: dict[str, Value] = field(default_factory=dict)
    top_level: bool = False


@dataclass(eq=False, repr=False)
class SavedPath:
    obj: ObjectFact
    path: str
    call: CallFact


@dataclass(eq=False, repr=False)
class Download:
    """`snapshot_download(repo, ...)` / `hf_hub_download(repo, ...)`: a local path filled from
    a Hub repository, at `revision` (None: the moving default branch)."""

    repo: Value
    revision: Value
    call: CallFact
    local_dir: str | None = None  # `local_dir=` when the folder is named (not returned)

    @property
    def pinned(self) -> bool:
        """At a full commit hash: the folder holds what that commit held."""
        rev = self.revision.value if isinstance(self.revision, Const) else None
        return isinstance(rev, str) and len(rev) == 40 and all(c in _HEX for c in rev.lower())


_HEX = frozenset("0123456789abcdef")


@dataclass(eq=False, repr=False)
class SpreadArg:
    """A keyword a call gets through `**x` (x a dict, `dict(...)`, `vars(args)`, `**kwargs`).

    `arg` is the Arg in the call's kwargs: the keyword argument that wrote the value when there
    is one (`dict(k=v)`, a constructor's `k=v`), else one made for it. Findings about it are
    placed at `at` (a dict literal's element, that keyword argument, or the `**x`); a fix that
    renames the keyword edits `key` (the element's key string); `fixable` is False when the
    value was not written as a `key: value` or `key=value` the fix could edit."""

    arg: cst.Arg
    at: cst.CSTNode
    key: cst.CSTNode | None
    fixable: bool
    star: cst.Arg  # the `**x` argument of the call


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
    downloads: list[Download] = field(default_factory=list)
    spread_args: list[SpreadArg] = field(default_factory=list)
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
    _spreads: dict[int, SpreadArg] | None = field(default=None, repr=False, compare=False)

    def spread_of(self, node: cst.CSTNode) -> SpreadArg | None:
        """The spread keyword whose Arg (or the Arg's keyword) is `node`, if any."""
        if self._spreads is None:
            index: dict[int, SpreadArg] = {}
            for spread in self.spread_args:
                index[id(spread.arg)] = spread
                if spread.arg.keyword is not None:
                    index[id(spread.arg.keyword)] = spread
            self._spreads = index
        return self._spreads.get(id(node))

    def placed(self, node: cst.CSTNode) -> cst.CSTNode:
        """Where a finding on `node` goes: a keyword made for a spread value goes to the place
        that wrote the value (its key, for the keyword's name)."""
        if not self.spread_args:
            return node
        spread = self.spread_of(node)
        if spread is None or spread.arg is spread.at:
            return node
        if node is spread.arg.keyword and spread.key is not None:
            return spread.key
        return spread.at if node is spread.arg or node is spread.arg.keyword else node

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
