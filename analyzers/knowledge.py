"""What the INSTALLED transformers knows: Auto tables, classes, pipeline tasks, argument fields.

Read from the transformers sources without importing transformers or torch (see
knowledge_extract.py), cached per transformers version. No hand-written copy of its tables.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from hflint.analyzers import knowledge_extract
from hflint.analyzers.cache_home import cache_dir

# Returned by Knowledge.resolve when the model type is not known to this transformers:
# custom / remote code / newer release. Rules must stay silent on it.
UNKNOWN = "?"
# Tables of headless or catch-all classes: a class also listed in a task table heads there.
_GENERIC_AUTOS = [
    f"{prefix}{name}"
    for name in ("AutoModel", "AutoModelForTextEncoding", "AutoModelForPreTraining")
    for prefix in ("", "TF", "Flax")
]


@dataclass(frozen=True)
class TaskInfo:
    task: str
    auto_classes: tuple[str, ...]  # Auto classes tried in order ("pt" entry)
    default_model: str | None = None
    default_revision: str | None = None
    type: str = ""
    impl: str = ""  # pipeline class name


@dataclass
class Knowledge:
    version: str  # transformers.__version__ these facts were read from
    # model_type -> config class name (configuration_auto.CONFIG_MAPPING_NAMES, final form)
    config_mapping: dict[str, str] = field(default_factory=dict)
    # Auto model class name -> {model_type: class name or tuple of class names}
    auto_tables: dict[str, dict[str, str | tuple[str, ...]]] = field(default_factory=dict)
    # every Auto* class transformers exports (models, tokenizer, config, processors, ...)
    auto_classes: frozenset[str] = frozenset()
    # every public name importable from the top-level `transformers` package
    exported_names: frozenset[str] = frozenset()
    # names the lazy module also serves although unlisted (5.x `BertTokenizerFast`, ...)
    lazy_aliases: frozenset[str] = frozenset()
    # model-specific class name -> model_type (from the auto tables)
    model_class_types: dict[str, str] = field(default_factory=dict)
    # pipeline tasks
    tasks: dict[str, TaskInfo] = field(default_factory=dict)
    task_aliases: dict[str, str] = field(default_factory=dict)
    removed_tasks: dict[str, str] = field(default_factory=dict)  # task -> transformers' message
    task_redirects: dict[str, str] = field(default_factory=dict)  # 5.x image-to-text -> ...
    task_prefixes: dict[str, str] = field(default_factory=dict)  # "translation_" -> translation
    # dataclass fields of TrainingArguments / Seq2SeqTrainingArguments; Trainer.__init__ params
    training_args_fields: frozenset[str] = frozenset()
    seq2seq_training_args_fields: frozenset[str] = frozenset()
    trainer_init_params: frozenset[str] = frozenset()
    trainer_renamed_kwargs: dict[str, str] = field(default_factory=dict)  # 4.x tokenizer=
    # public Auto classes kept only as deprecated aliases (4.x AutoModelWithLMHead, ...)
    deprecated_auto_classes: frozenset[str] = frozenset()
    # model classes that have generate(): GenerationMixin or a generate method in their MRO
    generative_classes: frozenset[str] = frozenset()
    # the values generate() falls back to; these parameters must not sit on a model config
    generation_defaults: dict[str, Any] = field(default_factory=dict)
    # every parameter GenerationConfig takes
    generation_config_fields: frozenset[str] = frozenset()
    # generation parameters some config classes declare as their own fields -> those classes
    generation_fields_on_configs: dict[str, list[str]] = field(default_factory=dict)
    # generate() raises on generation parameters set on the model config (5.x; 4.x warned)
    generation_params_on_config_raise: bool = False
    # what GenerationMixin.generate takes besides GenerationConfig fields and model inputs:
    # its parameters, keys it pops (tokenizer=), names its model-kwargs check lets through
    generate_params: frozenset[str] = frozenset()
    # every parameter of a model class's forward / prepare_inputs_for_generation / generate:
    # generate() passes other keywords to the model and raises on those none of these take
    model_input_names: frozenset[str] = frozenset()
    # model classes whose own generate() routes **kwargs by name (Bark, SeamlessM4T, ...)
    open_generate_classes: frozenset[str] = frozenset()
    # names `pipeline()` accepts: its parameters and the keys it reads from **kwargs
    pipeline_params: frozenset[str] = frozenset()
    # pipeline class -> {"init", "sanitize", "call": keywords it names, "rest": the name of
    # `_sanitize_parameters`' catch-all ** parameter, or []} (knowledge_calls.pipeline_signatures)
    pipeline_signatures: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    # pipeline class -> the literal keywords of its `_default_generation_config` (5.x
    # text-generation: max_new_tokens=256, do_sample=True, temperature=0.7)
    pipeline_generation_defaults: dict[str, dict[str, Any]] = field(default_factory=dict)
    # tokenizer classes (base modules and models/*/tokenization_*.py): direct bases, public
    # names each class body defines, the model folder defining it ("" for the base classes)
    tokenizer_bases: dict[str, list[str]] = field(default_factory=dict)
    tokenizer_names: dict[str, list[str]] = field(default_factory=dict)
    tokenizer_modules: dict[str, str] = field(default_factory=dict)
    # model_type -> the tokenizer classes AutoTokenizer picks (TOKENIZER_MAPPING_NAMES)
    tokenizer_mapping: dict[str, list[str]] = field(default_factory=dict)
    # ---- what this release accepts and warns about (version-aware removal rules, HF8xx) ----
    # TrainingArguments field -> the deprecation warning it gives at run time
    training_args_deprecated: dict[str, str] = field(default_factory=dict)
    # Trainer.__init__ keyword -> its @deprecate_kwarg warning ("{func_name}" for the class)
    trainer_deprecated_kwargs: dict[str, str] = field(default_factory=dict)
    # Trainer methods, properties and attributes its __init__ sets; those that warn
    trainer_members: frozenset[str] = frozenset()
    trainer_deprecated_members: dict[str, str] = field(default_factory=dict)
    # PreTrainedModel / PreTrainedConfig methods and properties; those that warn
    model_members: frozenset[str] = frozenset()
    deprecated_model_members: dict[str, str] = field(default_factory=dict)
    config_members: frozenset[str] = frozenset()
    deprecated_config_members: dict[str, str] = field(default_factory=dict)
    # loader (knowledge_extract.LOADERS: "model", "auto_tokenizer", ...) -> keywords it takes
    # (parameters and keys popped from **kwargs); -> {keyword: deprecation warning}
    load_kwargs: dict[str, list[str]] = field(default_factory=dict)
    deprecated_load_kwargs: dict[str, dict[str, str]] = field(default_factory=dict)

    def resolve(
        self, model_type: str, auto_class: str, architectures: tuple[str, ...] = ()
    ) -> str | None:
        """The class `auto_class` would build for `model_type`, mirroring _LazyAutoMapping.

        Returns the class name, None when the Auto class cannot load this model type, or
        UNKNOWN when the model type is unknown to this transformers (or the Auto class is).
        """
        config = self.config_mapping.get(model_type)
        table = self.auto_tables.get(auto_class)
        if config is None or table is None:
            return UNKNOWN
        for candidate in self._lookup_order[config]:
            if candidate in table:
                hit = table[candidate]
                if isinstance(hit, str):
                    return hit
                return next((a for a in architectures if a in hit), hit[0])
        return None

    def accepting_auto_classes(self, model_type: str) -> list[str]:
        """Every Auto model class whose table accepts `model_type` (same resolution rule)."""
        known = self._accepting.get(model_type)
        if known is None:
            known = self._accepting[model_type] = [
                a for a in self.auto_tables if self.resolve(model_type, a) not in (None, UNKNOWN)
            ]
        return list(known)

    def head_of(self, class_name: str) -> str | None:
        """For a model class, the Auto class whose table lists it (its head).

        A task table wins over AutoModel / AutoModelForTextEncoding / AutoModelForPreTraining
        (CLIPModel heads AutoModelForZeroShotImageClassification, BertModel heads AutoModel),
        and 4.x deprecated aliases (AutoModelWithLMHead) come last.
        """
        return self._heads.get(class_name)

    @cached_property
    def generation_names(self) -> frozenset[str]:
        """The names generate() itself takes: GenerationConfig fields and its own parameters."""
        return self.generation_config_fields | self.generate_params

    def generate_takes(self, name: str) -> bool:
        """Whether `generate(name=...)` passes its model-kwargs check for some model class:
        a generation name, or an input some model's forward (or decoder) takes."""
        if name in self.generation_names or name in self.model_input_names:
            return True
        return name.startswith("decoder_") and name.removeprefix("decoder_") in (
            self.model_input_names
        )

    def has_name(self, name: str) -> bool:
        """Whether `from transformers import name` works in this version."""
        return name in self.exported_names or name in self.lazy_aliases

    @cached_property
    def _accepting(self) -> dict[str, list[str]]:
        return {}  # model type -> accepting_auto_classes, filled as asked

    @cached_property
    def _lookup_order(self) -> dict[str, list[str]]:
        # _LazyAutoMapping: the LAST model type of a config class first, then all of them.
        order: dict[str, list[str]] = {}
        for model_type, config in self.config_mapping.items():
            order.setdefault(config, []).append(model_type)
        return {c: [types[-1], *types] for c, types in order.items()}

    @cached_property
    def _heads(self) -> dict[str, str]:
        def rank(auto: str) -> int:  # task tables, then generic ones, then deprecated aliases
            if auto in self.deprecated_auto_classes:
                return len(_GENERIC_AUTOS) + 1
            return _GENERIC_AUTOS.index(auto) + 1 if auto in _GENERIC_AUTOS else 0

        heads: dict[str, str] = {}
        for auto in sorted(self.auto_tables, key=rank):
            for value in self.auto_tables[auto].values():
                for cls in (value,) if isinstance(value, str) else value:
                    heads.setdefault(cls, auto)
        return heads

    def tokenizer_class(self, name: str) -> str | None:
        """`name` as this version knows it: 5.x serves `XTokenizerFast` as `XTokenizer`."""
        if name in self.tokenizer_bases:
            return name
        slow = name.removesuffix("Fast")
        return slow if slow != name and slow in self.tokenizer_bases else None

    def tokenizer_has(self, class_name: str, attr: str) -> bool | None:
        """Whether the tokenizer class defines or inherits the public name `attr`; None when
        the class is unknown to this version (a user or remote-code class)."""
        known = self.tokenizer_class(class_name)
        if known is None:
            return None
        seen: set[str] = set()
        todo = [known]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            if attr in self.tokenizer_names.get(current, ()):
                return True
            todo.extend(self.tokenizer_bases.get(current, ()))
        return False

    def tokenizer_classes_with(self, attr: str, root: str = "PreTrainedTokenizerBase") -> list[str]:
        """Every tokenizer class deriving from `root` that has `attr` (sorted)."""
        return sorted(
            c
            for c in self.tokenizer_bases
            if self.tokenizer_has(c, attr) and self._tokenizer_derives(c, root)
        )

    def _tokenizer_derives(self, class_name: str, root: str) -> bool:
        seen: set[str] = set()
        todo = [class_name]
        while todo:
            current = todo.pop()
            if current == root:
                return True
            if current not in seen:
                seen.add(current)
                todo.extend(self.tokenizer_bases.get(current, ()))
        return False

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Knowledge:
        """From `knowledge_extract.extract` output, fresh or read back from the cache."""
        kinds = {f.name: str(f.type) for f in dataclasses.fields(cls)}
        if kinds.keys() != data.keys():
            raise ValueError(f"not a Knowledge payload: {sorted(kinds.keys() ^ data.keys())}")
        args: dict[str, Any] = {
            k: frozenset(v) if kinds[k].startswith("frozenset") else v for k, v in data.items()
        }
        args["auto_tables"] = {
            auto: {t: v if isinstance(v, str) else tuple(v) for t, v in table.items()}
            for auto, table in data["auto_tables"].items()
        }
        args["tasks"] = {
            k: TaskInfo(**{**v, "auto_classes": tuple(v["auto_classes"])})
            for k, v in data["tasks"].items()
        }
        return cls(**args)


def cache_path(pkg: Path) -> Path:
    """Cache file for the transformers at `pkg`: version + stats of its sources + format."""
    digest = hashlib.sha256(knowledge_extract.source_stamp(pkg.resolve()).encode()).hexdigest()
    version = knowledge_extract.read_version(pkg)
    return cache_dir() / f"transformers-{version}-{digest[:20]}.json"


def load_knowledge_from(pkg: Path) -> Knowledge:
    """Knowledge for the transformers package at `pkg`, from the cache when it is valid."""
    path = cache_path(pkg)
    with contextlib.suppress(Exception):  # absent, unreadable or corrupt: extract again
        return Knowledge.from_json(json.loads(path.read_text(encoding="utf-8")))
    data = knowledge_extract.extract(pkg)
    _write_cache(path, data)
    from hflint.analyzers.snapshots import remember  # per version, for other projects' targets

    remember(data)
    return Knowledge.from_json(data)


def _write_cache(path: Path, data: dict[str, object]) -> None:
    """Atomic write; a read-only home or a full disk just leaves hflint uncached."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.stem, suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        os.replace(tmp, path)
    except (OSError, TypeError, ValueError):
        with contextlib.suppress(OSError):
            os.unlink(tmp)


@cache
def load_knowledge() -> Knowledge:
    """Knowledge for the transformers installed next to hflint (cached per version).

    Without transformers it is empty (version ""): every model type resolves to UNKNOWN, and
    rules must not read a missing name as "removed from transformers".
    """
    pkg = knowledge_extract.find_transformers()
    return load_knowledge_from(pkg) if pkg is not None else Knowledge(version="")
