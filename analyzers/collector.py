"""The one traversal: imports, constants, bindings and transformers calls, collected in order.

Names are resolved with our own import table while walking (no libcst metadata providers: they
cost several times the parse). Bindings follow assignment order; a name bound differently on two
branches becomes unknown, so rules never act on a guess.

Values are followed the way code carries them, each by a module of its own: attributes of the
module's classes (members.py), parameters and what call sites pass them (flow.py: the module is
collected again only when call sites teach something), dicts and `**kwargs` (mappings.py), calls
of the module's own code (callees.py), tests the known values decide (branches.py), which call's
result a name holds where it is read (reaching.py), folders filled from the Hub (downloads.py).
"""

from __future__ import annotations

import ast
import os
from functools import lru_cache
from typing import Any

import libcst as cst

from hflint.analyzers import branches, callees, downloads, flow, mappings, members, reaching
from hflint.analyzers.crossmodule import HelperResolver
from hflint.analyzers.facts import (
    Arg,
    AttrUse,
    CallFact,
    ClassFact,
    FunctionFact,
    ImportFact,
    Kind,
    LabelList,
    ModuleFacts,
    ObjectFact,
    SavedPath,
)
from hflint.analyzers.objects import classify_call, passthrough_function, passthrough_method
from hflint.analyzers.values import (
    ClassRef,
    Const,
    Instance,
    ObjRef,
    Result,
    TupleValue,
    Value,
    const_str,
)
from hflint.analyzers.walk import walk

_UNBOUND = object()
Scope = dict[str, Any]  # name -> Value (None = unknown)


def canonical(qualname: str) -> str:
    """Drop transformers' submodule path: `transformers.models.auto.AutoModel.from_pretrained`
    -> `transformers.AutoModel.from_pretrained` (every public class is exported at the top)."""
    parts = qualname.split(".")
    if parts[0] != "transformers" or len(parts) < 3:
        return qualname
    for i in range(1, len(parts)):
        if parts[i][:1].isupper():
            return "transformers." + ".".join(parts[i:])
    if parts[-1] in _TOP_LEVEL_FUNCTIONS:
        return "transformers." + parts[-1]
    return qualname


_TOP_LEVEL_FUNCTIONS = frozenset({"pipeline", "set_seed", "default_data_collator", "get_scheduler"})


def _dotted(node: cst.BaseExpression | cst.Attribute | cst.Name) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


def _number(text: str) -> int | float:
    """The value of an int or float literal, without `ast.literal_eval`'s compile."""
    digits = text.replace("_", "")
    try:
        return int(digits, 0)
    except ValueError:
        return float(digits)


@lru_cache(maxsize=16384)
def string_value(text: str) -> str | bytes:
    """The value of a string literal. `ast.literal_eval` (libcst's `evaluated_value`) compiles
    and leaves reference cycles behind, which the garbage collector then pauses the editor for."""
    prefix = len(text) - len(text.lstrip("rRbBuU"))
    body = text[prefix:]
    quote = body[:3] if body[:3] in ('"""', "'''") else body[:1]
    flags = text[:prefix].lower()
    if quote and body.endswith(quote) and len(body) >= 2 * len(quote) and "b" not in flags:
        inner = body[len(quote) : len(body) - len(quote)]
        if ("r" in flags or "\\" not in inner) and "\r" not in inner:
            return inner
    value = ast.literal_eval(text)
    if not isinstance(value, (str, bytes)):
        raise ValueError(f"not a string literal: {text[:40]}")
    return value


def _combine(value: Any, *parts: Const) -> Const:
    for part in parts:
        if part.overridable:
            return Const(value, True, part.origin)
    return Const(value)


def _merge(a: Value, b: Value) -> Value:
    return a if a == b else None


class Collector(cst.CSTVisitor):
    def __init__(self, module: cst.Module) -> None:
        self.facts = ModuleFacts(module=module)
        self.module_scope: Scope = {}
        self.scopes: list[Scope] = [self.module_scope]
        self.functions: list[FunctionFact] = []
        self.classes: list[ClassFact] = []
        self.branch_stack: list[tuple[Scope, Scope | None]] = []
        self.call_facts: dict[int, CallFact] = {}
        self.current_statement: cst.CSTNode | None = None
        # while a statement's effect is being logged (statement_memo.py): its non-dict writes
        self.journal: list[tuple[str, Any, Any]] | None = None
        self.used_helpers = False  # the statement asked other modules (crossmodule.py)
        # what the last collection learnt of parameters and attributes (flow.py)
        self.summaries: flow.Summaries = flow.NO_SUMMARIES
        self.scans = members.Scans(None, keep=False)  # syntax scans (members.py)
        self.missed_attrs: set[str] = set()  # see note_missed
        # the uses of the module's functions, classes and methods by name: every Name and
        # every `.attr` spelling one (flow.py tells them from calls); counted by the walk, or
        # by the memo from its recordings (it empties `counted`)
        self.counted: frozenset[str] = frozenset()
        self.name_counts: dict[str, int] = {}
        self.attr_counts: dict[str, int] = {}
        self.class_depths: list[int] = []  # len(self.scopes) inside each class body
        self._made: dict[int, ObjectFact] = {}  # id(call node) -> the object it made
        self._made_upto = 0
        # names (and `name.attr`) unknown in a branch the known values do not take
        self.hidden: list[frozenset[str]] = []
        self.if_truths: list[branches.Truth | None] = []

    # ---- scopes and bindings -------------------------------------------------------------
    @property
    def scope(self) -> Scope:
        return self.scopes[-1]

    def lookup(self, name: str) -> Value:
        if self.hidden and any(name in names for names in self.hidden):
            return None
        for scope in reversed(self.scopes):
            if name in scope:
                value = scope[name]
                return None if type(value) is Result else value
        return None

    def held(self, name: str) -> Any:
        """What `name` holds, a call's `Result` included (see `CallFact.inputs`)."""
        if self.hidden and any(name in names for names in self.hidden):
            return None
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return None

    def lookup_local(self, name: str, missing: Any) -> Any:
        """`name` in a function's scope (not the module's), else `missing`."""
        for scope in reversed(self.scopes[1:]):
            if name in scope:
                return scope[name]
        return missing

    def note_missed(self, attr: str) -> None:
        """`x.<attr>` read in a function, with `x` unknown and no argparse default yet."""
        if attr not in self.missed_attrs:
            self.missed_attrs.add(attr)
            if self.journal is not None:
                self.journal.append(("missed", attr, None))

    def class_stack_has(self, cls: ClassFact) -> bool:
        return any(c is cls for c in self.classes)

    def in_class_body(self) -> bool:
        return bool(self.class_depths) and self.class_depths[-1] == len(self.scopes)

    def object_made_by(self, node: cst.CSTNode) -> ObjectFact | None:
        """The object this collection made at a call node, if it was collected already."""
        objects = self.facts.objects
        if self._made_upto < len(objects):
            for obj in objects[self._made_upto :]:
                self._made[id(obj.call.node)] = obj
            self._made_upto = len(objects)
        found = self._made.get(id(node))
        return found if found is not None and found.call.node is node else None

    def bind(self, name: str, value: Value | Result) -> None:
        self.scope[name] = value
        # a module-level rebinding shadows the import
        if (
            name in self.facts.imports
            and len(self.scopes) == 1
            and not (isinstance(value, ClassRef) and value.qualname == self.facts.imports[name])
        ):
            del self.facts.imports[name]

    def qualname(self, node: cst.BaseExpression) -> str | None:
        if isinstance(node, cst.Name):
            if node.value in self.facts.imports:
                return self.facts.imports[node.value]
            bound = self.lookup(node.value)
            if isinstance(bound, ClassRef):
                return bound.qualname
            if node.value in self.facts.classes:
                return f"<module>.{node.value}"
            return None
        if isinstance(node, cst.Attribute):
            base = self.qualname(node.value)
            return canonical(f"{base}.{node.attr.value}") if base else None
        return None

    # ---- branches: snapshot before, merge after ------------------------------------------
    def _snapshot(self) -> Scope:
        return dict(self.scope)

    def _merge_into_scope(self, before: Scope, branch_a: Scope, branch_b: Scope | None) -> None:
        """Join two paths: a name bound on one path only keeps that binding (using it on the
        other path would be a NameError); a name bound differently on the two paths is unknown."""
        other = branch_b if branch_b is not None else before
        merged: Scope = {}
        for name in set(branch_a) | set(other):
            a = branch_a.get(name, _UNBOUND)
            b = other.get(name, _UNBOUND)
            if a is _UNBOUND:
                merged[name] = b
            elif b is _UNBOUND:
                merged[name] = a
            else:
                merged[name] = _merge(a, b)
        self.scope.clear()
        self.scope.update(merged)

    def visit_If(self, node: cst.If) -> None:
        self.branch_stack.append((self._snapshot(), None))
        branches.enter_if(self, node)

    def leave_If_body(self, node: cst.If) -> None:
        before, _ = self.branch_stack[-1]
        self.branch_stack[-1] = (before, self._snapshot())
        self.scope.clear()
        self.scope.update(before)
        branches.after_body(self, node)

    def leave_If(self, original_node: cst.If) -> None:
        before, body_state = self.branch_stack.pop()
        assert body_state is not None
        taken = branches.leave_if(self, body_state)
        if taken is not None:  # the other branch never runs: its bindings do not reach here
            self.scope.clear()
            self.scope.update(taken)
        elif original_node.orelse is None:
            self._merge_into_scope(before, body_state, None)
        else:
            self._merge_into_scope(before, body_state, self._snapshot())

    def visit_IfExp(self, node: cst.IfExp) -> bool:
        return branches.visit_ifexp(self, node)

    def _enter_maybe_block(self) -> None:
        self.branch_stack.append((self._snapshot(), None))

    def _leave_maybe_block(self) -> None:
        before, _ = self.branch_stack.pop()
        self._merge_into_scope(before, self._snapshot(), None)

    def visit_For(self, node: cst.For) -> None:
        self._enter_maybe_block()
        self._bind_target(node.target, None)

    def leave_For(self, original_node: cst.For) -> None:
        self._leave_maybe_block()

    def visit_While(self, node: cst.While) -> None:
        self._enter_maybe_block()

    def leave_While(self, original_node: cst.While) -> None:
        self._leave_maybe_block()

    def visit_Try(self, node: cst.Try) -> None:
        self._enter_maybe_block()

    def leave_Try(self, original_node: cst.Try) -> None:
        self._leave_maybe_block()

    # ---- imports ------------------------------------------------------------------------
    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            dotted = _dotted(alias.name)
            if dotted is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
                self.facts.imports[local] = dotted
            else:
                local = dotted.split(".")[0]
                self.facts.imports[local] = local
            self.scope.pop(local, None)
            if dotted.split(".")[0] == "transformers":
                self._mentions_transformers()

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.relative or node.module is None:
            return
        module = _dotted(node.module)
        if module is None or isinstance(node.names, cst.ImportStar):
            return
        top = module.split(".")[0]
        if top == "transformers":
            self._mentions_transformers()
        for alias in node.names:
            if not isinstance(alias.name, cst.Name):
                continue
            name = alias.name.value
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            qual = canonical(f"{module}.{name}")
            self.facts.imports[local] = qual
            self.scope.pop(local, None)
            if top in ("transformers", "peft", "trl", "evaluate", "datasets"):
                self.facts.import_facts.append(ImportFact(qual, module, name, alias, node))

    def _mentions_transformers(self) -> None:
        self.facts.mentions_transformers = True
        if self.journal is not None:
            self.journal.append(("mentions_transformers", None, None))

    # ---- definitions --------------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        params = [p.name.value for p in node.params.params]
        params += [p.name.value for p in node.params.kwonly_params]
        owner = self.classes[-1] if self.in_class_body() else None
        cls = owner.name if owner is not None else None
        fn = FunctionFact(node.name.value, node, params, class_name=cls)
        if owner is not None:
            owner.methods.add(node.name.value)
            owner.functions[node.name.value] = fn
            fn.top_level = owner.top_level
        else:
            fn.top_level = len(self.scopes) == 1
            self.facts.functions[node.name.value] = fn
            self.bind(node.name.value, None)
        # Parameters hold their defaults (overridable), or what every call site passes.
        scope: Scope = flow.bind_params(self, fn, node, owner, fn.top_level)
        self.functions.append(fn)
        self.scopes.append(scope)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.scopes.pop()
        self.functions.pop()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.scopes.append({p.name.value: None for p in node.params.params})

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self.scopes.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        bases = [self.qualname(b.value) or (_dotted(b.value) or "?") for b in node.bases]
        is_dc = any(
            (
                _dotted(d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator)
                or ""
            ).split(".")[-1]
            == "dataclass"
            for d in node.decorators
        )
        cls = ClassFact(node.name.value, node, bases, is_dataclass=is_dc)
        cls.top_level = len(self.scopes) == 1
        members.prescan(cls, self.scans)
        self.facts.classes[node.name.value] = cls
        self.classes.append(cls)
        self.scopes.append({})
        self.class_depths.append(len(self.scopes))

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.class_depths.pop()
        self.scopes.pop()
        self.classes.pop()
        self.bind(original_node.name.value, ClassRef(f"<module>.{original_node.name.value}"))

    def leave_Return(self, original_node: cst.Return) -> None:
        node = original_node
        if self.functions and node.value is not None:
            self.functions[-1].returns.append(self.eval(node.value))
            self._note_labels_dict(node.value)

    # ---- statements ---------------------------------------------------------------------
    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self.current_statement = node

    def leave_Assign(self, original_node: cst.Assign) -> None:
        value = self.eval(original_node.value)
        for target in original_node.targets:
            self._bind_target(target.target, value, original_node.value)

    def leave_AnnAssign(self, original_node: cst.AnnAssign) -> None:
        value = self.eval(original_node.value) if original_node.value is not None else None
        if self.in_class_body():
            self._record_field(original_node)
        if original_node.value is not None:
            self._bind_target(original_node.target, value, original_node.value)

    def leave_AugAssign(self, original_node: cst.AugAssign) -> None:
        self._bind_target(original_node.target, None)

    def leave_Del(self, original_node: cst.Del) -> None:
        mappings.deleted(self, original_node)

    def leave_WithItem(self, original_node: cst.WithItem) -> None:
        if original_node.asname is not None:
            self._bind_target(original_node.asname.name, None)

    def _bind_target(
        self, target: cst.BaseExpression, value: Value, value_node: cst.BaseExpression | None = None
    ) -> None:
        if isinstance(target, cst.Name):
            result = reaching.result_of(self, value_node) if value is None and value_node else None
            self.bind(target.value, result or value)
            if self.in_class_body():
                self.classes[-1].class_values[target.value] = value
            call = self.call_facts.get(id(value_node)) if value_node is not None else None
            if call is not None:
                call.target = target.value
            if (
                (
                    isinstance(value, Const)
                    and isinstance(value.value, (list, tuple))
                    and value_node is not None
                )
                and "label" in target.value.lower()
                and value.value
                and len(value.value) < 10_000
            ):
                fn = self.functions[-1] if self.functions else None
                self.facts.label_lists.append(
                    LabelList(target.value, list(value.value), value_node, fn)
                )
        elif isinstance(target, (cst.Tuple, cst.List)):
            items = callees.unpacked(value, len(target.elements))
            starred = any(isinstance(el.value, cst.StarredElement) for el in target.elements)
            for index, el in enumerate(target.elements):
                known = items[index] if items is not None and not starred else None
                self._bind_target(el.value, known)
        elif isinstance(target, cst.Attribute):
            self.facts.attr_writes.setdefault(target.attr.value, []).append(target)
            if self.journal is not None:
                self.journal.append(("attr_writes", target.attr.value, target))
            members.record_write(self, target, value)
            self._record_attr_write(target, value)
        elif isinstance(target, cst.Subscript):
            self._record_subscript_write(target)
            mappings.item_written(self, target, value)
        elif isinstance(target, cst.StarredElement):
            self._bind_target(target.value, None)

    def _record_attr_write(self, target: cst.Attribute, value: Value) -> None:
        path: list[str] = [target.attr.value]
        base: cst.BaseExpression = target.value
        chain: list[tuple[cst.BaseExpression, tuple[str, ...]]] = []
        while type(base) is cst.Attribute:
            chain.append((base, tuple(path)))
            path.insert(0, base.attr.value)
            base = base.value
        root = self.eval(base)
        if type(root) is Instance:  # `self.tokenizer.pad_token`: the nearest tracked object
            for inner, inner_path in chain:
                held = self.eval(inner)
                if type(held) is ObjRef:
                    root, path = held, list(inner_path)
                    break
        if type(root) is ObjRef:
            self.facts.attr_uses.append(
                AttrUse(root.obj, tuple(path), target, value, True, self.current_statement)
            )

    def _record_subscript_write(self, target: cst.Subscript) -> None:
        for el in target.slice:
            if isinstance(el.slice, cst.Index) and const_str(self.eval(el.slice.value)) == "labels":
                self.facts.labels_evidence.append(target)

    def _note_labels_dict(self, node: cst.BaseExpression) -> None:
        if isinstance(node, cst.Dict):
            for el in node.elements:
                if isinstance(el, cst.DictElement) and const_str(self.eval(el.key)) == "labels":
                    self.facts.labels_evidence.append(el.key)

    def _record_field(self, node: cst.AnnAssign) -> None:
        cls = self.classes[-1]
        if isinstance(node.target, cst.Name) and node.target.value not in cls.fields:
            cls.fields.append(node.target.value)
        if not isinstance(node.target, cst.Name) or node.value is None:
            return
        default: Value = None
        val = node.value
        if isinstance(val, cst.Call) and (_dotted(val.func) or "").split(".")[-1] == "field":
            for a in val.args:
                if a.keyword is not None and a.keyword.value == "default":
                    default = self.eval(a.value)
        else:
            default = self.eval(val)
        if isinstance(default, Const) and cls.is_dataclass:
            name = node.target.value
            const = Const(default.value, True, f"default of dataclass field `{cls.name}.{name}`")
            cls.field_defaults[name] = const
            self.facts.cli_defaults.setdefault(name, const)

    # ---- expressions --------------------------------------------------------------------
    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        try:
            value = string_value(node.value)
        except Exception:
            return
        if isinstance(value, str) and len(value) < 200:
            self.facts.strings.add(value)
            if self.journal is not None:
                self.journal.append(("strings", value, None))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value in self.counted:
            counts = self.attr_counts
            counts[node.attr.value] = counts.get(node.attr.value, 0) + 1
        base = node.value
        recv: Value = None
        if isinstance(base, cst.Name):
            recv = self.eval(base)
        elif (
            isinstance(base, cst.Attribute)
            and isinstance(base.value, cst.Name)
            and isinstance(self.lookup(base.value.value), Instance)
        ):
            recv = self.eval(base)  # `self.tokenizer.pad_token`
        if isinstance(recv, ObjRef):
            self.facts.attr_uses.append(AttrUse(recv.obj, (node.attr.value,), node))

    def leave_Call(self, original_node: cst.Call) -> None:
        self._collect_call(original_node)

    def _collect_call(self, node: cst.Call) -> CallFact:
        func = node.func
        method: str | None = None
        receiver: Value = None
        qual = self.qualname(func)
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if qual is None:
                receiver = self.eval(func.value)
                if isinstance(receiver, Instance):
                    held = self.eval(func)  # `self.tokenizer(texts)`: the attribute's object
                    if isinstance(held, ObjRef):
                        method, receiver = "__call__", held
                    elif method in receiver.cls.methods and isinstance(func.value, cst.Name):
                        members.forget_locals(self, func.value.value)  # may reassign them
        elif isinstance(func, cst.Name) and qual is None and func.value in self.facts.functions:
            qual = f"<module>.{func.value}"
        elif isinstance(func, cst.Name) and qual is None:
            bound = self.lookup(func.value)
            if isinstance(bound, ObjRef):  # `tokenizer(texts, ...)`, `model(**batch)`
                method, receiver = "__call__", bound
        args: list[Arg] = []
        kwargs: dict[str, Arg] = {}
        star = False
        swap = bool(self.facts.downloads) and qual not in downloads.DOWNLOADERS
        for a in node.args:
            if a.star == "**":
                if not mappings.spread_into(self, a, self.eval(a.value), kwargs):
                    star = True
                continue
            if a.star == "*":
                star = True
                continue
            value = self.eval(a.value)
            if swap and (not args or a.keyword is not None):
                value = downloads.folder_as_repo(self.facts, value)
            if a.keyword is not None:
                kwargs[a.keyword.value] = Arg(value, a)
            else:
                args.append(Arg(value, a))
        fn = self.functions[-1] if self.functions else None
        call = CallFact(node, qual, method, receiver, args, kwargs, star, fn)
        if type(receiver) is ObjRef:
            reaching.record_inputs(self, call)
        self.call_facts[id(node)] = call
        self.facts.calls.append(call)
        if fn is not None:
            fn.calls.append(call)
        self._after_call(call)
        return call

    def _after_call(self, call: CallFact) -> None:
        if call.method == "add_argument":
            self._record_cli_default(call)
        elif call.method == "pop":
            mappings.pop(self, call)
        elif call.method in mappings.MUTATORS:
            mappings.mutated(self, call)
        elif call.qualname in downloads.DOWNLOADERS:
            downloads.record(self, call)
        if call.qualname is not None and call.qualname.startswith("<module>."):
            callees.changes_arguments(self, call)
        if call.kwargs.get("text_target") is not None:
            self.facts.labels_evidence.append(call.node)
        if call.method in ("save_pretrained", "save_model"):
            self._record_save(call)
        made = classify_call(call, self.facts)
        if (
            made is None
            and self.helpers is not None
            and call.qualname
            and _local_call(call.qualname)
        ):
            self.used_helpers = True
            made = self.helpers.object_returned_by(call.qualname, call)
        if made is not None:
            self._link_saved(made)
            downloads.link(self.facts, made)
            self.facts.objects.append(made)
            self.call_values[id(call.node)] = ObjRef(made)
        if call.qualname is not None and call.qualname.endswith("ClassLabel"):
            names = call.kwargs.get("names")
            if (
                names is not None
                and isinstance(names.value, Const)
                and isinstance(names.value.value, list)
            ):
                self.facts.label_lists.append(
                    LabelList("ClassLabel", names.value.value, call.node, call.function)
                )

    call_values: dict[int, Value]
    helpers: HelperResolver | None = None

    def _record_cli_default(self, call: CallFact) -> None:
        dest = const_str(call.kwargs["dest"].value) if "dest" in call.kwargs else None
        if dest is None:
            for a in call.args:
                flag = const_str(a.value)
                if flag is not None and flag.startswith("--"):
                    dest = flag[2:].replace("-", "_")
                    break
        default = call.kwargs.get("default")
        if dest and default is not None and isinstance(default.value, Const):
            self.facts.cli_defaults[dest] = Const(
                default.value.value, True, f"argparse default of `--{dest}`", where=call.node
            )

    def _record_save(self, call: CallFact) -> None:
        target = call.receiver.obj if isinstance(call.receiver, ObjRef) else None
        path_arg = call.arg(0, "save_directory") or call.arg(0, "output_dir")
        path = const_str(path_arg.value) if path_arg is not None else None
        if target is None or path is None:
            return
        if target.kind is Kind.TRAINER:
            model = target.call.kwargs.get("model") or (
                target.call.args[0] if target.call.args else None
            )
            if model is None or not isinstance(model.value, ObjRef):
                return
            target = model.value.obj
        self.facts.saved_paths.append(SavedPath(target, os.path.normpath(path), call))

    def _link_saved(self, obj: ObjectFact) -> None:
        path = const_str(obj.checkpoint)
        if path is None:
            return
        norm = os.path.normpath(path)
        for saved in reversed(self.facts.saved_paths):
            if saved.path == norm and saved.obj.kind is obj.kind:
                obj.saved_from = saved.obj
                return

    def eval(self, node: cst.BaseExpression | None) -> Value:
        if node is None:
            return None
        try:
            return self._eval(node)
        except (ValueError, TypeError, SyntaxError, OverflowError, MemoryError, RecursionError):
            return None

    def _eval(self, node: cst.BaseExpression) -> Value:
        # Exact class checks: libcst's concrete node classes are never subclassed, and
        # isinstance() against them goes through the ABC machinery (slow on a hot path).
        if type(node) is cst.SimpleString:
            return Const(string_value(node.value))
        if type(node) is cst.Integer or type(node) is cst.Float:
            return Const(_number(node.value))
        if type(node) is cst.Name:
            if node.value in ("True", "False", "None"):
                return Const({"True": True, "False": False, "None": None}[node.value])
            if node.value in self.facts.imports:
                return ClassRef(self.facts.imports[node.value])
            return self.lookup(node.value)
        if type(node) is cst.Call:
            if id(node) in self.call_values:
                return self.call_values[id(node)]
            return self._eval_call(node)
        if type(node) is cst.ConcatenatedString:
            left, right = self._eval(node.left), self._eval(node.right)
            if isinstance(left, Const) and isinstance(right, Const):
                return _combine(str(left.value) + str(right.value), left, right)
            return None
        if type(node) is cst.FormattedString:
            return self._eval_fstring(node)
        if type(node) is cst.BinaryOperation:
            return self._eval_binop(node)
        if type(node) is cst.UnaryOperation and isinstance(node.operator, cst.Minus):
            inner = self._eval(node.expression)
            if isinstance(inner, Const) and isinstance(inner.value, (int, float)):
                return Const(-inner.value, inner.overridable)
            return None
        if type(node) is cst.List or type(node) is cst.Tuple or type(node) is cst.Set:
            return self._eval_sequence(node)
        if type(node) is cst.Dict:
            return mappings.eval_dict(self, node)
        if type(node) is cst.Attribute:
            return self._eval_attribute(node)
        if type(node) is cst.Subscript:
            return self._eval_subscript(node)
        if type(node) is cst.DictComp or type(node) is cst.ListComp:
            return self._eval_comprehension(node)
        if type(node) is cst.IfExp:
            return branches.ifexp_value(self, node)
        return None

    def _eval_sequence(self, node: cst.List | cst.Tuple | cst.Set) -> Value:
        items = []
        values: list[Value] = []
        over: Const | None = None
        # `return pipe, batch_size`: a short tuple whose items are not all constants
        mixed = type(node) is cst.Tuple and len(node.elements) <= 8
        for el in node.elements:
            if type(el) is cst.StarredElement:
                return None
            v = self._eval(el.value)
            values.append(v)
            if type(v) is Const:
                items.append(v.value)
                if v.overridable and over is None:
                    over = v
            elif not mixed:
                return None
        if len(items) < len(values):
            return TupleValue(tuple(values))
        origin = over.origin if over is not None else ""
        return Const(
            tuple(items) if isinstance(node, cst.Tuple) else items, over is not None, origin
        )

    def _eval_call(self, node: cst.Call) -> Value:
        name = _dotted(node.func)
        if name == "dict":
            return mappings.eval_dict_call(self, node)
        args = [self._eval(a.value) for a in node.args if a.keyword is None and not a.star]
        if (
            name in ("os.path.join", "posixpath.join")
            and args
            and all(isinstance(a, Const) for a in args)
            and not downloads.inside_download(self.facts, args)
        ):
            parts = [str(a.value) for a in args if isinstance(a, Const)]
            return Const(
                os.path.join(*parts), any(a.overridable for a in args if isinstance(a, Const))
            )
        if name in ("str", "int", "len", "list", "enumerate") and len(args) == 1:
            a = args[0]
            if isinstance(a, Const):
                if name == "str":
                    return Const(str(a.value), a.overridable)
                if name == "int":
                    return Const(int(a.value), a.overridable)
                if name == "len" and isinstance(a.value, (list, tuple, dict, str)):
                    return Const(len(a.value), a.overridable)
                if name == "list" and isinstance(a.value, (list, tuple)):
                    return Const(list(a.value), a.overridable)
                if name == "enumerate" and isinstance(a.value, (list, tuple)):
                    return Const(list(enumerate(a.value)), a.overridable)
        if (
            isinstance(node.func, cst.Name)
            and node.func.value in self.facts.functions
            and self.lookup_local(node.func.value, _UNBOUND) is _UNBOUND
        ):
            return callees.returned(self, self.facts.functions[node.func.value], node, 0)
        if name == "vars" and len(node.args) == 1:
            return mappings.namespace(self, node.args[0].value)
        qual = self.qualname(node.func)
        if qual is not None and qual.startswith("<module>.") and qual.count(".") == 1:
            cls = self.facts.classes.get(qual.split(".", 1)[1])
            if cls is not None and self.call_values.get(id(node)) is None:
                return callees.instance(self, cls, node)
        if qual in downloads.DOWNLOADERS:
            return downloads.value_of(self, node)
        if qual is not None and passthrough_function(qual) and node.args:
            first = self._eval(node.args[0].value)
            if isinstance(first, ObjRef):
                return first
        if isinstance(node.func, cst.Attribute) and passthrough_method(node.func.attr.value):
            recv = self._eval(node.func.value)
            if isinstance(recv, ObjRef):
                return recv
        if isinstance(node.func, cst.Attribute):
            return callees.method_value(self, node, node.func.attr.value)
        return None

    def _eval_fstring(self, node: cst.FormattedString) -> Value:
        parts: list[str] = []
        over, origin = False, ""
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                parts.append(part.value)
            elif isinstance(part, cst.FormattedStringExpression):
                if part.format_spec is not None or part.conversion is not None:
                    return None
                v = self._eval(part.expression)
                if not isinstance(v, Const) or not isinstance(v.value, (str, int)):
                    return None
                parts.append(str(v.value))
                if v.overridable and not over:
                    over, origin = True, v.origin
        return Const("".join(parts), over, origin)

    def _eval_binop(self, node: cst.BinaryOperation) -> Value:
        left, right = self._eval(node.left), self._eval(node.right)
        if not isinstance(left, Const) or not isinstance(right, Const):
            return None
        lv, rv = left.value, right.value
        if isinstance(node.operator, cst.Add):
            if isinstance(lv, str) and isinstance(rv, str):
                return _combine(lv + rv, left, right)
            if isinstance(lv, (int, float)) and isinstance(rv, (int, float)):
                return _combine(lv + rv, left, right)
            if isinstance(lv, list) and isinstance(rv, list):
                return _combine(lv + rv, left, right)
        if isinstance(node.operator, cst.Subtract) and isinstance(lv, int) and isinstance(rv, int):
            return _combine(lv - rv, left, right)
        if (
            isinstance(node.operator, cst.Multiply)
            and isinstance(lv, int)
            and isinstance(rv, int)
            and abs(lv) < 1_000_000
            and abs(rv) < 1_000_000
        ):
            return _combine(lv * rv, left, right)
        return None

    def _eval_attribute(self, node: cst.Attribute) -> Value:
        base = node.value
        attr = node.attr.value
        if self.hidden and isinstance(base, cst.Name):
            dotted = f"{base.value}.{attr}"
            if any(dotted in names for names in self.hidden):
                return None
        base_val = self._eval(base)
        if isinstance(base_val, Instance):
            name = base.value if isinstance(base, cst.Name) else None
            if attr == "__dict__":
                return None
            return members.instance_attribute(self, base_val, attr, name)
        if isinstance(base_val, ClassRef):
            if base_val.qualname.startswith("<module>.") and base_val.qualname.count(".") == 1:
                cls = self.facts.classes.get(base_val.qualname.split(".", 1)[1])
                if cls is not None and attr in cls.class_values:
                    return members.class_value(self, cls, attr)
            return ClassRef(canonical(f"{base_val.qualname}.{attr}"))
        if isinstance(base_val, ObjRef):
            return None
        if attr == "__dict__" and isinstance(base, cst.Name):
            return mappings.namespace(self, base)
        if isinstance(base, cst.Name) and base_val is None:
            if attr in self.facts.cli_defaults:
                return self.facts.cli_defaults[attr]
            if self.functions:  # `args.x` in a function: the parser may be built further down
                self.note_missed(attr)
                return self.summaries.late_defaults.get(attr)
        return None

    def _eval_subscript(self, node: cst.Subscript) -> Value:
        base = self._eval(node.value)
        if base is None or len(node.slice) != 1:
            return None
        sl = node.slice[0].slice
        if not isinstance(sl, cst.Index):
            return None
        key = self._eval(sl.value)
        if not isinstance(key, Const):
            return None
        return mappings.item(base, key.value)

    def _eval_comprehension(self, node: cst.DictComp | cst.ListComp) -> Value:
        # `{i: l for i, l in enumerate(labels)}` and `{l: i for i, l in enumerate(labels)}`
        comp = node.for_in
        if comp.inner_for_in is not None or comp.ifs:
            return None
        iterable = self._eval(comp.iter)
        if not isinstance(iterable, Const) or not isinstance(iterable.value, (list, tuple)):
            return None
        if len(iterable.value) > 10_000:
            return None
        names: list[str]
        if isinstance(comp.target, cst.Name):
            names = [comp.target.value]
        elif isinstance(comp.target, cst.Tuple) and all(
            isinstance(e.value, cst.Name) for e in comp.target.elements
        ):
            names = [e.value.value for e in comp.target.elements if isinstance(e.value, cst.Name)]
        else:
            return None
        results: list[Any] = []
        for item in iterable.value:
            if len(names) == 1:
                binding = {names[0]: Const(item)}
            elif isinstance(item, (tuple, list)) and len(item) == len(names):
                binding = {n: Const(v) for n, v in zip(names, item, strict=True)}
            else:
                return None
            self.scopes.append(binding)
            try:
                if isinstance(node, cst.DictComp):
                    k, v = self._eval(node.key), self._eval(node.value)
                    if not isinstance(k, Const) or not isinstance(v, Const):
                        return None
                    results.append((k.value, v.value))
                else:
                    v = self._eval(node.elt)
                    if not isinstance(v, Const):
                        return None
                    results.append(v.value)
            finally:
                self.scopes.pop()
        if isinstance(node, cst.DictComp):
            return Const(dict(results), iterable.overridable)
        return Const(results, iterable.overridable)

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in self.counted:
            counts = self.name_counts
            counts[node.value] = counts.get(node.value, 0) + 1
        if node.value in self.facts.imports:
            self.facts.name_uses.setdefault(node.value, []).append(node)
            if self.journal is not None:
                self.journal.append(("name_uses", node.value, node))
        if self.functions:
            self.functions[-1].names_read.add(node.value)


_LIBRARIES = frozenset(
    {
        "transformers",
        "torch",
        "peft",
        "trl",
        "datasets",
        "evaluate",
        "numpy",
        "np",
        "os",
        "sys",
        "accelerate",
        "argparse",
        "json",
        "re",
        "math",
        "pandas",
        "pd",
        "sklearn",
        "tqdm",
    }
)


def _local_call(qualname: str) -> bool:
    top = qualname.split(".")[0]
    return "." in qualname and top not in _LIBRARIES and top != "<module>"


def collect(
    module: cst.Module, helpers: HelperResolver | None = None, reuse: str | None = None
) -> ModuleFacts:
    """The module's facts. With `reuse`, a document's key (the editor), statements an edit
    did not touch replay what they gave last time (statement_memo.py).

    The module is collected again while the values its call sites give parameters change
    (flow.py): once in the usual case, where call sites teach nothing new."""
    used = flow.remembered(reuse)
    facts: ModuleFacts | None = None
    scans = members.Scans(module, keep=bool(reuse))
    counted = flow.defined_names(module)
    for attempt in range(flow.MAX_PASSES):
        collector = Collector(module)
        collector.helpers = helpers
        collector.call_values = {}
        collector.summaries = used
        collector.scans = scans
        collector.counted = counted
        if reuse:
            from hflint.analyzers.statement_memo import collect_reusing

            facts = collect_reusing(collector, module, reuse)
        else:
            for index, statement in enumerate(module.body):
                # the command line: the planned walk; recording it would only cost
                walk(statement, collector, collector.facts.statement_of, index)
            facts = collector.facts
        if attempt + 1 == flow.MAX_PASSES:
            break
        found = flow.summarize(collector)
        if flow.same_summaries(found, used):
            break
        used = found
    flow.remember(reuse, used)
    assert facts is not None
    return facts
