"""Following the user's own helpers across modules: `model = load_model(cfg)` from utils.py.

Our own module locator answers the common case (a module or package of the workspace) by
parsing the helper's file with the same collector. jedi answers the rest (re-exports through
`__init__`, src layouts) but only inside a time budget: its first query can take many seconds,
so a slow answer is dropped for this check and kept for the next one. jedi is only asked about
modules of the workspace, never about transformers.
"""

from __future__ import annotations

import concurrent.futures
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst

from hflint.analyzers.facts import CallFact, FunctionFact, ModuleFacts, ObjectFact
from hflint.analyzers.values import ObjRef, Value

_JEDI_POOL = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="hflint-jedi")
_LOCK = threading.Lock()
RECHECK_S = 5.0  # a module or function not found is looked for again after this long
_RESOLVERS: OrderedDict[tuple[Path, Path], HelperResolver] = OrderedDict()


def helpers_for(file_path: Path, project_root: Path) -> HelperResolver:
    """The resolver of one file, kept across checks (the editor checks on every keystroke):
    what it found, the helper modules' facts and jedi's pending answers stay with it."""
    key = (file_path, project_root)
    with _LOCK:
        found = _RESOLVERS.get(key)
        if found is None:
            found = _RESOLVERS[key] = HelperResolver(file_path, project_root)
            while len(_RESOLVERS) > 64:
                _RESOLVERS.popitem(last=False)
        _RESOLVERS.move_to_end(key)
    return found


@dataclass
class HelperResolver:
    """Resolves `<local module>.<function>` to the object that function returns."""

    file_path: Path
    project_root: Path
    jedi_budget: float = 0.25  # seconds a diagnostic may wait for jedi
    use_jedi: bool = True
    _facts: dict[tuple[Path, float], ModuleFacts | None] = field(default_factory=dict)
    _located: dict[str, tuple[Path | None, float]] = field(default_factory=dict)
    _jedi: dict[str, tuple[concurrent.futures.Future[tuple[Path, str] | None], float]] = field(
        default_factory=dict
    )

    def object_returned_by(
        self, qualname: str, call: CallFact, depth: int = 0
    ) -> ObjectFact | None:
        if depth > 2 or "." not in qualname:
            return None
        module, _, func = qualname.rpartition(".")
        found = self._locate(module)
        fn_facts = None
        if found is not None:
            fn_facts = self._function_facts(found, func)
        if fn_facts is None and self.use_jedi and self._is_local(module):
            answer = self._jedi_goto(module, func)
            if answer is not None:
                fn_facts = self._function_facts(*answer)
        if fn_facts is None:
            return None
        facts, fn_name = fn_facts
        fn = facts.functions.get(fn_name)
        if fn is None or not fn.returns:
            return None
        objs = [r.obj for r in fn.returns if isinstance(r, ObjRef)]
        if len(objs) != len(fn.returns) or any(o is not objs[0] for o in objs):
            return None
        inner = objs[0]
        return ObjectFact(
            inner.kind,
            call,
            inner.class_name,
            inner.qualname,
            inner.method,
            self._checkpoint(inner, fn, call),
            base=inner.base,
        )

    @staticmethod
    def _checkpoint(inner: ObjectFact, fn: FunctionFact, call: CallFact) -> Value:
        """The helper's checkpoint, with its parameters replaced by this call's arguments (its
        default, overridable, when the call passes none)."""
        arg = inner.call.arg(0, "pretrained_model_name_or_path")
        if arg is None:
            return None
        expr = arg.expr
        params = fn.params
        if isinstance(expr, cst.Name) and expr.value in params:
            index = params.index(expr.value)
            local = call.arg(index, expr.value)
            if local is not None:
                return local.value
            return None if call.has_star_kwargs else fn.param_default(expr.value)
        return inner.checkpoint

    # ---- finding the module -------------------------------------------------------------
    def _roots(self) -> list[Path]:
        roots = [self.file_path.parent, self.project_root, self.project_root / "src"]
        return list(dict.fromkeys(r for r in roots if r.is_dir()))

    def _locate(self, module: str) -> Path | None:
        known = self._located.get(module)
        now = time.monotonic()
        if known is not None:
            path, when = known
            if (path is not None and path.is_file()) or (path is None and now - when < RECHECK_S):
                return path
        path = self._search(module)
        self._located[module] = (path, now)
        return path

    def _search(self, module: str) -> Path | None:
        parts = module.split(".")
        for root in self._roots():
            base = root.joinpath(*parts)
            for candidate in (base.with_suffix(".py"), base / "__init__.py"):
                if candidate.is_file():
                    return candidate
        return None

    def _is_local(self, module: str) -> bool:
        top = module.split(".")[0]
        return any((r / top).is_dir() or (r / f"{top}.py").is_file() for r in self._roots())

    def _function_facts(self, path: Path, func: str) -> tuple[ModuleFacts, str] | None:
        from hflint.analyzers.collector import collect

        try:
            key = (path.resolve(), path.stat().st_mtime)
        except OSError:
            return None
        if key not in self._facts:
            for older in [k for k in self._facts if k[0] == key[0]]:
                del self._facts[older]  # an earlier version of the same file
            try:
                self._facts[key] = collect(cst.parse_module(path.read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError, cst.ParserSyntaxError, RecursionError):
                self._facts[key] = None
        facts = self._facts[key]
        if facts is None or func not in facts.functions:
            return None
        return facts, func

    # ---- jedi ---------------------------------------------------------------------------
    def _jedi_goto(self, module: str, func: str) -> tuple[Path, str] | None:
        key = f"{self.project_root}:{module}.{func}"
        now = time.monotonic()
        with _LOCK:
            known = self._jedi.get(key)
            if known is None or (_answered_nothing(known[0]) and now - known[1] >= RECHECK_S):
                future = _JEDI_POOL.submit(_goto, self.project_root, self.file_path, module, func)
                self._jedi[key] = (future, now)
            else:
                future = known[0]
        try:
            return future.result(timeout=self.jedi_budget)
        except concurrent.futures.TimeoutError:
            return None  # too slow for this check; the answer is kept for the next one
        except Exception:
            return None


def _answered_nothing(future: concurrent.futures.Future[tuple[Path, str] | None]) -> bool:
    return future.done() and (future.exception() is not None or future.result() is None)


def _goto(root: Path, file_path: Path, module: str, func: str) -> tuple[Path, str] | None:
    import jedi
    import parso.cache

    # transformers' own files exceed parso's default cache trigger; raise it so jedi works.
    parso.cache._CACHED_SIZE_TRIGGER = max(parso.cache._CACHED_SIZE_TRIGGER, 10_000)
    code = f"from {module} import {func}\n{func}"
    project = jedi.Project(root, added_sys_path=[str(file_path.parent)], smart_sys_path=True)
    script = jedi.Script(code, path=file_path, project=project)
    for name in script.goto(2, 0, follow_imports=True):
        if name.module_path is not None and name.type == "function":
            path = Path(name.module_path)
            if path.suffix == ".py" and _inside(path, root):
                return path, name.name
    return None


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return "site-packages" not in path.parts
