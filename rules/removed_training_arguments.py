"""Family H: `TrainingArguments` keywords the target transformers release removed (or has not
added yet), and those it still takes but warns about.

Whether a keyword is gone or deprecated is read from the target release's own dataclass
fields and `__post_init__` warnings (`ctx.target_knowledge`); only what to write instead is
kept here. The gradient-checkpointing renames are HF806's, Seq2Seq-only fields HF303's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from hflint.analyzers.facts import Arg, Kind, ObjectFact
from hflint.analyzers.findings import Edit, Finding, Fix, Severity
from hflint.analyzers.target_version import release_of
from hflint.analyzers.values import Const
from hflint.rules.base import Example, Rule
from hflint.rules.context import RuleContext
from hflint.rules.release_facts import keyword_node, other_releases_with, quoted
from hflint.rules.trainer_facts import SEQ2SEQ_ARGS, TRANSFORMERS_ARGS

CHECKPOINTING = "gradient_checkpointing"  # deprecated names of that family: HF806


def _ratio(value: object) -> str | None:
    """`warmup_ratio=r` -> `warmup_steps=r`: transformers 5 reads a float below 1 as a ratio."""
    if isinstance(value, float) and 0 <= value < 1:
        return repr(value)
    return None


def _when_true(text: str) -> Callable[[object], str | None]:
    def convert(value: object) -> str | None:
        return text if value is True else None

    return convert


@dataclass(frozen=True)
class Replacement:
    """What to write instead of a keyword, when the target release has `field`."""

    field: str
    # the new value's source for a constant old value (None: no exact equivalent); without
    # a function the value is kept as written
    convert: Callable[[object], str | None] | None = None
    drop_if_false: bool = False  # `flag=False` was the default: deleting it changes nothing


REPLACEMENTS: dict[str, Replacement] = {
    "evaluation_strategy": Replacement("eval_strategy"),
    "eval_strategy": Replacement("evaluation_strategy"),  # releases before 4.41
    "no_cuda": Replacement("use_cpu"),
    "per_gpu_train_batch_size": Replacement("per_device_train_batch_size"),
    "per_gpu_eval_batch_size": Replacement("per_device_eval_batch_size"),
    "push_to_hub_token": Replacement("hub_token"),
    "fp16_backend": Replacement("half_precision_backend"),
    "torchdynamo": Replacement("torch_compile_backend"),
    "include_inputs_for_metrics": Replacement(
        "include_for_metrics", _when_true('["inputs"]'), drop_if_false=True
    ),
    "warmup_ratio": Replacement("warmup_steps", _ratio),
    "group_by_length": Replacement(
        "train_sampling_strategy", _when_true('"group_by_length"'), drop_if_false=True
    ),
    "activation_checkpointing": Replacement("gradient_checkpointing"),  # before 5.x
    "activation_checkpointing_kwargs": Replacement("gradient_checkpointing_kwargs"),
}

# Where a removed setting went, when it is not another keyword (checked in 5.23.0's sources).
ADVICE = {
    "logging_dir": "set the `TENSORBOARD_LOGGING_DIR` environment variable instead",
    "ray_scope": "set the `RAY_SCOPE` environment variable instead",
    "push_to_hub_model_id": 'pass the full repository name as `hub_model_id="org/name"`',
    "push_to_hub_organization": 'pass the full repository name as `hub_model_id="org/name"`',
    "fsdp_min_num_params": "set it in `fsdp_config`",
    "fsdp_transformer_layer_cls_to_wrap": "set it in `fsdp_config`",
    "dispatch_batches": "set it in `accelerator_config`",
    "split_batches": "set it in `accelerator_config`",
}


class RemovedTrainingArguments(Rule):
    code = "HF802"
    name = "removed-training-arguments"
    severity = Severity.ERROR
    summary = "TrainingArguments keyword the target transformers release no longer (or not yet) has"
    deprecated_api = True
    what = (
        "Checks `TrainingArguments(...)` and `Seq2SeqTrainingArguments(...)` for keywords that "
        "are not fields of the transformers release the project targets, although another "
        "release has them (`evaluation_strategy`, `no_cuda`, `per_gpu_train_batch_size`, "
        "`overwrite_output_dir`, `warmup_ratio`, ... in transformers 5; `eval_strategy` before "
        "4.41), and for keywords that release still takes but warns are deprecated. The fields "
        "and warnings are read from that release's sources; the target is the `target-version` "
        "setting, else the project's pin, else the installed transformers."
    )
    why = (
        "A keyword that is not a field stops the script before training starts:\n\n"
        "    TypeError: TrainingArguments.__init__() got an unexpected keyword argument "
        "'evaluation_strategy'\n\n"
        "A deprecated one still works but warns, e.g. in transformers 4.46:\n\n"
        "    FutureWarning: `evaluation_strategy` is deprecated and will be removed in version "
        "4.46 of 🤗 Transformers. Use `eval_strategy` instead"
    )
    example = """
args = TrainingArguments(output_dir="out", evaluation_strategy="epoch", no_cuda=True,
                         per_gpu_train_batch_size=8)
"""
    use_instead = """
args = TrainingArguments(output_dir="out", eval_strategy="epoch", use_cpu=True,
                         per_device_train_batch_size=8)
"""
    fix_safety = (
        "Safe for a rename to the keyword the target release has for the same setting "
        "(`evaluation_strategy` -> `eval_strategy`, `no_cuda` -> `use_cpu`, "
        "`per_gpu_*` -> `per_device_*`, `push_to_hub_token` -> `hub_token`, "
        '`include_inputs_for_metrics=True` -> `include_for_metrics=["inputs"]`, '
        "`warmup_ratio=0.1` -> `warmup_steps=0.1`, `group_by_length=True` -> "
        '`train_sampling_strategy="group_by_length"`) and for deleting a flag set to its '
        "default. Unsafe for deleting a keyword that has no replacement: what it controlled "
        "goes back to the default."
    )
    references = (
        "https://github.com/huggingface/transformers/blob/main/MIGRATION_GUIDE_V5.md",
        "https://github.com/huggingface/transformers/pull/30190",
        "transformers/training_args.py",
    )
    triggers = (
        Example(
            "from transformers import TrainingArguments\n\n"
            'args = TrainingArguments(output_dir="out", evaluation_strategy="epoch")\n',
            note="the 4.x spelling copied from tutorials",
            fixed="from transformers import TrainingArguments\n\n"
            'args = TrainingArguments(output_dir="out", eval_strategy="epoch")\n',
        ),
        Example(
            "import transformers as T\n\n"
            "training_args = T.TrainingArguments(\n"
            '    "out",\n'
            "    per_gpu_train_batch_size=8,\n"
            "    no_cuda=True,\n"
            ")\n",
            note="module alias, positional output_dir, two removed keywords",
            fixed="import transformers as T\n\n"
            "training_args = T.TrainingArguments(\n"
            '    "out",\n'
            "    per_device_train_batch_size=8,\n"
            "    no_cuda=True,\n"
            ")\n",
        ),
        Example(
            "from transformers import Seq2SeqTrainingArguments\n\n"
            "def make_args(out_dir, lr):\n"
            "    return Seq2SeqTrainingArguments(\n"
            "        out_dir, learning_rate=lr, warmup_ratio=0.1, predict_with_generate=True\n"
            "    )\n",
            note="inside a function; the ratio moves to warmup_steps",
            fixed="from transformers import Seq2SeqTrainingArguments\n\n"
            "def make_args(out_dir, lr):\n"
            "    return Seq2SeqTrainingArguments(\n"
            "        out_dir, learning_rate=lr, warmup_steps=0.1, predict_with_generate=True\n"
            "    )\n",
        ),
        Example(
            "from transformers import TrainingArguments\n\n"
            'args = TrainingArguments(output_dir="out", overwrite_output_dir=True, '
            'logging_dir="logs")\n',
            note="removed with no replacement keyword: the fix deletes it (unsafe)",
        ),
        Example(
            "import argparse\n"
            "from transformers import TrainingArguments\n\n"
            "parser = argparse.ArgumentParser()\n"
            'parser.add_argument("--group", action="store_true")\n'
            "cli = parser.parse_args()\n"
            'args = TrainingArguments("out", group_by_length=cli.group, '
            "include_inputs_for_metrics=True)\n",
            note="a value from the command line: reported, no exact rewrite for it",
        ),
    )
    near_misses = (
        Example(
            "from transformers import TrainingArguments\n\n"
            'args = TrainingArguments(output_dir="out", eval_strategy="epoch", use_cpu=True)\n',
            note="the current names",
        ),
        Example(
            "from dataclasses import dataclass, field\n"
            "from transformers import TrainingArguments\n\n"
            "@dataclass\n"
            "class MyArgs(TrainingArguments):\n"
            '    evaluation_strategy: str = field(default="epoch")\n\n'
            'args = MyArgs(output_dir="out", evaluation_strategy="epoch")\n',
            note="a subclass may declare the field itself",
        ),
        Example(
            "from trl import SFTConfig\n\n"
            'cfg = SFTConfig(output_dir="out", max_length=512, packing=True)\n',
            note="trl's config has its own fields",
        ),
        Example(
            "import json\n\nfrom transformers import TrainingArguments\n\n"
            'legacy = json.load(open("train_config.json"))\n'
            'args = TrainingArguments(output_dir="out", **legacy)\n',
            note="keywords hidden in **kwargs of unknown content are not guessed",
        ),
        Example(
            "from transformers import TrainingArguments\n\n"
            'args = TrainingArguments(output_dir="out", predict_with_generate=True)\n',
            note="a Seq2Seq-only field: HF303 reports it",
        ),
        Example(
            "from transformers import TrainingArguments\n\n"
            'args = TrainingArguments(output_dir="out", learnin_rate=1e-4)\n',
            note="a typo no release ever had is not a removal",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        calls = [
            a
            for a in ctx.objects(Kind.TRAINING_ARGS)
            if a.qualname in TRANSFORMERS_ARGS and a.user_class is None and a.call.kwargs
        ]
        if not calls:
            return
        tk = ctx.target_knowledge
        if not tk.training_args_fields or not tk.seq2seq_training_args_fields:
            return  # no facts for the target release: say nothing
        seq2seq_only = tk.seq2seq_training_args_fields - tk.training_args_fields
        for args in calls:
            seq2seq = args.qualname == SEQ2SEQ_ARGS
            fields = tk.seq2seq_training_args_fields if seq2seq else tk.training_args_fields
            for key, arg in args.call.kwargs.items():
                if key in fields:
                    warning = tk.training_args_deprecated.get(key)
                    if warning and not key.startswith(CHECKPOINTING):
                        yield self._deprecated(ctx, args, key, arg, warning, fields)
                elif seq2seq or key not in seq2seq_only:
                    finding = self._gone(ctx, args, key, arg, fields)
                    if finding is not None:
                        yield finding

    def _deprecated(
        self,
        ctx: RuleContext,
        args: ObjectFact,
        key: str,
        arg: Arg,
        warning: str,
        fields: frozenset[str],
    ) -> Finding:
        message = (
            f"`{key}` is deprecated in {ctx.target.phrase()}: `{_short(args)}` warns "
            f"{quoted(warning)}."
        )
        fix = self._replace(ctx, args, key, arg, fields)
        if fix is not None:
            message += f" {fix.message}."
        return ctx.report(self, keyword_node(arg), message, fix=fix, severity=Severity.WARNING)

    def _gone(
        self, ctx: RuleContext, args: ObjectFact, key: str, arg: Arg, fields: frozenset[str]
    ) -> Finding | None:
        older, newer = other_releases_with(ctx, "training_args_fields", key)
        if not older and not newer and key not in REPLACEMENTS:
            return None  # never a field of any release hflint knows: not a removal
        if newer and not ctx.target.exact_facts:
            return None  # added after the release the facts are from: the target may have it
        cls = _short(args)
        if older and not newer:
            history = f"it was removed (transformers {older[-1]} still had it)"
        elif newer and not older:
            history = f"it came later (transformers {newer[0]} has it)"
        else:
            history = "another release has it"
        message = (
            f"`{key}` is not a `{cls}` field in {ctx.target.phrase()}; {history}. The call "
            f"fails with `TypeError: {cls}.__init__() got an unexpected keyword argument "
            f"'{key}'`."
        )
        warned = _last_warning(ctx, key)
        if warned:
            message += f" transformers {warned[0]} warned: {quoted(warned[1])}."
        rep = REPLACEMENTS.get(key)
        fix = self._replace(ctx, args, key, arg, fields)
        if fix is not None:
            message += f" {fix.message}."
        elif rep is not None and rep.field in fields and rep.field in args.call.kwargs:
            message += f" `{rep.field}`, its replacement, is passed too: remove this one."
            fix = ctx.fix(
                f"Remove `{key}=` (keep `{rep.field}=`)",
                ctx.remove_args(args.node, [arg.node]),
                safe=False,
            )
        elif rep is not None and rep.field in fields:
            message += f" Use `{rep.field}` (set its value by hand: this one does not map as is)."
        else:
            advice = ADVICE.get(key)
            if advice:
                message += f" Remove it and {advice}."
            fix = ctx.fix(
                f"Remove `{key}=` (what it set goes back to the default)",
                ctx.remove_args(args.node, [arg.node]),
                safe=False,
            )
        return ctx.report(self, keyword_node(arg), message, fix=fix)

    @staticmethod
    def _replace(
        ctx: RuleContext, args: ObjectFact, key: str, arg: Arg, fields: frozenset[str]
    ) -> Fix | None:
        """The keyword the target release has for the same setting, when the value maps."""
        rep = REPLACEMENTS.get(key)
        if rep is None or rep.field not in fields or rep.field in args.call.kwargs:
            return None
        value = arg.value
        known = isinstance(value, Const) and not value.overridable
        if rep.drop_if_false and known and isinstance(value, Const) and value.value is False:
            return ctx.fix(
                f"Remove `{key}=False` (the default)",
                ctx.remove_args(args.node, [arg.node]),
                safe=True,
            )
        edits: list[Edit] = [ctx.replace(arg.node.keyword or arg.node, rep.field)]
        if rep.convert is None:
            return ctx.fix(f"Use `{rep.field}`", edits, safe=True)
        new_value = rep.convert(value.value) if known and isinstance(value, Const) else None
        if new_value is None:
            return None
        edits.append(ctx.replace(arg.expr, new_value))
        return ctx.fix(f"Use `{rep.field}={new_value}`", edits, safe=True)


def _short(args: ObjectFact) -> str:
    return "Seq2SeqTrainingArguments" if args.qualname == SEQ2SEQ_ARGS else "TrainingArguments"


def _last_warning(ctx: RuleContext, key: str) -> tuple[str, str] | None:
    """The newest release before the target that warned about `key`, and its warning."""
    from hflint.analyzers.snapshots import known_releases

    want = ctx.target.release
    found = [
        (k.version, k.training_args_deprecated[key])
        for k in known_releases()
        if key in k.training_args_deprecated and release_of(k.version) < want
    ]
    return max(found, key=lambda f: release_of(f[0])) if found else None
