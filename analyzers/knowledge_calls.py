"""Call contracts read from the transformers sources, without importing them: what
`generate()`, `GenerationConfig`, the model classes and each pipeline class accept.

`generate(**kwargs)` hands every keyword that is not a `GenerationConfig` field (nor one of its
own parameters) to the model, and raises `ValueError: The following model_kwargs are not used
by the model` for those that neither the model's `forward` nor its
`prepare_inputs_for_generation` take. The model classes' parameters are read from every
modeling file (their union: a name some model takes is never reported), and the classes whose
own `generate()` routes `**kwargs` by name (Bark's `semantic_*`) are recorded so that their
callers are left alone. A pipeline's keywords are read from its `__init__`,
`_sanitize_parameters` and `__call__` along its bases.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from hflint.analyzers.source_reading import (
    block,
    class_blocks,
    class_header,
    def_parameters,
    function,
    name_of,
    popped_keys,
    python_files,
    read_source,
    statements,
)

# Each starts with a newline: a literal first character lets `re` skip ahead (`^` with re.M
# would try every position of ~2,000 files).
_MODEL_DEFS = re.compile(rb"\n    def (forward|generate|prepare_inputs_for_generation)\(")
_ANNOTATION = re.compile(rb"\n    (\w+)\s*:")
# Calls that take a `generate(**kwargs)` on without routing it: the next generate() validates
# it the same way; `generation_config.update(**kwargs)` hands back what it does not take.
_FORWARDING = frozenset({"generate", "update", "_prepare_generation_config"})


# ---------------------------------------------------------------- the model classes


@dataclass
class _ModelSources:
    """What one pass over the modeling files learns (see `_model_sources`)."""

    bases: dict[str, set[str]] = field(default_factory=dict)  # class -> its base names
    defines: dict[str, set[str]] = field(default_factory=dict)  # class -> generation methods
    inputs: set[str] = field(default_factory=set)  # forward / prepare / generate parameters
    routes: set[str] = field(default_factory=set)  # classes whose generate() routes **kwargs


def _model_sources(pkg: Path) -> _ModelSources:
    """Classes and their bases, the generation methods each defines, and the parameters of
    every `forward`, `prepare_inputs_for_generation` and `generate` (models/ and generation/)."""
    out = _ModelSources()
    for path in [*python_files(pkg / "models"), *python_files(pkg / "generation")]:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if b"\nclass " not in data:
            continue
        defs = list(_MODEL_DEFS.finditer(data))
        methods = [m for m in defs if m.group(1) != b"forward"]
        blocks = class_blocks(data, bodies=bool(methods))
        for name, names, _, _ in blocks:
            out.bases.setdefault(name, set()).update(names)
        for match in defs:
            out.inputs.update(def_parameters(data, match.end() - 1))
        for match in methods:
            owner = next((b for b in reversed(blocks) if b[2] <= match.start() < b[3]), None)
            if owner is None:
                continue
            out.defines.setdefault(owner[0], set()).add(match.group(1).decode())
            if (
                match.group(1) == b"generate"
                and owner[0] != "GenerationMixin"  # its own contract, the one checked
                and _routes_kwargs(data, match.start() + 1)
            ):
                out.routes.add(owner[0])
    out.inputs.discard("self")
    return out


def _routes_kwargs(data: bytes, start: int) -> bool:
    """Whether the `generate` defined at `start` does more with its `**kwargs` than pop, read
    and forward them to another generate(): iterating over them (Bark's `semantic_*`
    prefixes) or handing them whole to a helper (SeamlessM4T's `text_*` / `speech_*`)."""
    func = block(data[start:].decode("utf-8", "replace"), 0)  # offsets in bytes, not text
    if not isinstance(func, ast.FunctionDef) or func.args.kwarg is None:
        return False
    rest = func.args.kwarg.arg
    for node in ast.walk(func):
        if isinstance(node, (ast.For, ast.comprehension)):
            if isinstance(node.iter, ast.Name) and node.iter.id == rest:
                return True
            continue
        if not isinstance(node, ast.Call):
            continue
        func_node = node.func
        if (
            isinstance(func_node, ast.Attribute)
            and isinstance(func_node.value, ast.Name)
            and func_node.value.id == rest
            and func_node.attr in ("items", "keys", "values", "copy")
        ):
            return True
        if any(isinstance(a, ast.Name) and a.id == rest for a in node.args):
            return True
        for keyword in node.keywords:
            whole = isinstance(keyword.value, ast.Name) and keyword.value.id == rest
            if whole and (keyword.arg is not None or name_of(func_node) not in _FORWARDING):
                return True
    return False


def _subclasses(roots: set[str], bases: dict[str, set[str]]) -> set[str]:
    """`roots` and every class deriving from one of them."""
    found = set(roots)
    grown = True
    while grown:
        more = {n for n, b in bases.items() if n not in found and b & found}
        found |= more
        grown = bool(more)
    return found


def _generative_classes(pkg: Path) -> set[str]:
    return _generative(pkg, _model_sources(pkg))


def _generative(pkg: Path, models: _ModelSources) -> set[str]:
    """Classes that have `generate()`: GenerationMixin (or a `*GenerationMixin`) in their bases,
    a `generate` method of their own, or a base class that has one. Up to 4.51 every model
    inherited GenerationMixin through PreTrainedModel, and generate() raised TypeError on the
    classes `can_generate()` rejected: there a `prepare_inputs_for_generation` of their own
    also marks the classes that really generate."""
    src = read_source(pkg / "modeling_utils.py").encode()
    legacy = any(
        name == "PreTrainedModel" and "GenerationMixin" in names
        for name, names, _, _ in class_blocks(src)
    )
    marks = {"generate", "prepare_inputs_for_generation"} if legacy else {"generate"}
    found = {name for name, methods in models.defines.items() if methods & marks}
    bases = dict(models.bases)
    found |= {n for n, b in bases.items() if any(x.endswith("GenerationMixin") for x in b)}
    found.add("GenerationMixin")
    bases.pop("PreTrainedModel", None)
    return _subclasses(found, bases)


# ---------------------------------------------------------------- generate() and GenerationConfig


def _generate_params(pkg: Path) -> set[str]:
    """What `GenerationMixin.generate` takes besides `GenerationConfig` fields and model
    inputs: its parameters, the keys it pops from `**kwargs` (`tokenizer`,
    `assistant_tokenizer`, `trust_remote_code`), and the names `_validate_model_kwargs` lets
    through (`TransformersKwargs`, its literal exceptions)."""
    src = read_source(pkg / "generation" / "utils.py")
    names: set[str] = set()
    generate = function(src, ("GenerationMixin",), "generate")
    if generate is not None:
        args = generate.args
        names |= {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
        names |= popped_keys(generate, args.kwarg.arg if args.kwarg else None)
    modes = function(src, ("GenerationMixin",), "_extract_generation_mode_kwargs")
    if modes is not None:
        names |= popped_keys(modes, "kwargs")
    validate = function(src, ("GenerationMixin",), "_validate_model_kwargs")
    for node in ast.walk(validate) if validate is not None else ():
        if isinstance(node, ast.Compare) and any(isinstance(o, ast.NotIn) for o in node.ops):
            for listed in node.comparators:
                if isinstance(listed, (ast.List, ast.Tuple, ast.Set)):
                    names |= {
                        e.value
                        for e in listed.elts
                        if isinstance(e, ast.Constant) and isinstance(e.value, str)
                    }
        if isinstance(node, ast.Name) and node.id == "TransformersKwargs":
            names |= _typed_dict_keys(read_source(pkg / "utils" / "generic.py"), node.id)
    return names - {"self"}


def _typed_dict_keys(src: str, name: str) -> set[str]:
    start = class_header(src, name)
    cls = block(src, start) if start >= 0 else None
    if not isinstance(cls, ast.ClassDef):
        return set()
    return {
        s.target.id
        for s in cls.body
        if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
    }


def _generation_defaults(pkg: Path) -> dict[str, object]:
    """The values generate() falls back to (5.x `GenerationConfig._get_default_generation_params`,
    4.x `PretrainedConfig._get_global_generation_defaults`): the parameters that must not be set
    on a model config."""
    for path, func in (
        ("generation/configuration_utils.py", "_get_default_generation_params"),
        ("configuration_utils.py", "_get_global_generation_defaults"),
    ):
        for stmt in statements(read_source(pkg / path), rf"^    def {func}\("):
            for node in ast.walk(stmt):
                if isinstance(node, ast.Return) and isinstance(node.value, ast.Dict):
                    try:
                        value = ast.literal_eval(node.value)
                    except ValueError:
                        continue
                    return {str(k): v for k, v in value.items()}
    return {}


def _generation_config_fields(pkg: Path) -> set[str]:
    """The parameters `GenerationConfig.__init__` reads from its **kwargs."""
    src = read_source(pkg / "generation" / "configuration_utils.py")
    start = class_header(src, "GenerationConfig")
    init = src.find("    def __init__(", start) if start >= 0 else -1
    if init < 0:
        return set()
    end = src.find("\n    def ", init + 1)
    body = src[init : end if end >= 0 else len(src)]
    return set(re.findall(r"kwargs\.pop\(\s*[\"']([a-z]\w*)[\"']", body))


def _generation_fields_on_configs(pkg: Path, params: set[str]) -> dict[str, list[str]]:
    """Generation parameters that config classes declare as fields of their own (Whisper's
    `suppress_tokens`, BART's `forced_eos_token_id`), with the classes (subclasses included)."""
    bases: dict[str, set[str]] = {}
    declared: dict[str, set[str]] = {}
    paths = [pkg / "configuration_utils.py", *sorted((pkg / "models").glob("*/configuration_*.py"))]
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        for name, names, start, end in class_blocks(data):
            bases.setdefault(name, set()).update(names)
            for match in _ANNOTATION.finditer(data, start, end):
                field_name = match.group(1).decode()
                if field_name in params:
                    declared.setdefault(field_name, set()).add(name)
    out: dict[str, list[str]] = {}
    for param, owners in declared.items():
        found = set(owners)
        grown = True
        while grown:
            more = {n for n, b in bases.items() if n not in found and b & found}
            found |= more
            grown = bool(more)
        out[param] = sorted(found)
    return out


def _generation_params_on_config_raise(pkg: Path) -> bool:
    """Whether generate() raises on generation parameters set on the model config (5.x),
    rather than warning that the strategy is deprecated (4.x)."""
    src = read_source(pkg / "generation" / "utils.py")
    return re.search(r"_get_generation_parameters\(\)\)\s*>\s*0\s*:\s*raise\b", src) is not None


def generation_facts(pkg: Path) -> dict[str, object]:
    """The `Knowledge` fields about generate() and its parameters (see knowledge.py)."""
    defaults = _generation_defaults(pkg)
    fields = _generation_config_fields(pkg)
    models = _model_sources(pkg)
    return {
        "generative_classes": sorted(_generative(pkg, models)),
        "generation_defaults": defaults,
        "generation_config_fields": sorted(fields),
        "generation_fields_on_configs": _generation_fields_on_configs(pkg, set(defaults) | fields),
        "generation_params_on_config_raise": _generation_params_on_config_raise(pkg),
        "generate_params": sorted(_generate_params(pkg)),
        "model_input_names": sorted(models.inputs),
        "open_generate_classes": sorted(_subclasses(models.routes, models.bases)),
    }


# ---------------------------------------------------------------- pipeline classes


def pipeline_facts(pkg: Path) -> dict[str, object]:
    """The `Knowledge` fields about pipeline classes: `pipeline_signatures`, the keywords each
    names along its bases: "init" (`__init__` parameters and the keys it pops from
    `**kwargs`), "sanitize" (`_sanitize_parameters`: what a build or a call hands on), "call"
    (`__call__`), and "rest": the name of `_sanitize_parameters`' catch-all `**` parameter
    (`generate_kwargs`, `tokenizer_kwargs`; none: an unknown keyword is a TypeError); and
    `pipeline_generation_defaults`, the literal keywords of a class's
    `_default_generation_config = GenerationConfig(...)` (5.x text-generation samples by
    default). Classes outside the `Pipeline` hierarchy are left out."""
    classes: dict[str, _PipelineClass] = {}
    for path in sorted((pkg / "pipelines").glob("*.py")):
        try:
            tree = ast.parse(read_source(path))
        except (SyntaxError, ValueError, RecursionError):
            continue
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                classes[node.name] = _pipeline_class(node)

    def chain(name: str, depth: int = 0) -> list[str]:
        if name not in classes or depth > 10:
            return []
        return [name] + [c for base in classes[name].bases for c in chain(base, depth + 1)]

    signatures: dict[str, dict[str, list[str]]] = {}
    defaults: dict[str, dict[str, object]] = {}
    for name in classes:
        lineage = chain(name)
        if "Pipeline" not in lineage:
            continue
        mine = [classes[c] for c in lineage]
        sanitize = next((c.sanitize for c in mine if c.sanitize is not None), None)
        signatures[name] = {
            "init": sorted(set().union(*(c.init for c in mine))),
            "call": sorted(set().union(*(c.call for c in mine))),
            "sanitize": sorted(sanitize[0]) if sanitize else [],
            "rest": [sanitize[1]] if sanitize and sanitize[1] else [],
        }
        generation = next((c.generation for c in mine if c.generation is not None), None)
        if generation:
            defaults[name] = generation
    return {"pipeline_signatures": signatures, "pipeline_generation_defaults": defaults}


@dataclass
class _PipelineClass:
    bases: list[str]
    init: set[str] = field(default_factory=set)
    call: set[str] = field(default_factory=set)
    sanitize: tuple[set[str], str | None] | None = None  # (named and popped, catch-all)
    generation: dict[str, object] | None = None  # `_default_generation_config`'s keywords


def _pipeline_class(node: ast.ClassDef) -> _PipelineClass:
    out = _PipelineClass([name_of(b).rsplit(".", 1)[-1] for b in node.bases])
    for item in node.body:
        if (
            isinstance(item, (ast.Assign, ast.AnnAssign))
            and name_of(item.targets[0] if isinstance(item, ast.Assign) else item.target)
            == "_default_generation_config"
        ):
            out.generation = _literal_keywords(item.value)
        if not isinstance(item, ast.FunctionDef):
            continue
        args = item.args
        rest = args.kwarg.arg if args.kwarg is not None else None
        names = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]} - {"self"}
        names |= popped_keys(item, rest)
        if item.name == "__init__":
            out.init |= names
        elif item.name == "__call__":
            out.call |= names
        elif item.name == "_sanitize_parameters":
            out.sanitize = (names, rest)
    return out


def _literal_keywords(value: ast.expr | None) -> dict[str, object]:
    """The literal keywords of `GenerationConfig(...)` ({} for `None` or anything else)."""
    if not isinstance(value, ast.Call) or name_of(value.func) != "GenerationConfig":
        return {}
    out: dict[str, object] = {}
    for keyword in value.keywords:
        if keyword.arg is not None and isinstance(keyword.value, ast.Constant):
            out[keyword.arg] = keyword.value.value
    return out
