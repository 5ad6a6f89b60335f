"""Family H: `Trainer(tokenizer=...)` and `trainer.tokenizer`, renamed `processing_class`.

Whether the target release still takes the keyword (4.x before 4.46), takes it with a
deprecation warning (4.46 to 4.57) or rejects it (5.x) is read from its `Trainer.__init__`
and its `@deprecate_kwarg` decorator (`ctx.target_knowledge`); the attribute from the members
its `Trainer` class defines.
"""

from __future__ import annotations

from collections.abc import Iterator

from hflint.analyzers.facts import Arg, AttrUse, Kind
from hflint.analyzers.findings import Finding, Fix, Severity
from hflint.rules.base import Example, Rule
from hflint.rules.context import RuleContext
from hflint.rules.release_facts import keyword_node, other_releases_with, quoted
from hflint.rules.trainer_facts import (
    TRANSFORMERS_TRAINERS,
    TrainerCall,
    lineage,
    transformers_trainers,
)

OLD, NEW = "tokenizer", "processing_class"


def _instance_class(trainer: TrainerCall) -> str:
    """The class named in transformers' messages: the instance's own class."""
    return trainer.obj.user_class.name if trainer.obj.user_class else trainer.obj.class_name


class TrainerTokenizerKwarg(Rule):
    code = "HF803"
    name = "trainer-tokenizer-kwarg"
    severity = Severity.ERROR
    summary = "`Trainer(tokenizer=...)` or `trainer.tokenizer`, renamed `processing_class`"
    deprecated_api = True
    what = (
        "Checks `Trainer(..., tokenizer=...)` and `Seq2SeqTrainer(..., tokenizer=...)` (and "
        "subclasses that keep their `__init__`), and reads of `trainer.tokenizer`, against the "
        "transformers release the project targets: an error where that release has no such "
        "keyword or attribute (5.x), a warning where it still takes them but warns "
        "(4.46 to 4.57); releases before 4.46 are left alone."
    )
    why = (
        "transformers 5 removed both:\n\n"
        "    TypeError: Trainer.__init__() got an unexpected keyword argument 'tokenizer'\n"
        "    AttributeError: 'Trainer' object has no attribute 'tokenizer'\n\n"
        'transformers 4.46 to 4.57 warned: "`tokenizer` is deprecated and will be removed in '
        'version 5.0.0 for `Trainer.__init__`. Use `processing_class` instead." and '
        '"Trainer.tokenizer is now deprecated. You should use Trainer.processing_class '
        'instead."'
    )
    example = """
trainer = Trainer(model=model, args=args, train_dataset=ds, tokenizer=tok)
trainer.tokenizer.save_pretrained("out")
"""
    use_instead = """
trainer = Trainer(model=model, args=args, train_dataset=ds, processing_class=tok)
trainer.processing_class.save_pretrained("out")
"""
    fix_safety = (
        "Safe: `processing_class` is the same argument under its new name (4.46 and later "
        "map `tokenizer=` onto it). When both are passed, the fix deletes `tokenizer=` and is "
        "unsafe: the two values may differ."
    )
    references = (
        "https://github.com/huggingface/transformers/blob/main/MIGRATION_GUIDE_V5.md",
        "https://github.com/huggingface/transformers/pull/41128",
    )
    triggers = (
        Example(
            "from transformers import Trainer\n\n"
            "trainer = Trainer(model=model, args=args, train_dataset=ds, tokenizer=tok)\n",
            fixed="from transformers import Trainer\n\n"
            "trainer = Trainer(model=model, args=args, train_dataset=ds, processing_class=tok)\n",
        ),
        Example(
            "from transformers import Trainer\n\n"
            "trainer = Trainer(model=model, args=args, processing_class=tok)\n"
            'trainer.tokenizer.save_pretrained("out")\n',
            note="the attribute",
            fixed="from transformers import Trainer\n\n"
            "trainer = Trainer(model=model, args=args, processing_class=tok)\n"
            'trainer.processing_class.save_pretrained("out")\n',
        ),
        Example(
            "import transformers as T\n\n"
            "class WeightedTrainer(T.Seq2SeqTrainer):\n"
            "    def compute_loss(self, model, inputs, return_outputs=False, **kwargs):\n"
            "        return super().compute_loss(model, inputs, return_outputs, **kwargs)\n\n"
            "def build(model, args, tok, data):\n"
            "    return WeightedTrainer(\n"
            "        model=model, args=args, train_dataset=data, tokenizer=tok\n"
            "    )\n",
            note="a subclass that keeps __init__, module alias, inside a function",
        ),
    )
    near_misses = (
        Example(
            "from transformers import Trainer\n\n"
            "trainer = Trainer(model=model, args=args, processing_class=tok)\n"
            'trainer.processing_class.save_pretrained("out")\n'
        ),
        Example(
            "from trl import SFTTrainer\n\n"
            "trainer = SFTTrainer(model=model, args=cfg, tokenizer=tok)\n",
            note="trl's trainer has its own signature",
        ),
        Example(
            "from transformers import Trainer\n\n"
            "class MyTrainer(Trainer):\n"
            "    def __init__(self, *args, tokenizer=None, **kwargs):\n"
            "        super().__init__(*args, processing_class=tokenizer, **kwargs)\n"
            "        self.tokenizer = tokenizer\n\n"
            "trainer = MyTrainer(model=model, args=args, tokenizer=tok)\n"
            "print(trainer.tokenizer)\n",
            note="a subclass whose own __init__ takes the keyword and sets the attribute",
        ),
        Example(
            "from transformers import Trainer\n\n"
            "trainer = Trainer(model=model, args=args)\n"
            "trainer.tokenizer = tok\n"
            "print(trainer.tokenizer)\n",
            note="the attribute is set by the script itself",
        ),
        Example(
            "from transformers import DataCollatorWithPadding\n\n"
            "collator = DataCollatorWithPadding(tokenizer=tok)\n",
            note="collators do take tokenizer=",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        keywords = [
            (t, arg) for t in transformers_trainers(ctx.facts) if (arg := t.obj.call.kw(OLD))
        ]
        reads = [use for use in ctx.facts.attr_uses if self._library_read(ctx, use)]
        if not keywords and not reads:
            return
        tk = ctx.target_knowledge
        if not tk.trainer_init_params or not tk.trainer_members:
            return
        for trainer, arg in keywords:
            finding = self._keyword(ctx, trainer, arg)
            if finding is not None:
                yield finding
        for use in reads:
            finding = self._attribute(ctx, use)
            if finding is not None:
                yield finding

    def _keyword(self, ctx: RuleContext, trainer: TrainerCall, arg: Arg) -> Finding | None:
        tk = ctx.target_knowledge
        fix: Fix | None = None
        if NEW in trainer.obj.call.kwargs:
            fix = ctx.fix(
                f"Remove `{OLD}=` (keep `{NEW}=`)",
                ctx.remove_args(trainer.call_node, [arg.node]),
                safe=False,
            )
        elif NEW in tk.trainer_init_params:
            assert arg.node.keyword is not None
            fix = ctx.fix(f"Use `{NEW}=`", [ctx.replace(arg.node.keyword, NEW)], safe=True)
        cls = _instance_class(trainer)
        warning = tk.trainer_deprecated_kwargs.get(OLD)
        if warning or OLD in tk.trainer_renamed_kwargs:
            said = (
                f"`{cls}` warns {quoted(warning.replace('{func_name}', f'{cls}.__init__'))}"
                if warning
                else f"it is renamed `{tk.trainer_renamed_kwargs[OLD]}`"
            )
            message = f"`{OLD}=` is deprecated in {ctx.target.phrase()}: {said}. Use `{NEW}=`."
            return ctx.report(self, keyword_node(arg), message, fix=fix, severity=Severity.WARNING)
        if OLD in tk.trainer_init_params:
            return None  # a release before the rename
        older, _ = other_releases_with(ctx, "trainer_init_params", OLD)
        renamed, _ = other_releases_with(ctx, "trainer_deprecated_kwargs", OLD)
        if not older and not renamed:
            return None
        base = trainer.lineage.base.rsplit(".", 1)[-1]
        message = (
            f"`{base}` no longer takes `{OLD}=` in {ctx.target.phrase()}: the call fails with "
            f"`TypeError: {base}.__init__() got an unexpected keyword argument '{OLD}'`. "
            f"Use `{NEW}=`."
        )
        return ctx.report(self, keyword_node(arg), message, fix=fix)

    def _attribute(self, ctx: RuleContext, use: AttrUse) -> Finding | None:
        tk = ctx.target_knowledge
        fix = (
            ctx.fix(f"Use `.{NEW}`", [ctx.replace(use.node.attr, NEW)], safe=True)
            if NEW in tk.trainer_members
            else None
        )
        cls = use.obj.user_class.name if use.obj.user_class else use.obj.class_name
        warning = tk.trainer_deprecated_members.get(OLD)
        if warning:
            message = (
                f"`{cls}.{OLD}` is deprecated in {ctx.target.phrase()}: transformers warns "
                f"{quoted(warning)} Use `.{NEW}`."
            )
            return ctx.report(self, use.node.attr, message, fix=fix, severity=Severity.WARNING)
        if OLD in tk.trainer_members:
            return None
        older, _ = other_releases_with(ctx, "trainer_members", OLD)
        if not older:
            return None
        message = (
            f"`{cls}` has no `{OLD}` attribute in {ctx.target.phrase()}: reading it raises "
            f"`AttributeError: '{cls}' object has no attribute '{OLD}'`. Use `.{NEW}`."
        )
        return ctx.report(self, use.node.attr, message, fix=fix)

    @staticmethod
    def _library_read(ctx: RuleContext, use: AttrUse) -> bool:
        """A read of `<trainer>.tokenizer` where only transformers' class can define it."""
        if use.is_write or use.path != (OLD,) or use.obj.kind is not Kind.TRAINER:
            return False
        if any(w.obj is use.obj and w.is_write and w.path == (OLD,) for w in ctx.facts.attr_uses):
            return False
        if any(target is use.node for target in ctx.facts.attr_writes.get(OLD, [])):
            return False
        found = lineage(use.obj, ctx.facts)
        return (
            found is not None
            and found.base in TRANSFORMERS_TRAINERS
            and not found.overrides & {"__init__", OLD}
        )
