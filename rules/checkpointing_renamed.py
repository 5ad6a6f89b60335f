"""Family H: gradient checkpointing, renamed activation checkpointing in transformers 5.x.

The old names (`TrainingArguments(gradient_checkpointing=...)`, `gradient_checkpointing_kwargs`,
`model.gradient_checkpointing_enable()` / `_disable()`, `model.is_gradient_checkpointing`)
still work in the releases that have the new ones, with a FutureWarning. Whether the target
release deprecates an old name, and whether it has the new one, is read from its sources
(`ctx.target_knowledge`); renaming for a release without the new names would break it, so
the new names used on such a release are reported instead.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from hflint.analyzers.facts import Kind, ObjectFact
from hflint.analyzers.findings import Edit, Finding, Severity
from hflint.analyzers.knowledge import Knowledge
from hflint.analyzers.values import obj_of
from hflint.rules.base import Example, Rule
from hflint.rules.context import RuleContext
from hflint.rules.release_facts import keyword_node, library_class, quoted
from hflint.rules.trainer_facts import TRANSFORMERS_ARGS

# old name -> new name (the same setting); fields of TrainingArguments, members of the model
FIELDS = {
    "gradient_checkpointing": "activation_checkpointing",
    "gradient_checkpointing_kwargs": "activation_checkpointing_kwargs",
}
MEMBERS = {
    "gradient_checkpointing_enable": "activation_checkpointing_enable",
    "gradient_checkpointing_disable": "activation_checkpointing_disable",
    "is_gradient_checkpointing": "is_activation_checkpointing",
}
# keyword of `gradient_checkpointing_enable` -> the one of `activation_checkpointing_enable`
ENABLE_KWARGS = {"gradient_checkpointing_kwargs": "activation_checkpointing_kwargs"}


def _model(obj: ObjectFact | None, ctx: RuleContext) -> ObjectFact | None:
    """The transformers model behind `obj` (a peft wrapper forwards these methods to it)."""
    while obj is not None and obj.kind is Kind.MODEL:
        if library_class(obj, ctx.facts) is not None:
            return obj
        obj = obj.base
    return None


class CheckpointingRenamed(Rule):
    code = "HF806"
    name = "gradient-checkpointing-renamed"
    severity = Severity.INFO
    summary = "Gradient checkpointing names the target transformers release renamed"
    deprecated_api = True
    what = (
        "Checks `TrainingArguments(gradient_checkpointing=..., gradient_checkpointing_kwargs="
        "...)`, `model.gradient_checkpointing_enable()` / `_disable()` and "
        "`model.is_gradient_checkpointing` when the release the project targets deprecates "
        "them for the `activation_checkpointing` names; and, the other way round, the new "
        "method names used with a release that does not have them yet (4.x, 5.0)."
    )
    why = (
        "The old names still work, with a warning, and go away in v6:\n\n"
        "    FutureWarning: `gradient_checkpointing_enable` is deprecated and will be removed "
        "in v6. Use `activation_checkpointing_enable` instead.\n"
        "    FutureWarning: `gradient_checkpointing` is deprecated and will be removed in v6. "
        "Use `activation_checkpointing` instead.\n\n"
        "A release without the new names raises `AttributeError` on "
        "`model.activation_checkpointing_enable()`."
    )
    example = """
args = TrainingArguments(output_dir="out", gradient_checkpointing=True)
model.gradient_checkpointing_enable()
"""
    use_instead = """
args = TrainingArguments(output_dir="out", activation_checkpointing=True)
model.activation_checkpointing_enable()
"""
    fix_safety = (
        "Safe: the old names are aliases of the new ones in the releases that deprecate them "
        "(`gradient_checkpointing_kwargs=` of the method becomes "
        "`activation_checkpointing_kwargs=`). Renaming back for an older release is safe too "
        "when the call uses no keyword that only the new method has."
    )
    references = (
        "transformers/modeling_utils.py (gradient_checkpointing_enable)",
        "transformers/training_args.py (TrainingArguments.__post_init__)",
    )
    triggers = (
        Example(
            "from transformers import TrainingArguments\n\n"
            'args = TrainingArguments(output_dir="out", gradient_checkpointing=True)\n',
            fixed="from transformers import TrainingArguments\n\n"
            'args = TrainingArguments(output_dir="out", activation_checkpointing=True)\n',
        ),
        Example(
            "from transformers import AutoModelForCausalLM\n\n"
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            'model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": '
            "False})\n",
            note="the method and its keyword",
            fixed="from transformers import AutoModelForCausalLM\n\n"
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            'model.activation_checkpointing_enable(activation_checkpointing_kwargs={"use_reentrant": '
            "False})\n",
        ),
        Example(
            "import transformers as T\n"
            "from peft import LoraConfig, get_peft_model\n\n"
            "def prepare(ckpt):\n"
            "    base = T.AutoModelForCausalLM.from_pretrained(ckpt)\n"
            "    model = get_peft_model(base, LoraConfig(r=8))\n"
            "    if not model.is_gradient_checkpointing:\n"
            "        model.gradient_checkpointing_disable()\n"
            "    return model\n",
            note="through a peft wrapper, inside a function",
        ),
    )
    near_misses = (
        Example(
            "from transformers import AutoModelForCausalLM, TrainingArguments\n\n"
            'model = AutoModelForCausalLM.from_pretrained("gpt2")\n'
            "model.activation_checkpointing_enable()\n"
            'args = TrainingArguments(output_dir="out", activation_checkpointing=True)\n',
            note="the current names",
        ),
        Example(
            "import torch\n\nnet = torch.nn.Linear(2, 2)\nnet.gradient_checkpointing_enable()\n",
            note="not a transformers model",
        ),
        Example(
            "from trl import SFTConfig\n\n"
            'cfg = SFTConfig(output_dir="out", gradient_checkpointing=True)\n',
            note="trl's config",
        ),
        Example(
            "from transformers import AutoConfig\n\n"
            'cfg = AutoConfig.from_pretrained("gpt2")\n'
            "print(cfg.gradient_checkpointing)\n",
            note="a config attribute",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        fields = [
            (args, key, arg)
            for args in ctx.objects(Kind.TRAINING_ARGS)
            if args.qualname in TRANSFORMERS_ARGS and args.user_class is None
            for key, arg in args.call.kwargs.items()
            if key in FIELDS
        ]
        renames = {**MEMBERS, **{new: old for old, new in MEMBERS.items()}}
        calls = [
            (call, model)
            for call in ctx.facts.calls
            if call.method in renames and (model := _model(obj_of(call.receiver), ctx))
        ]
        called = {id(call.node.func) for call, _ in calls}
        reads = [
            use
            for use in ctx.facts.attr_uses
            if not use.is_write
            and id(use.node) not in called
            and len(use.path) == 1
            and use.path[0] in renames
            and _model(use.obj, ctx) is not None
        ]
        if not fields and not calls and not reads:
            return
        tk = ctx.target_knowledge
        if not tk.model_members or not tk.training_args_fields:
            return
        for args, key, arg in fields:
            warning = tk.training_args_deprecated.get(key)
            new = FIELDS[key]
            if not warning or new not in tk.training_args_fields or new in args.call.kwargs:
                continue
            message = (
                f"`{key}` is deprecated in {ctx.target.phrase()}: `TrainingArguments` warns "
                f"{quoted(warning)}."
            )
            assert arg.node.keyword is not None
            fix = ctx.fix(f"Use `{new}`", [ctx.replace(arg.node.keyword, new)], safe=True)
            yield ctx.report(self, keyword_node(arg), message, fix=fix)
        for call, model in calls:
            func = call.node.func
            if isinstance(func, cst.Attribute) and call.method is not None:
                finding = self._member(ctx, tk, call.method, func.attr, model, call.node)
                if finding is not None:
                    yield finding
        for use in reads:
            model = _model(use.obj, ctx)
            if model is not None:
                finding = self._member(ctx, tk, use.path[0], use.node.attr, model, None)
                if finding is not None:
                    yield finding

    def _member(
        self,
        ctx: RuleContext,
        tk: Knowledge,
        name: str,
        node: cst.Name,
        model: ObjectFact,
        call: cst.Call | None,
    ) -> Finding | None:
        if name in MEMBERS:  # an old name: deprecated where the release says so
            warning = tk.deprecated_model_members.get(name)
            new = MEMBERS[name]
            if not warning or new not in tk.model_members:
                return None
            message = (
                f"`{name}` is deprecated in {ctx.target.phrase()}: it warns {quoted(warning)}."
            )
            edits = self._rename(ctx, node, new, call, ENABLE_KWARGS)
            fix = ctx.fix(f"Use `{new}`", edits, safe=True) if edits else None
            return ctx.report(self, node, message, fix=fix)
        old = {v: k for k, v in MEMBERS.items()}[name]
        if name in tk.model_members or old not in tk.model_members:
            return None  # the release has the new name, or knows neither
        if not ctx.target.exact_facts:
            return None  # facts of an older release: the target may have the new name
        owner = "<model class>" if model.class_name.startswith("Auto") else model.class_name
        message = (
            f"`{name}` does not exist in {ctx.target.phrase()}: "
            f"`AttributeError: '{owner}' object has no attribute '{name}'`. "
            f"Use `{old}` there."
        )
        edits = self._rename(ctx, node, old, call, {v: k for k, v in ENABLE_KWARGS.items()})
        fix = ctx.fix(f"Use `{old}`", edits, safe=True) if edits else None
        return ctx.report(self, node, message, fix=fix, severity=Severity.ERROR)

    @staticmethod
    def _rename(
        ctx: RuleContext,
        node: cst.Name,
        new: str,
        call: cst.Call | None,
        keywords: dict[str, str],
    ) -> list[Edit]:
        """The member renamed, and the keywords of the call that have a new spelling; none
        when the call passes a keyword the other method does not take."""
        edits = [ctx.replace(node, new)]
        for arg in call.args if call is not None else ():
            if arg.keyword is None:
                continue
            if arg.keyword.value in keywords:
                edits.append(ctx.replace(arg.keyword, keywords[arg.keyword.value]))
            elif arg.keyword.value not in keywords.values():
                return []
        return edits
