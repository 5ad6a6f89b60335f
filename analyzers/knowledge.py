"""What the INSTALLED transformers knows: Auto tables, classes, pipeline tasks, argument fields.

Read from the transformers sources without importing transformers or torch (see
knowledge_extract.py), cached per transformers version. No hand-written copy of its tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Returned by Knowledge.resolve when the model type is not known to this transformers:
# custom / remote code / newer release. Rules must stay silent on it.
UNKNOWN = "?"


@dataclass(frozen=True)
class TaskInfo:
    task: str
    auto_classes: tuple[str, ...]  # Auto classes tried in order ("pt" entry)
    default_model: str | None = None
    default_revision: str | None = None
    type: str = ""


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
    # model-specific class name -> model_type (from the auto tables)
    model_class_types: dict[str, str] = field(default_factory=dict)
    # pipeline tasks
    tasks: dict[str, TaskInfo] = field(default_factory=dict)
    task_aliases: dict[str, str] = field(default_factory=dict)
    removed_tasks: dict[str, str] = field(default_factory=dict)  # task -> transformers' message
    # dataclass fields of TrainingArguments / Seq2SeqTrainingArguments; Trainer.__init__ params
    training_args_fields: frozenset[str] = frozenset()
    seq2seq_training_args_fields: frozenset[str] = frozenset()
    trainer_init_params: frozenset[str] = frozenset()

    def resolve(
        self, model_type: str, auto_class: str, architectures: tuple[str, ...] = ()
    ) -> str | None:
        """The class `auto_class` would build for `model_type`, mirroring _LazyAutoMapping.

        Returns the class name, None when the Auto class cannot load this model type, or
        UNKNOWN when the model type is unknown to this transformers (or the Auto class is).
        """
        raise NotImplementedError

    def accepting_auto_classes(self, model_type: str) -> list[str]:
        """Every Auto model class whose table accepts `model_type` (same resolution rule)."""
        raise NotImplementedError

    def head_of(self, class_name: str) -> str | None:
        """For a model class, the Auto class whose table lists it first (its head)."""
        raise NotImplementedError


def load_knowledge() -> Knowledge:
    """Knowledge for the transformers installed next to hflint (cached per version)."""
    raise NotImplementedError
