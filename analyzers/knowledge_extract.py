"""Read transformers' own tables from its source tree, without importing transformers or torch.

Every function takes the package directory, so the same code reads the installed package and
an unpacked wheel of another release (4.x or 5.x). Only the statements that hold a fact are
parsed (parsing whole files such as trainer.py would cost a language server ~200 ms), and the
few non-literal forms transformers uses (`.update`, `OrderedDict(**a, **b)`, `*list(x.items())`)
are evaluated by a small interpreter, never by importing.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from hflint.analyzers import environment
from hflint.analyzers.knowledge_calls import _generative_classes as _generative_classes
from hflint.analyzers.knowledge_calls import generation_facts as _generation_facts
from hflint.analyzers.knowledge_calls import pipeline_facts
from hflint.analyzers.source_reading import BOUNDARY_0 as _BOUNDARY_0
from hflint.analyzers.source_reading import block as _block
from hflint.analyzers.source_reading import class_header as _class_header
from hflint.analyzers.source_reading import class_span as _class_span
from hflint.analyzers.source_reading import defs as _defs
from hflint.analyzers.source_reading import function as _function
from hflint.analyzers.source_reading import name_of as _name
from hflint.analyzers.source_reading import popped_keys as _popped_keys
from hflint.analyzers.source_reading import read_source as _read
from hflint.analyzers.source_reading import statements as _statements

FORMAT_VERSION = 6

Env = dict[str, object]
Table = dict[str, str | tuple[str, ...]]
_AUTO_MODULES = ("modeling_auto", "modeling_tf_auto", "modeling_flax_auto")
_AUTO_NAME = re.compile(r"(?:TF|Flax)?Auto[A-Z]\w*\Z")


class _Unsupported(Exception):
    """An expression outside the literal subset the evaluator understands."""


def find_transformers() -> Path | None:
    """The project's transformers package folder (see `environment`); nothing is imported."""
    found = environment.find()
    return found.package if found is not None else None


def read_version(pkg: Path) -> str:
    match = re.search(r"^__version__\s*=\s*[\"']([^\"']+)", _read(pkg / "__init__.py"), re.M)
    return match.group(1) if match else "unknown"


_SOURCES = [
    "__init__.py",
    "models/auto/auto_mappings.py",
    "models/auto/configuration_auto.py",
    *(f"models/auto/{m}.py" for m in _AUTO_MODULES),
    "pipelines/__init__.py",
    "pipelines/base.py",
    "training_args.py",
    "training_args_seq2seq.py",
    "trainer.py",
    "generation/utils.py",
    "generation/configuration_utils.py",
    "configuration_utils.py",
    "modeling_utils.py",
    "utils/import_utils.py",
    "utils/generic.py",
    "convert_slow_tokenizer.py",
    "models/auto/tokenization_auto.py",
    "tokenization_utils_base.py",
    "tokenization_utils_tokenizers.py",
    "tokenization_python.py",
    "tokenization_utils_sentencepiece.py",
    "tokenization_mistral_common.py",
    "tokenization_utils.py",
    "tokenization_utils_fast.py",
]


def source_stamp(pkg: Path) -> str:
    """mtime and size of every file parsed, plus the mtimes of models/ and its sub-packages.

    The ~2,500 model files are covered by their directories' mtimes (installs and checkouts
    replace files, which touches the directory): stat-ing each would triple a cached load.
    """
    stamp = [FORMAT_VERSION, str(pkg)]
    for name in _SOURCES:
        try:
            st = os.stat(pkg / name)
            stamp += [name, st.st_mtime_ns, st.st_size]
        except OSError:
            stamp.append(name)
    try:
        with os.scandir(pkg / "models") as entries:
            stamp += sorted((e.name, e.stat().st_mtime_ns) for e in entries if e.is_dir())
        stamp.append(os.stat(pkg / "models").st_mtime_ns)
    except OSError:
        pass
    return repr(stamp)


def extract(pkg: Path) -> dict[str, object]:
    """All facts hflint needs from the transformers package at `pkg`, as JSON-ready data
    (the field names of `Knowledge`; the cache stores exactly this)."""
    config = _config_mapping(pkg)
    tables, deprecated = _auto_tables(pkg, config)
    module_exports = _scan_models(pkg / "models")
    exported = _exported_names(pkg, module_exports)
    tasks, aliases, removed, redirects, prefixes = _pipeline_tasks(pkg)
    train_fields = _dataclass_fields(_read(pkg / "training_args.py"), "TrainingArguments")[1]
    s2s_src = _read(pkg / "training_args_seq2seq.py")
    bases, s2s_fields = _dataclass_fields(s2s_src, "Seq2SeqTrainingArguments")
    if "TrainingArguments" in bases:
        s2s_fields |= train_fields
    params, renamed = _init_params(_read(pkg / "trainer.py"), "Trainer")
    pipeline_params = _pipeline_params(_read(pkg / "pipelines" / "__init__.py"))
    autos = {n for p, ns in module_exports.items() if p.startswith("auto/") for n in ns}
    tok_bases, tok_names, tok_modules = _tokenizer_classes(pkg)
    return {
        "version": read_version(pkg),
        "config_mapping": config,
        "auto_tables": tables,
        "auto_classes": sorted({n for n in autos if _AUTO_NAME.match(n)} | set(tables)),
        "exported_names": sorted(exported),
        "lazy_aliases": sorted(_lazy_aliases(pkg, exported) - exported),
        "model_class_types": _model_class_types(tables, config),
        "tasks": tasks,
        "task_aliases": aliases,
        "removed_tasks": removed,
        "task_redirects": redirects,
        "task_prefixes": prefixes,
        "training_args_fields": sorted(train_fields),
        "seq2seq_training_args_fields": sorted(s2s_fields),
        "trainer_init_params": sorted(params),
        "trainer_renamed_kwargs": renamed,
        "deprecated_auto_classes": sorted(deprecated),
        **deprecation_facts(pkg, train_fields),
        **_generation_facts(pkg),
        "tokenizer_bases": tok_bases,
        "tokenizer_names": tok_names,
        "tokenizer_modules": tok_modules,
        "tokenizer_mapping": _tokenizer_mapping(pkg),
        "pipeline_params": sorted(pipeline_params),
        **pipeline_facts(pkg),
    }


# ---------------------------------------------------------------- reading and parsing


# ---------------------------------------------------------------- a tiny evaluator


def _iter(value: object) -> Iterator[object]:
    if isinstance(value, (list, tuple, dict)):
        return iter(value)
    raise _Unsupported(type(value).__name__)


def _pairs(value: object) -> Iterator[tuple[object, object]]:
    if isinstance(value, dict):
        return iter(value.items())
    out = []
    for item in _iter(value):
        if not (isinstance(item, (tuple, list)) and len(item) == 2):
            raise _Unsupported("pair")
        out.append((item[0], item[1]))
    return iter(out)


def _eval(node: ast.expr, env: Mapping[str, object]) -> object:
    """Literals, names bound in `env`, dict/OrderedDict/list/tuple calls and `.items()`."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in env:
            return env[node.id]
        raise _Unsupported(node.id)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        items: list[object] = []
        for elt in node.elts:
            if isinstance(elt, ast.Starred):
                items.extend(_iter(_eval(elt.value, env)))
            else:
                items.append(_eval(elt, env))
        return tuple(items) if isinstance(node, ast.Tuple) else items
    if isinstance(node, ast.Dict):
        out: dict[object, object] = {}
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:
                out.update(_pairs(_eval(value, env)))
            else:
                out[_eval(key, env)] = _eval(value, env)
        return out
    if isinstance(node, ast.Call):
        func = node.func.value if isinstance(node.func, ast.Subscript) else node.func
        fname = func.id if isinstance(func, ast.Name) else ""
        if fname in ("OrderedDict", "dict"):
            out = {}
            for arg in node.args:
                out.update(_pairs(_eval(arg, env)))
            for kw in node.keywords:
                item = _eval(kw.value, env)
                if kw.arg is None:
                    out.update(_pairs(item))
                else:
                    out[kw.arg] = item
            return out
        if fname in ("list", "tuple") and len(node.args) == 1:
            seq = list(_iter(_eval(node.args[0], env)))
            return seq if fname == "list" else tuple(seq)
        if isinstance(func, ast.Attribute) and func.attr in ("items", "keys", "values"):
            obj = _eval(func.value, env)
            if isinstance(obj, dict) and not node.args:
                return list(getattr(obj, func.attr)())
    raise _Unsupported(type(node).__name__)


def _run(stmts: list[ast.stmt], env: Env, imports: Mapping[str, Env]) -> Env:
    """Execute assignments, `X.update(...)` and relative imports from `imports`."""
    for stmt in stmts:
        target = ""
        try:
            if isinstance(stmt, ast.ImportFrom) and stmt.level and stmt.module:
                source = imports.get(stmt.module, {})
                for alias in stmt.names:
                    if alias.name in source:
                        env[alias.asname or alias.name] = source[alias.name]
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                if len(targets) == 1 and isinstance(targets[0], ast.Name):
                    target = targets[0].id
                    env[target] = _eval(stmt.value, env)
            elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                call = stmt.value
                if isinstance(call.func, ast.Attribute) and call.func.attr == "update":
                    updated = _eval(call.func.value, env)
                    if isinstance(updated, dict) and len(call.args) == 1:
                        updated.update(_pairs(_eval(call.args[0], env)))
        except _Unsupported:
            env.pop(target, None)  # a name we cannot evaluate must not keep a stale value
    return env


def _table(value: object) -> Table:
    out: Table = {}
    for key, cls in _pairs(value):
        if isinstance(cls, str):
            out[str(key)] = cls
        elif isinstance(cls, (tuple, list)):
            out[str(key)] = tuple(str(c) for c in cls)
    return out


# ---------------------------------------------------------------- Auto tables


def _config_env(pkg: Path) -> Env:
    """configuration_auto's names after its updates; 5.x seeds them from auto_mappings.py."""
    auto = pkg / "models" / "auto"
    base = _run(_statements(_read(auto / "auto_mappings.py"), r"^CONFIG_MAPPING_NAMES\b"), {}, {})
    src = _read(auto / "configuration_auto.py")
    stmts = _statements(src, r"^(?:CONFIG_MAPPING_NAMES\b|from \.auto_mappings import)")
    return _run(stmts, {}, {"auto_mappings": base})


def _config_mapping(pkg: Path) -> dict[str, str]:
    table = _table(_config_env(pkg).get("CONFIG_MAPPING_NAMES", {}))
    return {k: v for k, v in table.items() if isinstance(v, str)}


def _auto_tables(pkg: Path, config: dict[str, str]) -> tuple[dict[str, Table], set[str]]:
    """Auto class -> table, following `_model_mapping = X` through `_LazyAutoMapping(..., NAMES)`.

    A public class that inherits its mapping from a private class (4.x `AutoModelWithLMHead`
    from `_AutoModelWithLMHead`) is a deprecated alias; it is returned in the second set.
    """
    tables: dict[str, Table] = {}
    deprecated: set[str] = set()
    for module in _AUTO_MODULES:
        src = _read(pkg / "models" / "auto" / f"{module}.py")
        if not src:
            continue
        body = ast.parse(src).body
        env = _run(body, {}, {"configuration_auto": {"CONFIG_MAPPING_NAMES": dict(config)}})
        lazy: dict[str, str] = {}  # MODEL_FOR_X_MAPPING -> MODEL_FOR_X_MAPPING_NAMES
        mapping: dict[str, str] = {}  # class -> mapping variable (own or inherited)
        public: list[str] = []
        for stmt in body:
            if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
                target, value = stmt.targets[0].id, stmt.value
                if isinstance(value, ast.Call) and _name(value.func) == "_LazyAutoMapping":
                    if len(value.args) == 2 and isinstance(value.args[1], ast.Name):
                        lazy[target] = value.args[1].id
                elif isinstance(value, ast.Name) and value.id in mapping and target != value.id:
                    mapping[target] = mapping[value.id]
                    public.append(target)
            elif isinstance(stmt, ast.ClassDef):
                own = [
                    s.value.id
                    for s in stmt.body
                    if isinstance(s, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == "_model_mapping" for t in s.targets)
                    and isinstance(s.value, ast.Name)
                ]
                inherited = [mapping[b] for b in map(_name, stmt.bases) if b in mapping]
                if own or inherited:
                    mapping[stmt.name] = (own or inherited)[0]
                    public.append(stmt.name)
                    if not own and any(_name(b).startswith("_") for b in stmt.bases):
                        deprecated.add(stmt.name)
        for cls in public:
            names = env.get(lazy.get(mapping[cls], ""))
            if not cls.startswith("_") and names is not None:
                tables[cls] = _table(names)
    return tables, deprecated


def _model_class_types(tables: dict[str, Table], config: dict[str, str]) -> dict[str, str]:
    """Class -> model type; of types sharing a config class (gpt-sw3, gpt2) the one
    `_LazyAutoMapping` looks up first, i.e. the last listed, wins."""
    canonical = {cfg: model_type for model_type, cfg in config.items()}
    out: dict[str, str] = {}
    for table in tables.values():
        for model_type, value in table.items():
            for cls in (value,) if isinstance(value, str) else value:
                old = out.get(cls)
                if old is None or canonical.get(config.get(old, "")) not in (old, None):
                    out[cls] = model_type
    return out


# ---------------------------------------------------------------- exported names


def _dunder_all(data: bytes) -> list[str]:
    """transformers' own `fetch__all__`: the last line starting with `__all__`, line-based."""
    at = data.rfind(b"\n__all__")
    if at < 0 and not data.startswith(b"__all__"):
        return []
    lines = data[at + 1 :].decode("utf-8", "replace").splitlines()
    if lines[0].endswith("]"):
        raw = lines[0].split("=", 1)[1].strip(" []").split(",")
    else:
        raw = []
        for line in lines[1:]:
            if line.strip() == "]":
                break
            raw.append(line)
    return [name for name in (r.strip("\"', ") for r in raw) if name.isidentifier()]


def _required_objects(data: bytes) -> list[str]:
    """Objects exported by a `@requires(...)` decorator (mirrors create_import_structure_from_path)."""
    names = []
    at = data.find(b"\n@requires")
    while at >= 0:
        found = min(
            (i for i in (data.find(b"\nclass", at), data.find(b"\ndef", at)) if i >= 0), default=-1
        )
        if found < 0:
            break
        line = data[found + 1 : data.find(b"\n", found + 1)].decode("utf-8", "replace")
        names.append(line[6 if line.startswith("class") else 4 :].split("(")[0].strip(": "))
        at = data.find(b"\n@requires", found)
    return [n for n in names if n.isidentifier()]


def _scan_models(models: Path) -> dict[str, list[str]]:
    """`define_import_structure(models)`: per module (relative path) the names it exports."""
    out: dict[str, list[str]] = {}
    root = len(str(models)) + 1
    stack = [str(models)]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            name = entry.name
            if entry.is_dir():
                if name != "__pycache__":
                    stack.append(entry.path)
            elif name.endswith(".py") and name != "__init__.py":
                if name.startswith(("convert_", "modular_")):
                    continue
                with open(entry.path, "rb") as handle:
                    data = handle.read()
                names = _dunder_all(data)
                if b"\n@requires" in data:
                    names += _required_objects(data)
                if names:
                    out[entry.path[root:].replace(os.sep, "/")] = names
    return out


def _strings(node: ast.AST | None) -> set[str]:
    return (
        {
            n.value
            for n in ast.walk(node)
            if isinstance(n, ast.Constant) and isinstance(n.value, str)
        }
        if node is not None
        else set()
    )


def _dummy_names(pkg: Path, module: str) -> set[str]:
    """`dir(utils.dummy_x_objects)` without importing: its classes, functions and imports."""
    src = _read(pkg / "utils" / f"{module}.py")
    names = set(re.findall(r"^(?:class|def)\s+(\w+)", src, re.M))
    for imported in re.findall(r"^from\s+\S+\s+import\s+([\w ,]+)$", src, re.M):
        names.update(n.split(" as ")[-1].strip() for n in imported.split(","))
    return {n for n in names if n and not n.startswith("_")}


def _exported_names(pkg: Path, module_exports: dict[str, list[str]]) -> set[str]:
    """Every attribute the top-level lazy module serves: what `_import_structure` lists in
    every backend branch of `__init__.py` (or the backend's dummy objects), the `__all__`
    names of models/ when `define_import_structure` is used (4.47+ and 5.x), and the
    first component of each module key (`transformers.pipelines`, ...)."""
    src = _read(pkg / "__init__.py")
    tree = ast.parse(src)
    literals: dict[str, ast.expr] = {}
    names: set[str] = set()
    modules: set[str] = set()

    def structure(node: ast.expr) -> bool:
        return _name(node.value if isinstance(node, ast.Subscript) else node) == "_import_structure"

    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
            if isinstance(target, ast.Name) and isinstance(value, (ast.Dict, ast.List)):
                literals[target.id] = value
            if structure(target):
                if isinstance(value, ast.Dict):
                    modules.update(*(_strings(k) for k in value.keys))
                    names.update(*(_strings(v) for v in value.values))
                elif isinstance(target, ast.Subscript):
                    modules.update(_strings(target.slice))
                    names.update(_strings(value) - {"_"})
                    for call in ast.walk(value):
                        if isinstance(call, ast.Call) and _name(call.func) == "dir" and call.args:
                            names.update(_dummy_names(pkg, _name(call.args[0])))
        elif isinstance(node, ast.AugAssign) and structure(node.target):
            names.update(_strings(node.value))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if structure(node.func.value) and node.func.attr in ("extend", "append"):
                names.update(*(_strings(a) for a in node.args))
            elif _name(node.func.value) == "_import_structure" and node.func.attr == "setdefault":
                modules.update(_strings(node.args[0]) if node.args else set())
        elif isinstance(node, ast.For) and isinstance(node.iter, ast.Name):
            calls = [n for s in node.body for n in ast.walk(s) if isinstance(n, ast.Call)]
            if any(_name(c.func) == "setdefault" for c in calls):
                keys = literals.get(node.iter.id)
                if isinstance(keys, ast.Dict):
                    modules.update(*(_strings(k) for k in keys.keys))
    if re.search(r"define_import_structure\(.*\"models\"", src):
        modules.add("models")
        names.update(n for exported in module_exports.values() for n in exported)
    names.update(m.split(".", 1)[0] for m in modules)
    names.update(_submodules(pkg))  # `from transformers import trainer` imports it
    return {n for n in names if n.isidentifier() and not n.startswith("_")}


def _submodules(pkg: Path) -> set[str]:
    try:
        entries = list(os.scandir(pkg))
    except OSError:
        return set()
    return {
        e.name.removesuffix(".py")
        for e in entries
        if (e.name.endswith(".py") and e.is_file()) or (e.is_dir() and "." not in e.name)
    }


def _lazy_aliases(pkg: Path, exported: set[str]) -> set[str]:
    """Names `_LazyModule.__getattr__` serves without listing them (5.x): `XFast` for an
    exported `X` (tokenizers, image processors) and tokenizers found through
    `SLOW_TO_FAST_CONVERTERS`."""
    getattr_src = _read(pkg / "utils" / "import_utils.py")
    suffixes = set(re.findall(r"name\.endswith\(\"(\w+)Fast\"\)", getattr_src))
    out = {f"{n}Fast" for n in exported if any(n.endswith(s) for s in suffixes)}
    if "SLOW_TO_FAST_CONVERTERS" in getattr_src:
        stmts = _statements(_read(pkg / "convert_slow_tokenizer.py"), r"^SLOW_TO_FAST_CONVERTERS\b")
        for stmt in stmts:
            if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Dict):
                keys = {k.value for k in stmt.value.keys if isinstance(k, ast.Constant)}
                out.update(k for k in keys if isinstance(k, str) and k.endswith("Tokenizer"))
                out.update(
                    f"{k}Fast" for k in keys if isinstance(k, str) and "Tokenizer" in suffixes
                )
    return out


# ---------------------------------------------------------------- pipelines


def _task_info(task: str, entry: ast.expr) -> dict[str, object]:
    """One SUPPORTED_TASKS entry as the fields of `TaskInfo`."""
    fields = (
        {
            k.value: v
            for k, v in zip(entry.keys, entry.values, strict=True)
            if isinstance(k, ast.Constant)
        }
        if isinstance(entry, ast.Dict)
        else {}
    )
    pt = fields.get("pt")
    if isinstance(pt, ast.IfExp):  # `(AutoModelForX,) if is_torch_available() else ()`
        pt = pt.body
    autos = tuple(_name(e) for e in pt.elts) if isinstance(pt, (ast.Tuple, ast.List)) else ()
    model: object = None
    default = fields.get("default")
    try:
        model = _eval(default, {}) if default is not None else None
        model = model.get("model") if isinstance(model, dict) else None
        model = model.get("pt") if isinstance(model, dict) else model
    except _Unsupported:
        model = None
    repo, rev = model if isinstance(model, tuple) and len(model) == 2 else (None, None)
    kind = fields.get("type")
    return {
        "task": task,
        "auto_classes": autos,
        "default_model": repo if isinstance(repo, str) else None,
        "default_revision": rev if isinstance(rev, str) else None,
        "type": _name(kind) if isinstance(kind, ast.Constant) else "",
        "impl": _name(fields["impl"]) if "impl" in fields else "",
    }


def _task_rules(func: ast.stmt | None) -> tuple[dict[str, str], dict[str, str]]:
    """Redirects (`if task == "a": return "b"`) and prefixes (`task.startswith("translation_")`)."""
    redirects: dict[str, str] = {}
    prefixes: dict[str, str] = {}
    for node in ast.walk(func) if func is not None else ():
        if isinstance(node, ast.Call) and _name(node.func) == "startswith" and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                prefixes[arg.value.rstrip("_") + "_"] = arg.value.rstrip("_")
        if isinstance(node, ast.If) and isinstance(node.test, ast.Compare):
            test = node.test
            value = test.comparators[0]
            if _name(test.left) == "task" and isinstance(test.ops[0], ast.Eq) and _name(value):
                for stmt in node.body:
                    if isinstance(stmt, ast.Return) and isinstance(stmt.value, ast.Constant):
                        redirects[_name(value)] = str(stmt.value.value)
    return redirects, prefixes


def _pipeline_tasks(
    pkg: Path,
) -> tuple[
    dict[str, dict[str, object]], dict[str, str], dict[str, str], dict[str, str], dict[str, str]
]:
    """SUPPORTED_TASKS, TASK_ALIASES, REMOVED_TASKS, redirects and parametrised prefixes."""
    src = _read(pkg / "pipelines" / "__init__.py")
    tasks: dict[str, dict[str, object]] = {}
    literals: dict[str, dict[str, str]] = {"TASK_ALIASES": {}, "REMOVED_TASKS": {}}
    for stmt in _statements(src, r"^(?:TASK_ALIASES|SUPPORTED_TASKS|REMOVED_TASKS)\b"):
        if not (isinstance(stmt, (ast.Assign, ast.AnnAssign)) and isinstance(stmt.value, ast.Dict)):
            continue
        target = stmt.targets[0] if isinstance(stmt, ast.Assign) else stmt.target
        for key, value in zip(stmt.value.keys, stmt.value.values, strict=True):
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                continue
            if _name(target) == "SUPPORTED_TASKS":
                tasks[key.value] = _task_info(key.value, value)
            elif _name(target) in literals:
                text = value.value if isinstance(value, ast.Constant) else ""
                literals[_name(target)][key.value] = text if isinstance(text, str) else ""
    resolver = _statements(src, r"^def _resolve_deprecated_task\b")
    if not resolver:  # 4.x: `translation_XX_to_YY` is parsed in PipelineRegistry.check_task
        resolver = _statements(_read(pkg / "pipelines" / "base.py"), r"^    def check_task\b")
    redirects, prefixes = _task_rules(resolver[0] if resolver else None)
    known = tasks.keys() | literals["REMOVED_TASKS"].keys()
    prefixes = {p: t for p, t in prefixes.items() if t in known}
    return tasks, literals["TASK_ALIASES"], literals["REMOVED_TASKS"], redirects, prefixes


def _pipeline_params(src: str) -> set[str]:
    """What `pipeline()` accepts by name: its parameters, and the keys its body reads from
    `**kwargs` (4.x pops `use_auth_token` there; 5.x reads `torch_dtype`, `local_files_only`)."""
    funcs = [s for s in _statements(src, r"^def pipeline\(") if isinstance(s, ast.FunctionDef)]
    if not funcs:
        return set()
    func = max(funcs, key=lambda f: len(f.body))  # the implementation, not a typing overload
    args = func.args
    names = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
    return names | _popped_keys(func, args.kwarg.arg if args.kwarg is not None else None)


# ---------------------------------------------------------------- Trainer and its arguments


_METHOD = re.compile(r"^    (?:@|def |async def )", re.M)
_FIELD = re.compile(r"^    \w+ *:", re.M)


def _dataclass_fields(src: str, name: str) -> tuple[list[str], set[str]]:
    """(base class names, names of the init fields declared in the class body)."""
    start = _class_header(src, name)
    if start < 0:
        return [], set()
    # Fields precede the methods; parse only them unless an annotation follows a method.
    method = _METHOD.search(src, start)
    end = _BOUNDARY_0.search(src, src.find("\n", start) + 1)
    rest = src[method.start() : end.start() if end else len(src)] if method else ""
    fields_only = method is not None and not _FIELD.search(rest)
    cls = _block(src[: method.start()], start) if method and fields_only else None
    cls = cls or _block(src, start)
    if not isinstance(cls, ast.ClassDef):
        return [], set()
    fields = set()
    for stmt in cls.body:
        if not (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)):
            continue
        if "ClassVar" in ast.unparse(stmt.annotation):
            continue
        value = stmt.value
        no_init = isinstance(value, ast.Call) and any(
            kw.arg == "init" and isinstance(kw.value, ast.Constant) and kw.value.value is False
            for kw in value.keywords
        )
        if not no_init:
            fields.add(stmt.target.id)
    return [_name(b) for b in cls.bases], fields


def _init_params(src: str, name: str) -> tuple[set[str], dict[str, str]]:
    """`name.__init__` parameters and `@deprecate_kwarg(old, new_name=new)` renames (4.x)."""
    start = _class_header(src, name)
    init = re.compile(r"^    (?:@[^\n]*\n    )*def __init__\(", re.M).search(src, max(start, 0))
    func = _block(src, init.start()) if start >= 0 and init else None
    if not isinstance(func, ast.FunctionDef):
        return set(), {}
    args = func.args
    params = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]} - {"self"}
    renamed = {}
    for deco in func.decorator_list:
        if isinstance(deco, ast.Call) and _name(deco.func) == "deprecate_kwarg" and deco.args:
            new = next((k.value for k in deco.keywords if k.arg == "new_name"), None)
            old = deco.args[0]
            if isinstance(old, ast.Constant) and isinstance(new, ast.Constant):
                renamed[str(old.value)] = str(new.value)
    return params, renamed


# ---------------------------------------------------------------- tokenizer classes

_TOKENIZER_CLASS = re.compile(r"^class (\w+)(?:\(([^)]*)\))?\s*:", re.M)
_TOKENIZER_MEMBER = re.compile(r"^    (?:async )?def (\w+)|^    (\w+)\s*(?::[^=\n]*)?=(?!=)", re.M)
_TOKENIZER_ALIAS = re.compile(r"^(\w+)\s*=\s*(\w+)\s*$", re.M)
_IMPORT_AS = re.compile(r"\b(\w+) as (\w+)\b")


def _tokenizer_files(pkg: Path) -> list[tuple[str, Path]]:
    """(model folder or "", path) of every tokenization module: the base classes first."""
    files = [("", p) for p in sorted(pkg.glob("tokenization_*.py"))]
    files += [(p.parent.name, p) for p in sorted((pkg / "models").glob("*/tokenization_*.py"))]
    return files


def _tokenizer_classes(
    pkg: Path,
) -> tuple[dict[str, list[str]], dict[str, list[str]], dict[str, str]]:
    """Per tokenizer class: its direct bases, the public names its body defines, and the
    model folder that defines it ("" for the base classes). Read with regular expressions
    (a full parse of ~100 modules would cost a language server a second); a module-level
    `XFast = X` or `import X as _X` alias counts as a subclass that adds nothing."""
    bases: dict[str, list[str]] = {}
    names: dict[str, list[str]] = {}
    modules: dict[str, str] = {}
    aliases: list[tuple[str, str, str]] = []
    for folder, path in _tokenizer_files(pkg):
        src = _read(path)
        headers = list(_TOKENIZER_CLASS.finditer(src))
        for header in headers:
            cls = header.group(1)
            end = _BOUNDARY_0.search(src, header.end())
            body = src[header.end() : end.start() if end else len(src)]
            own = {a or b for a, b in _TOKENIZER_MEMBER.findall(body)}
            parents = [b.strip().split(".")[-1] for b in (header.group(2) or "").split(",")]
            parents = [b for b in parents if b.isidentifier()]
            if cls in bases:  # defined twice (a fallback branch): keep both views
                parents = [b for b in parents if b not in bases[cls]]
                own |= set(names[cls])
                parents = bases[cls] + parents
            bases[cls] = parents
            names[cls] = sorted(n for n in own if not n.startswith("_"))
            modules.setdefault(cls, folder)
        for imported, local in _IMPORT_AS.findall(src):
            if local != imported:
                aliases.append((local, imported, folder))
        aliases += [(a, b, folder) for a, b in _TOKENIZER_ALIAS.findall(src)]
    for alias, target, folder in aliases:
        if target in bases and alias not in bases and alias != target:
            bases[alias], names[alias] = [target], []
            modules[alias] = modules[target] if alias.startswith("_") else folder
    return bases, names, modules


def _tokenizer_mapping(pkg: Path) -> dict[str, list[str]]:
    """TOKENIZER_MAPPING_NAMES: model type -> the tokenizer classes AutoTokenizer may pick
    (4.x: slow and fast; 5.x: one), whatever optional backend guards them."""
    src = _read(pkg / "models" / "auto" / "tokenization_auto.py")
    out: dict[str, list[str]] = {}
    for stmt in _statements(src, r"^ *TOKENIZER_MAPPING_NAMES\b *[:=]"):
        value = stmt.value if isinstance(stmt, (ast.Assign, ast.AnnAssign)) else None
        if isinstance(value, ast.Call) and value.args:  # OrderedDict[...]([...])
            value = value.args[0]
        for node in value.elts if isinstance(value, (ast.List, ast.Tuple)) else ():
            if not (isinstance(node, ast.Tuple) and len(node.elts) == 2):
                continue
            key, entry = node.elts
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                continue
            items = entry.elts if isinstance(entry, (ast.Tuple, ast.List)) else [entry]
            classes = []
            for item in items:
                item = item.body if isinstance(item, ast.IfExp) else item
                if isinstance(item, ast.Constant) and isinstance(item.value, str):
                    classes.append(item.value)
            if classes:
                out[key.value] = classes
    return out


# ---------------------------------------------------------------- deprecations and removals
# What each release accepts and what it warns about, for the version-aware removal rules
# (HF8xx): read from the functions that take the arguments, never from a list kept here.

_WARNERS = frozenset({"warn", "warning", "warning_once", "warning_advice"})
_TICKED = re.compile(r"`(?:--)?([A-Za-z_][\w.]*)`")

# loader -> (file, candidate class names (None: a module-level function), functions read)
LOADERS: dict[str, tuple[str, tuple[str, ...] | None, tuple[str, ...]]] = {
    "model": ("modeling_utils.py", ("PreTrainedModel",), ("from_pretrained",)),
    "model_from_config": ("modeling_utils.py", ("PreTrainedModel",), ("_from_config",)),
    "auto_model": ("models/auto/auto_factory.py", ("_BaseAutoModelClass",), ("from_pretrained",)),
    "auto_model_from_config": (
        "models/auto/auto_factory.py",
        ("_BaseAutoModelClass",),
        ("from_config",),
    ),
    "tokenizer": ("tokenization_utils_base.py", ("PreTrainedTokenizerBase",), ("from_pretrained",)),
    "auto_tokenizer": (
        "models/auto/tokenization_auto.py",
        ("AutoTokenizer",),
        ("from_pretrained",),
    ),
    "config": (
        "configuration_utils.py",
        ("PreTrainedConfig", "PretrainedConfig"),
        ("from_pretrained", "get_config_dict"),
    ),
    "auto_config": ("models/auto/configuration_auto.py", ("AutoConfig",), ("from_pretrained",)),
    "processor": ("processing_utils.py", ("ProcessorMixin",), ("from_pretrained",)),
    "auto_processor": ("models/auto/processing_auto.py", ("AutoProcessor",), ("from_pretrained",)),
    "push_to_hub": ("utils/hub.py", ("PushToHubMixin",), ("push_to_hub",)),
    "pipeline": ("pipelines/__init__.py", None, ("pipeline",)),
}
_DEPRECATION_SOURCES = sorted(
    {spec[0] for spec in LOADERS.values()} | {"utils/deprecation.py", "configuration_utils.py"}
)
_SOURCES.extend(s for s in _DEPRECATION_SOURCES if s not in _SOURCES)


def deprecation_facts(pkg: Path, train_fields: set[str]) -> dict[str, object]:
    """The Knowledge fields the removal rules read (see knowledge.py for each one's meaning)."""
    version = read_version(pkg)
    args_src = _read(pkg / "training_args.py")
    runtime = _deprecated_fields(args_src, "TrainingArguments", train_fields)
    trainer_src = _read(pkg / "trainer.py")
    trainer_members, trainer_deprecated = _members(trainer_src, ("Trainer",), init_attrs=True)
    model_src = _read(pkg / "modeling_utils.py")
    model_members, model_deprecated = _members(model_src, ("PreTrainedModel",))
    config_src = _read(pkg / "configuration_utils.py")
    config_members, config_deprecated = _members(
        config_src, ("PreTrainedConfig", "PretrainedConfig")
    )
    accepted: dict[str, list[str]] = {}
    deprecated: dict[str, dict[str, str]] = {}
    sources: dict[str, str] = {}
    for loader, (file, classes, functions) in LOADERS.items():
        src = sources.setdefault(file, _read(pkg / file))
        found = _loader(src, classes, functions)
        if found is not None:
            accepted[loader] = sorted(found[0])
            deprecated[loader] = found[1]
    return {
        "training_args_deprecated": runtime,
        "trainer_deprecated_kwargs": _deprecated_kwargs(pkg, trainer_src, "Trainer", version),
        "trainer_members": sorted(trainer_members),
        "trainer_deprecated_members": trainer_deprecated,
        "model_members": sorted(model_members),
        "deprecated_model_members": model_deprecated,
        "config_members": sorted(config_members),
        "deprecated_config_members": config_deprecated,
        "load_kwargs": accepted,
        "deprecated_load_kwargs": deprecated,
    }


def _render(node: ast.expr, env: Mapping[str, object]) -> str | None:
    """A message as transformers prints it: literals, f-strings and `+`; a value not known
    here keeps its source (`{self.x}`)."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.JoinedStr):
        parts: list[str] = []
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                parts.append(value.value)
            elif isinstance(value, ast.FormattedValue):
                inner = value.value
                known = env.get(inner.id) if isinstance(inner, ast.Name) else None
                parts.append(known if isinstance(known, str) else "{" + ast.unparse(inner) + "}")
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _render(node.left, env), _render(node.right, env)
        return left + right if left is not None and right is not None else None
    if isinstance(node, ast.Name) and isinstance(env.get(node.id), str):
        return str(env[node.id])
    return None


def _bindings(target: ast.expr, iterable: ast.expr) -> list[dict[str, object]]:
    """`for a, b in (("x", "y"), ...)` unrolled to one environment per item (literals only)."""
    try:
        items = list(_iter(_eval(iterable, {})))
    except _Unsupported:
        return []
    elts = [target] if isinstance(target, ast.Name) else getattr(target, "elts", [])
    names = [n.id for n in elts if isinstance(n, ast.Name)]
    if len(names) != len(elts):
        return []
    out = []
    for item in items:
        values = [item] if isinstance(target, ast.Name) else item
        if isinstance(values, (list, tuple)) and len(values) == len(names):
            out.append(dict(zip(names, values, strict=True)))
    return out


def _scan(func: ast.FunctionDef) -> tuple[set[str], list[str]]:
    """One walk of a function: the keys it pops or reads from a `*kwargs` dict, and the text
    of every `warnings.warn` / `logger.warning*` call, with loops over literals unrolled
    (`for old, new in (("a", "b"),): warn(f"`{old}` is deprecated")`)."""
    popped: set[str] = set()
    messages: list[str] = []
    empty: Mapping[str, object] = {}
    stack: list[tuple[ast.AST, Mapping[str, object]]] = [(n, empty) for n in reversed(func.body)]
    while stack:
        node, env = stack.pop()
        if isinstance(node, ast.For):
            for extra in _bindings(node.target, node.iter) or [{}]:
                inner = {**env, **extra}
                stack.extend((n, inner) for n in reversed(node.body))
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            attr, first = node.func.attr, node.args[0]
            if attr in _WARNERS and _name(node.func.value) in ("warnings", "logger"):
                text = _render(first, env)
                if text is not None:
                    messages.append(text)
            elif attr in ("pop", "get") and _name(node.func.value).endswith("kwargs"):
                key = env.get(first.id) if isinstance(first, ast.Name) else None
                key = first.value if isinstance(first, ast.Constant) else key
                if isinstance(key, str):
                    popped.add(key)
        stack.extend((child, env) for child in ast.iter_child_nodes(node))
    return popped, messages


def deprecated_names(message: str) -> list[str]:
    """What a deprecation message is about: the back-ticked name right before "is deprecated"
    and those joined to it by "and" or a comma ("The `load_in_4bit` and `load_in_8bit`
    arguments are deprecated"), or the one right after "deprecated" ("Using deprecated `--x`").
    A name qualified by other words ("Passing `fsdp` as a string is deprecated", "`Enum` for
    `x` is deprecated") is a deprecated use, not a deprecated name: none is returned."""
    at = message.lower().find("deprecat")
    if at < 0:
        return []
    before = [m for m in _TICKED.finditer(message) if m.end() <= at]
    if not before:
        after = _TICKED.search(message, at)
        word_end = re.match(r"deprecated?\w*", message[at:], re.I)
        gap = message[at + (word_end.end() if word_end else 0) : after.start()] if after else "x"
        return [after.group(1)] if after and not gap.strip() else []
    names = [before[-1].group(1)]
    for prev, cur in zip(before[-2::-1], before[:0:-1], strict=False):
        if message[prev.end() : cur.start()].strip(" ,") not in ("and", "or"):
            break
        names.insert(0, prev.group(1))
    first = before[len(before) - len(names)]
    sentence = max(message.rfind(". ", 0, first.start()), message.rfind("! ", 0, first.start()))
    if "`" in message[sentence + 1 : first.start()]:
        return []  # "using `Enum` for `x` is deprecated": a name inside a longer subject
    return names if _LINKING.fullmatch(message[before[-1].end() : at]) else []


_LINKING = re.compile(
    r"(?:\s*\b(?:the|argument|arguments|parameter|parameters|method|property|attribute|field|"
    r"kwarg|keyword|is|are|was|were|has|have|been|now|going|to|be|also)\b)*\s*"
)


def _loader(
    src: str, classes: tuple[str, ...] | None, functions: tuple[str, ...]
) -> tuple[set[str], dict[str, str]] | None:
    """Keywords a loading function accepts (its parameters and what it pops or reads from
    its `**kwargs`) and those it warns are deprecated, with the warning text."""
    accepted: set[str] = set()
    deprecated: dict[str, str] = {}
    found = False
    for name in functions:
        func = _function(src, classes, name)
        if func is None:
            continue
        found = True
        args = func.args
        accepted |= {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
        popped, messages = _scan(func)
        accepted |= popped
        for message in messages:
            for key in deprecated_names(message):
                if key in accepted:
                    deprecated.setdefault(key, message)
    accepted -= {"self", "cls"}
    return (accepted, deprecated) if found else None


def _members(
    src: str, classes: tuple[str, ...], init_attrs: bool = False
) -> tuple[set[str], dict[str, str]]:
    """A class's methods and properties (and `self.x = ...` of its `__init__`), and those whose
    body warns that they are deprecated, with the warning text."""
    start, end = _class_span(src, classes)
    if start < 0:
        return set(), {}
    members: set[str] = set()
    deprecated: dict[str, str] = {}
    for name, pos, stop in _defs(src, start, end, "    "):
        members.add(name)
        text = src[pos:stop]
        if init_attrs and name == "__init__":
            members.update(re.findall(r"^ +self\.(\w+)\s*(?::[^=\n]*)?=(?!=)", text, re.M))
        if "deprecat" not in text.lower() or name.startswith("__"):
            continue
        func = _block(src, pos)
        if not isinstance(func, ast.FunctionDef):
            continue
        for message in _scan(func)[1]:
            if _about(message, name):
                deprecated.setdefault(name, message)
                break
    return members, deprecated


def _about(message: str, name: str) -> bool:
    """Whether a warning says `name` itself is deprecated: "`x` is deprecated", or without
    back-ticks "Trainer.x is now deprecated"."""
    if name in deprecated_names(message):
        return True
    at = message.lower().find("deprecat")
    found = (
        re.search(rf"(?<![\w`]){re.escape(name)}(?![\w`])([^`]*)$", message[:at])
        if at > 0
        else None
    )
    return found is not None and _LINKING.fullmatch(found.group(1)) is not None


def _deprecated_fields(src: str, name: str, fields: set[str]) -> dict[str, str]:
    """Fields a dataclass warns about at run time (in `__post_init__`, properties, ...), with
    the warning text. A field only documented as deprecated is not one: nothing warns."""
    start, end = _class_span(src, (name,))
    if start < 0:
        return {}
    runtime: dict[str, str] = {}
    for _, pos, stop in _defs(src, start, end, "    "):
        if "deprecat" not in src[pos:stop].lower():
            continue
        func = _block(src, pos)
        if not isinstance(func, ast.FunctionDef):
            continue
        for message in _scan(func)[1]:
            for key in deprecated_names(message):
                if key in fields:
                    runtime.setdefault(key, message)
    return runtime


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", text)[:3])


def _deprecated_kwargs(pkg: Path, src: str, name: str, version: str) -> dict[str, str]:
    """`@deprecate_kwarg(old, new_name=new, version=v)` on `name.__init__`: old -> the message
    `utils/deprecation.py` of this release prints, `{func_name}` left for the class name."""
    start = _class_header(src, name)
    init = re.compile(r"^    (?:@[^\n]*\n    )*def __init__\(", re.M).search(src, max(start, 0))
    func = _block(src, init.start()) if start >= 0 and init else None
    if not isinstance(func, ast.FunctionDef):
        return {}
    templates = _deprecation_templates(_read(pkg / "utils" / "deprecation.py"))
    out: dict[str, str] = {}
    for deco in func.decorator_list:
        if not (isinstance(deco, ast.Call) and _name(deco.func) == "deprecate_kwarg" and deco.args):
            continue
        old = deco.args[0]
        options = {k.arg: k.value for k in deco.keywords if k.arg}
        new = options.get("new_name")
        removal = options.get("version")
        if not isinstance(old, ast.Constant) or not isinstance(removal, ast.Constant):
            continue
        removed = _version_tuple(version) >= _version_tuple(str(removal.value))
        env: dict[str, object] = {
            "old_name": str(old.value),
            "new_name": str(new.value) if isinstance(new, ast.Constant) else None,
            "version": str(removal.value),
            "func_name": "{func_name}",
        }
        version_template = templates["removed" if removed else "pending"]
        if version_template is None:
            continue
        env["version_message"] = _render(version_template, env)
        template = templates["renamed" if env["new_name"] else "dropped"]
        text = _render(template, env) if template is not None else None
        if text and "{" not in text.replace("{func_name}", ""):
            out[str(old.value)] = text
    return out


def _deprecation_templates(src: str) -> dict[str, ast.expr | None]:
    """The f-strings `deprecate_kwarg` builds its messages from: `version_message` once the
    version is reached or not, and `message` for a renamed or a dropped keyword."""
    out: dict[str, ast.expr | None] = dict.fromkeys(("removed", "pending", "renamed", "dropped"))
    found = _statements(src, r"^def deprecate_kwarg\b")
    if not found:
        return out
    for node in ast.walk(found[0]):
        if isinstance(node, ast.If) and _name(node.test) == "is_greater_or_equal_version":
            for key, branch in (("removed", node.body), ("pending", node.orelse)):
                for stmt in branch:
                    if isinstance(stmt, ast.Assign) and _name(stmt.targets[0]) == "version_message":
                        out[key] = stmt.value
        if isinstance(node, ast.Assign) and _name(node.targets[0]) == "message":
            value = node.value
            if not isinstance(value, ast.JoinedStr):
                continue
            names = {n.id for n in ast.walk(value) if isinstance(n, ast.Name)}
            if "kwargs" in names or "version_message" not in names:
                continue
            key = "renamed" if "new_name" in names else "dropped"
            out[key] = out[key] or value
    return out
