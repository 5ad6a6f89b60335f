"""HF406: decoder-only classifiers pool the last non-pad token, so they need `pad_token_id`.

Which classes need it is read from the installed transformers' sources (the class raises
"Cannot handle batch sizes > 1 ..." or inherits the generic classification head).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import libcst as cst

from hflint.analyzers.checkpoints import bundled_table
from hflint.analyzers.facts import Kind, ObjectFact
from hflint.analyzers.findings import Edit, Finding, Fix, Position, Range, Severity
from hflint.analyzers.knowledge import UNKNOWN, Knowledge
from hflint.analyzers.values import ObjRef
from hflint.rules.base import Example, Rule
from hflint.rules.classifier_facts import (
    SEQUENCE_HEAD,
    classifier_loads,
    is_direct,
    standard_checkpoint,
    wraps,
)
from hflint.rules.context import Checkpoint, RuleContext

PAD_MESSAGE = "Cannot handle batch sizes > 1 if no padding token is defined."
_CLASS_END = re.compile(r"^(?=[^\s)#])", re.M)
_PAD_DEFAULT = re.compile(r"\bpad_token_id\s*(?::\s*[\w\[\]|. ]+?)?\s*=\s*(None|\d+)\b")


@cache
def _transformers_dir() -> Path | None:
    from hflint.analyzers.knowledge_extract import find_transformers

    return find_transformers()


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


@cache
def model_files(prefix: str) -> tuple[Path, ...]:
    """transformers' `models/*/<prefix>_*.py`, listed once per process (~2,000 files)."""
    pkg = _transformers_dir()
    return tuple(sorted((pkg / "models").glob(f"*/{prefix}_*.py"))) if pkg is not None else ()


@cache
def class_source(prefix: str, class_name: str, model_type: str) -> str | None:
    """The text of `class <class_name>(...)` in transformers' `models/*/<prefix>_*.py`.

    The model type's own folder is tried first; the other folders only when it does not
    define the class. Nothing is imported.
    """
    pkg = _transformers_dir()
    if pkg is None or not class_name.isidentifier():
        return None
    folder = model_type.replace("-", "_")
    own = pkg / "models" / folder / f"{prefix}_{folder}.py"
    header = f"\nclass {class_name}("
    for path in [own, *model_files(prefix)]:
        text = _read(path)
        start = text.find(header)
        if start >= 0:
            body = text.find("\n", start + 1)
            end = _CLASS_END.search(text, body + 1) if body >= 0 else None
            return text[start + 1 : end.start() if end else len(text)]
    return None


def _bases(block: str) -> list[str]:
    match = re.match(r"class \w+\((.*?)\)\s*:", block, re.S)
    if match is None:
        return []
    return [b.strip().split(".")[-1] for b in match.group(1).split(",") if b.strip()]


def needs_pad_token_id(
    knowledge: Knowledge, class_name: str, model_type: str, depth: int = 0
) -> bool | None:
    """Whether the class pools the last non-pad token (and so needs config.pad_token_id)."""
    block = class_source("modeling", class_name, model_type)
    if block is None or depth > 3:
        return None
    bases = _bases(block)
    if PAD_MESSAGE in block or "GenericForSequenceClassification" in bases:
        return True
    for base in bases:
        if base.endswith(SEQUENCE_HEAD):
            base_type = knowledge.model_class_types.get(base)
            return needs_pad_token_id(knowledge, base, base_type, depth + 1) if base_type else None
    return False


def config_pad_default_is_none(knowledge: Knowledge, model_type: str) -> bool:
    """Whether the model type's config class defaults `pad_token_id` to None."""
    config_class = knowledge.config_mapping.get(model_type)
    block = class_source("configuration", config_class, model_type) if config_class else None
    if block is None or "sub_configs" in block:
        return False
    defaults = set(_PAD_DEFAULT.findall(block))
    return defaults == {"None"}


def checkpoint_has_no_pad_token_id(ctx: RuleContext, ckpt: Checkpoint) -> bool:
    """config.pad_token_id is certainly None for this checkpoint (absent is not enough)."""
    facts = ckpt.facts
    if facts.pad_token_id is not None or not facts.model_type:
        return False
    if facts.source == "bundled":
        entry = bundled_table(ctx.resolver.table_path).get(ckpt.name.casefold())
        return entry is not None and "pad_token_id" in entry and entry["pad_token_id"] is None
    config = facts.config
    if not config or "text_config" in config:
        return False
    if "pad_token_id" in config:
        return config["pad_token_id"] is None
    return config_pad_default_is_none(ctx.knowledge, facts.model_type)


# ---- HF406 -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class PadSource:
    """A tokenizer variable whose pad token is set, and when it is set relative to the load."""

    name: str
    before_load: bool
    statement: cst.CSTNode | None = None  # the line that sets the pad token, when after the load


class DecoderClassifierWithoutPadTokenId(Rule):
    code = "HF406"
    name = "decoder-classifier-without-pad-token-id"
    severity = Severity.WARNING
    summary = "A decoder-only sequence classifier whose config has no pad_token_id"
    what = (
        "Checks for `AutoModelForSequenceClassification.from_pretrained(ckpt)` (or the concrete "
        "class) where the class the installed transformers builds pools the last non-pad token "
        "(GPT-2, Llama, Mistral, Qwen2, ...: its forward raises the error below), the "
        "checkpoint's config has `pad_token_id: null`, and nothing in the file sets it: no "
        "`pad_token_id=` keyword, no `model.config.pad_token_id = ...`, no config passed in."
    )
    why = (
        "These heads find the last real token of each row through `config.pad_token_id`. "
        "Without it, any batch of more than one sequence fails:\n\n"
        "    ValueError: Cannot handle batch sizes > 1 if no padding token is defined.\n\n"
        "`tokenizer.pad_token = tokenizer.eos_token` does not help by itself: it sets the "
        "tokenizer's pad token, not the model config's."
    )
    example = (
        "from transformers import AutoModelForSequenceClassification, AutoTokenizer\n"
        'tok = AutoTokenizer.from_pretrained("openai-community/gpt2")\n'
        "tok.pad_token = tok.eos_token\n"
        "model = AutoModelForSequenceClassification.from_pretrained(\n"
        '    "openai-community/gpt2", num_labels=2)\n'
        'model(**tok(["a", "b c"], padding=True, return_tensors="pt"))'
    )
    use_instead = (
        "from transformers import AutoModelForSequenceClassification, AutoTokenizer\n"
        'tok = AutoTokenizer.from_pretrained("openai-community/gpt2")\n'
        "tok.pad_token = tok.eos_token\n"
        "model = AutoModelForSequenceClassification.from_pretrained(\n"
        '    "openai-community/gpt2", num_labels=2, pad_token_id=tok.pad_token_id)\n'
        'model(**tok(["a", "b c"], padding=True, return_tensors="pt"))'
    )
    fix_safety = (
        "Safe: the fix passes `pad_token_id=<tokenizer>.pad_token_id` when a tokenizer variable "
        "with a pad token is visible at the load, or adds "
        "`<model>.config.pad_token_id = <tokenizer>.pad_token_id` right after the line that "
        "gives the tokenizer its pad token. Without such a tokenizer no fix is offered."
    )
    references = (
        "https://huggingface.co/docs/transformers/model_doc/gpt2"
        "#transformers.GPT2ForSequenceClassification",
        "transformers/modeling_layers.py (GenericForSequenceClassification.forward)",
        "transformers/models/gpt2/modeling_gpt2.py (GPT2ForSequenceClassification.forward)",
    )
    triggers = (
        Example(
            "from transformers import AutoModelForSequenceClassification, AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("gpt2")\n'
            "tok.pad_token = tok.eos_token\n"
            'model = AutoModelForSequenceClassification.from_pretrained("gpt2", num_labels=2)\n',
            fixed="from transformers import AutoModelForSequenceClassification, AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("gpt2")\n'
            "tok.pad_token = tok.eos_token\n"
            'model = AutoModelForSequenceClassification.from_pretrained("gpt2", num_labels=2, '
            "pad_token_id=tok.pad_token_id)\n",
        ),
        Example(
            "import transformers\n"
            'ckpt = "meta-llama/Llama-3.2-1B"\n'
            "model = transformers.AutoModelForSequenceClassification.from_pretrained(\n"
            "    ckpt,\n"
            "    num_labels=3,\n"
            ")\n"
            "tokenizer = transformers.AutoTokenizer.from_pretrained(ckpt)\n"
            "tokenizer.pad_token = tokenizer.eos_token\n",
            note="pad token set after the load: the fix adds a line after it",
            fixed="import transformers\n"
            'ckpt = "meta-llama/Llama-3.2-1B"\n'
            "model = transformers.AutoModelForSequenceClassification.from_pretrained(\n"
            "    ckpt,\n"
            "    num_labels=3,\n"
            ")\n"
            "tokenizer = transformers.AutoTokenizer.from_pretrained(ckpt)\n"
            "tokenizer.pad_token = tokenizer.eos_token\n"
            "model.config.pad_token_id = tokenizer.pad_token_id\n",
        ),
        Example(
            "from transformers import GPT2ForSequenceClassification as Clf\n"
            "def train(texts):\n"
            '    model = Clf.from_pretrained("distilgpt2")\n'
            "    return model\n",
            note="a concrete class, no tokenizer in sight: no fix",
        ),
        Example(
            "from transformers import AutoModelForSequenceClassification, AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-0.5B")\n'
            "tok.pad_token = tok.eos_token\n"
            "tok.pad_token_id = tok.eos_token_id\n"
            'model = AutoModelForSequenceClassification.from_pretrained("Qwen/Qwen2.5-0.5B")\n',
            note="the tokenizer's pad_token_id is not the model's",
        ),
    )
    near_misses = (
        Example(
            "from transformers import AutoModelForSequenceClassification, AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("gpt2")\n'
            "tok.pad_token = tok.eos_token\n"
            'model = AutoModelForSequenceClassification.from_pretrained("gpt2")\n'
            "model.config.pad_token_id = tok.pad_token_id\n",
        ),
        Example(
            "from transformers import AutoModelForSequenceClassification, AutoTokenizer\n"
            'tok = AutoTokenizer.from_pretrained("gpt2")\n'
            "model = AutoModelForSequenceClassification.from_pretrained(\n"
            '    "gpt2", pad_token_id=tok.eos_token_id)\n',
        ),
        Example(
            "from transformers import AutoModelForSequenceClassification\n"
            'model = AutoModelForSequenceClassification.from_pretrained("facebook/opt-125m")\n',
            note="OPT's config has pad_token_id 1",
        ),
        Example(
            "from transformers import AutoModelForSequenceClassification\n"
            'model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased")\n',
            note="BERT pools the first token",
        ),
        Example(
            "import os\n"
            "from transformers import AutoModelForSequenceClassification\n"
            'model = AutoModelForSequenceClassification.from_pretrained(os.environ["CKPT"])\n',
            note="unknown checkpoint",
        ),
        Example(
            "from transformers import AutoModelForSequenceClassification\n"
            "def setup(model):\n"
            "    cfg = model.config\n"
            "    cfg.pad_token_id = 0\n"
            'model = AutoModelForSequenceClassification.from_pretrained("gpt2")\n'
            "setup(model)\n",
            note="set through another name",
        ),
        Example(
            "from transformers import AutoModelForSequenceClassification\n"
            'model = AutoModelForSequenceClassification.from_pretrained("gpt2")\n'
            'model.config.update({"pad_token_id": 50256})\n',
        ),
        Example(
            "from transformers import AutoModelForCausalLM\n"
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n',
            note="not a classifier",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for obj in classifier_loads(ctx, (SEQUENCE_HEAD,)):
            call = obj.call
            if (
                call.has_star_kwargs
                or len(call.args) > 1
                or call.kw("config")
                or call.kw("pad_token_id")
            ):
                continue
            ckpt = standard_checkpoint(ctx, obj)
            if ckpt is None or ckpt.via_save or obj.saved_from is not None:
                continue
            class_name = self._built_class(ctx, obj, ckpt)
            if class_name is None or ckpt.facts.model_type is None:
                continue
            class_type = ctx.knowledge.model_class_types.get(class_name, ckpt.facts.model_type)
            if needs_pad_token_id(ctx.knowledge, class_name, class_type) is not True:
                continue
            if not checkpoint_has_no_pad_token_id(ctx, ckpt) or self._set_somewhere(ctx, obj):
                continue
            yield self._finding(ctx, obj, ckpt, class_name)

    @staticmethod
    def _built_class(ctx: RuleContext, obj: ObjectFact, ckpt: Checkpoint) -> str | None:
        """The model class from_pretrained builds: the Auto class resolved, or the class itself."""
        if not obj.class_name.startswith("Auto"):
            return obj.class_name
        model_type = ckpt.facts.model_type or ""
        built = ctx.knowledge.resolve(model_type, obj.class_name, ckpt.facts.architectures)
        return None if built in (None, UNKNOWN) else built

    @staticmethod
    def _set_somewhere(ctx: RuleContext, obj: ObjectFact) -> bool:
        """Anything that may set the model's pad_token_id, judged generously."""
        facts = ctx.facts
        if "pad_token_id" in facts.strings:  # config.update({...}), setattr(..., "pad_token_id")
            return True
        # writes on other tracked objects (`tok.pad_token_id = ...`) do not count; writes on
        # this model, or on a receiver the collector cannot name, do
        elsewhere = {
            id(use.node) for use in facts.attr_uses if use.is_write and not wraps(use.obj, obj)
        }
        if any(id(node) not in elsewhere for node in facts.attr_writes.get("pad_token_id", [])):
            return True
        if any(
            use.is_write and wraps(use.obj, obj) and use.path == ("config",)
            for use in facts.attr_uses
        ):
            return True
        for call in facts.calls:  # handed to this module's own code, which may set it
            if call.qualname and not call.qualname.startswith(("transformers.", "peft.", "torch.")):
                values = [a.value for a in call.args] + [a.value for a in call.kwargs.values()]
                if any(isinstance(v, ObjRef) and wraps(v.obj, obj) for v in values):
                    return True
        return False

    def _finding(
        self, ctx: RuleContext, obj: ObjectFact, ckpt: Checkpoint, class_name: str
    ) -> Finding:
        pad = self._pad_source(ctx, obj)
        model = obj.call.target or "model"
        if pad is None:
            todo = (
                f"pass `pad_token_id=tokenizer.pad_token_id` or set `{model}.config.pad_token_id`"
            )
        elif pad.before_load:
            todo = f"pass `pad_token_id={pad.name}.pad_token_id`"
        else:
            todo = f"set `{model}.config.pad_token_id = {pad.name}.pad_token_id` once it has one"

        message = (
            f"`{class_name}` pools the last non-pad token, and {ckpt.describe()} has "
            "`pad_token_id: null` in its config; nothing in this file sets "
            f"`{model}.config.pad_token_id`. Any batch of more than one sequence fails: "
            f"`ValueError: {PAD_MESSAGE}` (setting the tokenizer's pad token does not change the "
            f"model's config). Give the model a pad token id: {todo}."
        )
        fix = self._fix(ctx, obj, pad) if pad is not None else None
        severity = self.severity if ckpt.certain else self.severity.lowered()
        return ctx.report(self, obj.node, message, fix=fix, severity=severity)

    @staticmethod
    def _pad_source(ctx: RuleContext, obj: ObjectFact) -> PadSource | None:
        """The one tokenizer variable in the load's scope that has a pad token."""
        load_start = ctx.range(obj.node).start
        found: dict[str, PadSource] = {}
        for tok in ctx.objects(Kind.TOKENIZER):
            name = tok.call.target
            if name is None or tok.call.function is not obj.call.function or not is_direct(tok):
                continue
            created_before = ctx.range(tok.node).start < load_start
            ckpt = ctx.checkpoint(tok) if created_before else None
            has_pad = ckpt is not None and ckpt.facts.tokenizer_has_pad_token is True
            after: cst.CSTNode | None = None
            for use in ctx.facts.attr_uses:
                if (
                    use.obj is not tok
                    or not use.is_write
                    or use.path not in (("pad_token",), ("pad_token_id",))
                ):
                    continue
                if ctx.range(use.node).start < load_start:
                    has_pad = True
                elif isinstance(use.statement, cst.SimpleStatementLine):
                    after = use.statement
            if has_pad:
                found[name] = PadSource(name, True)
            elif after is not None:
                found[name] = PadSource(name, False, after)
        return next(iter(found.values())) if len(found) == 1 else None

    @staticmethod
    def _fix(ctx: RuleContext, obj: ObjectFact, pad: PadSource) -> Fix | None:
        if pad.before_load:
            edit = ctx.add_kwarg(obj.node, f"pad_token_id={pad.name}.pad_token_id")
            return ctx.fix(f"Pass pad_token_id={pad.name}.pad_token_id", [edit], safe=True)
        model = obj.call.target
        if model is None or pad.statement is None:
            return None
        where = ctx.range(pad.statement)
        line = ctx.source.line(where.end.line)
        indent = " " * where.start.column
        text = f"{model}.config.pad_token_id = {pad.name}.pad_token_id"
        edit = Edit(
            Range(Position(where.end.line, len(line)), Position(where.end.line, len(line))),
            f"\n{indent}{text}",
        )
        return ctx.fix(f"Set {text}", [edit], safe=True)
