"""Family C, seq2seq trainers: generation at evaluation time.

`Seq2SeqTrainer` differs from `Trainer` only in evaluation: with `predict_with_generate=True`
it calls `generate()` and hands `compute_metrics` token ids. Everything else (training, loss)
is the same, so plain `Trainer` on T5 or BART is fine until a metric needs generated text.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from hflint.analyzers.facts import CallFact, FunctionFact, Kind, ObjectFact
from hflint.analyzers.findings import Edit, Finding, Fix, Severity
from hflint.analyzers.values import Const, ObjRef
from hflint.rules.base import Example, Rule
from hflint.rules.context import RuleContext
from hflint.rules.metric_flow import RAW, flow_of
from hflint.rules.trainer_facts import (
    SEQ2SEQ_ARGS,
    SEQ2SEQ_TRAINER,
    TRAINER,
    TRAINING_ARGS,
    TRANSFORMERS_ARGS,
    Setting,
    TrainerCall,
    describe_assumption,
    lineage,
    related_places,
    seq2seq_model,
    setting,
    transformers_trainers,
    use_classes,
)

# evaluate / datasets metric names that compare generated text with references
TEXT_METRICS = frozenset(
    {"rouge", "bleu", "sacrebleu", "google_bleu", "meteor", "chrf", "wer", "cer"}
)
# libraries whose metric functions take strings, so the predictions were decoded first
TEXT_METRIC_MODULES = ("sacrebleu.", "rouge_score.", "jiwer.", "nltk.translate.")
_METRIC_LOADERS = frozenset({"evaluate.load", "datasets.load_metric"})
# Trainer methods a subclass may override to generate (or to evaluate) its own way
_EVAL_OVERRIDES = (
    "prediction_step",
    "evaluate",
    "evaluation_loop",
    "prediction_loop",
    "predict",
    "compute_loss",
)


def seq2seq_only_fields(ctx: RuleContext) -> frozenset[str]:
    """The fields `Seq2SeqTrainingArguments` adds to `TrainingArguments` in the installed
    transformers (empty when transformers is not installed: the rules then stay silent)."""
    k = ctx.knowledge
    if not k.training_args_fields or not k.seq2seq_training_args_fields:
        return frozenset()
    return k.seq2seq_training_args_fields - k.training_args_fields


def _metric_name(call: CallFact) -> str | None:
    """The text metric a call loads or uses (`evaluate.load("rouge")`, `rouge.compute(...)`)."""
    name: object = None
    if call.qualname in _METRIC_LOADERS and call.args:
        first = call.args[0].value
        name = first.value if isinstance(first, Const) else None
    elif isinstance(call.receiver, ObjRef) and call.receiver.obj.kind is Kind.METRIC:
        checkpoint = call.receiver.obj.checkpoint
        name = checkpoint.value if isinstance(checkpoint, Const) else None
    elif call.qualname is not None and call.qualname.startswith(TEXT_METRIC_MODULES):
        return call.qualname.split(".")[0]
    if isinstance(name, str):
        short = name.rstrip("/").rsplit("/", 1)[-1].lower()
        return short if short in TEXT_METRICS else None
    return None


def text_metric_evidence(ctx: RuleContext, fn: FunctionFact) -> tuple[cst.Call, str] | None:
    """Where `compute_metrics` decodes predictions or scores text, and how it says so.

    None when the function takes the `argmax` of the logits it picked out of the predictions
    (`p.predictions[0]`, or after `if isinstance(preds, tuple)`), or of a value not followed:
    then it knows it gets logits (teacher-forced predictions are a deliberate, cheap stand-in
    for generation). An `argmax` over the whole predictions does not know: for an
    encoder-decoder they are a tuple, and it fails (HF907).
    """
    argmaxes = [
        c for c in fn.calls if c.method == "argmax" or (c.qualname or "").endswith(".argmax")
    ]
    if argmaxes:
        raw = {id(a.node) for a in flow_of(ctx, fn).argmaxes if a.of.kind == RAW}
        if any(id(c.node) not in raw for c in argmaxes):
            return None
    for call in fn.calls:
        if call.method == "batch_decode" or (call.method == "decode" and not _decodes_bytes(call)):
            return call.node, f"decodes the predictions with `{call.method}`"
    for call in fn.calls:
        metric = _metric_name(call)
        if metric is not None:
            return call.node, f"scores text with the `{metric}` metric"
    return None


def _decodes_bytes(call: CallFact) -> bool:
    """`data.decode("utf-8")`: bytes, not token ids."""
    first = call.arg(0, "encoding")
    return (
        first is not None and isinstance(first.value, Const) and isinstance(first.value.value, str)
    )


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _set_true(ctx: RuleContext, args: ObjectFact, name: str) -> Edit | None:
    """`name=True` on the call that made `args`: replace a constant value or add the kwarg."""
    arg = args.kw(name)
    if arg is None:
        return ctx.add_kwarg(args.node, f"{name}=True")
    if isinstance(arg.value, Const) and not arg.value.value:
        return ctx.replace(arg.expr, "True")
    return None


class GenerationMetricsWithoutPredictWithGenerate(Rule):
    code = "HF301"
    name = "generation-metrics-without-predict-with-generate"
    severity = Severity.WARNING
    summary = "Text metrics on an encoder-decoder, but evaluation never calls generate()"
    what = (
        "Checks for a `Trainer`, or a `Seq2SeqTrainer` without `predict_with_generate=True`, "
        "that trains an encoder-decoder model (loaded with `AutoModelForSeq2SeqLM` / "
        "`AutoModelForSpeechSeq2Seq`, an encoder-decoder class, or a checkpoint whose config "
        "resolves to one) and whose `compute_metrics` decodes the predictions (`batch_decode`, "
        "`decode`) or computes a text metric (ROUGE, BLEU, sacreBLEU, METEOR, chrF, WER, CER).\n\n"
        "Loss-only training, a `compute_metrics` that takes the `argmax` of the logits itself, "
        "`preprocess_logits_for_metrics=`, and subclasses that override `prediction_step`, "
        "`evaluate` or `compute_loss` are left alone."
    )
    why = (
        "Without generation, the evaluation loop hands `compute_metrics` the forward pass's "
        "outputs, not token ids: for BART, a tuple of logits `(8, 12, 300)` and encoder states "
        "`(8, 11, 32)`. `Seq2SeqTrainer` only generates when `predict_with_generate=True` "
        "(`if not self.args.predict_with_generate or prediction_loss_only: return "
        "super().prediction_step(...)`). Decoding logits fails or yields nonsense; on a 3-D "
        "float array transformers 5.23.0 raises:\n\n"
        "    TypeError: 'list' object cannot be interpreted as an integer"
    )
    example = """
args = TrainingArguments(output_dir="out", eval_strategy="epoch")
trainer = Trainer(model=t5, args=args, eval_dataset=val, compute_metrics=rouge_metrics)
"""
    use_instead = """
args = Seq2SeqTrainingArguments(output_dir="out", eval_strategy="epoch", predict_with_generate=True)
trainer = Seq2SeqTrainer(model=t5, args=args, eval_dataset=val, compute_metrics=rouge_metrics)
"""
    fix_safety = (
        "Unsafe: evaluation becomes slower (it generates) and its results change. The fix "
        "switches to `Seq2SeqTrainer` / `Seq2SeqTrainingArguments` and sets "
        "`predict_with_generate=True`; add `generation_max_length` / `generation_num_beams` "
        "if the model's generation config does not suit evaluation."
    )
    references = (
        "https://huggingface.co/docs/transformers/main_classes/trainer#transformers.Seq2SeqTrainer",
        "transformers/trainer_seq2seq.py (Seq2SeqTrainer.prediction_step)",
    )
    triggers = (
        Example(
            """import evaluate
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer, Trainer, TrainingArguments

tok = AutoTokenizer.from_pretrained("t5-small")
t5 = AutoModelForSeq2SeqLM.from_pretrained("t5-small")
rouge = evaluate.load("rouge")

def rouge_metrics(eval_pred):
    preds, labels = eval_pred
    decoded = tok.batch_decode(preds, skip_special_tokens=True)
    refs = tok.batch_decode(labels, skip_special_tokens=True)
    return rouge.compute(predictions=decoded, references=refs)

args = TrainingArguments(output_dir="out", eval_strategy="epoch")
trainer = Trainer(model=t5, args=args, eval_dataset=val, compute_metrics=rouge_metrics)
""",
            note="the catalogue's example",
            fixed="""import evaluate
from transformers import (
    AutoModelForSeq2SeqLM,
    AutoTokenizer,
    Seq2SeqTrainer,
    Seq2SeqTrainingArguments,
)

tok = AutoTokenizer.from_pretrained("t5-small")
t5 = AutoModelForSeq2SeqLM.from_pretrained("t5-small")
rouge = evaluate.load("rouge")

def rouge_metrics(eval_pred):
    preds, labels = eval_pred
    decoded = tok.batch_decode(preds, skip_special_tokens=True)
    refs = tok.batch_decode(labels, skip_special_tokens=True)
    return rouge.compute(predictions=decoded, references=refs)

args = Seq2SeqTrainingArguments(output_dir="out", eval_strategy="epoch", predict_with_generate=True)
trainer = Seq2SeqTrainer(model=t5, args=args, eval_dataset=val, compute_metrics=rouge_metrics)
""",
        ),
        Example(
            """import evaluate
import transformers as T

model = T.AutoModelForSeq2SeqLM.from_pretrained("Helsinki-NLP/opus-mt-en-de")
bleu = evaluate.load("sacrebleu")

def compute_metrics(p):
    return bleu.compute(predictions=p.predictions, references=p.label_ids)

training_args = T.Seq2SeqTrainingArguments(
    output_dir="out",
    eval_strategy="steps",
    generation_num_beams=4,
)
trainer = T.Seq2SeqTrainer(
    model=model,
    args=training_args,
    train_dataset=train,
    eval_dataset=val,
    compute_metrics=compute_metrics,
)
""",
            note="Seq2SeqTrainer through a module alias, predict_with_generate missing",
        ),
        Example(
            """from functools import partial
import evaluate
from transformers import (
    AutoModelForSpeechSeq2Seq,
    Seq2SeqTrainer,
    Seq2SeqTrainingArguments,
)

wer = evaluate.load("wer")

def compute_metrics(pred, tokenizer):
    text = tokenizer.batch_decode(pred.predictions, skip_special_tokens=True)
    return {"wer": wer.compute(predictions=text, references=pred.label_ids)}

def model_init():
    return AutoModelForSpeechSeq2Seq.from_pretrained("openai/whisper-tiny")

args = Seq2SeqTrainingArguments(output_dir="whisper", predict_with_generate=False)
trainer = Seq2SeqTrainer(
    args=args, model_init=model_init, compute_metrics=partial(compute_metrics, tokenizer=tok)
)
""",
            note="model_init, partial(), predict_with_generate=False",
        ),
        Example(
            """import sacrebleu
from transformers import T5ForConditionalGeneration, Trainer

model = T5ForConditionalGeneration.from_pretrained("google-t5/t5-small")

def metrics(eval_pred):
    hyps = [str(p) for p in eval_pred.predictions]
    return {"bleu": sacrebleu.corpus_bleu(hyps, [eval_pred.label_ids]).score}

Trainer(model, compute_metrics=metrics, eval_dataset=ds)
""",
            note="a concrete encoder-decoder class, positional model, sacrebleu",
        ),
        Example(
            """import numpy as np
from transformers import AutoModelForSeq2SeqLM, Trainer

model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")

def compute_metrics(p):
    ids = np.argmax(p.predictions, axis=-1)
    return {"n": len(tok.batch_decode(ids))}

Trainer(model=model, compute_metrics=compute_metrics)
""",
            note="an argmax over the whole predictions (a tuple here) is no sign of intent",
        ),
    )
    near_misses = (
        Example(
            """from transformers import AutoModelForSeq2SeqLM, Trainer, TrainingArguments

model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")
args = TrainingArguments(output_dir="out", eval_strategy="epoch")
trainer = Trainer(model=model, args=args, train_dataset=train, eval_dataset=val)
""",
            note="loss-only training of a seq2seq model with plain Trainer is fine",
        ),
        Example(
            """import evaluate
from transformers import AutoModelForSeq2SeqLM, Seq2SeqTrainer, Seq2SeqTrainingArguments

rouge = evaluate.load("rouge")
model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")

def compute_metrics(p):
    return rouge.compute(predictions=tok.batch_decode(p.predictions), references=refs)

args = Seq2SeqTrainingArguments(output_dir="out", predict_with_generate=True)
Seq2SeqTrainer(model=model, args=args, compute_metrics=compute_metrics)
""",
            note="generation is on",
        ),
        Example(
            """from transformers import AutoModelForSeq2SeqLM, Trainer

class GenTrainer(Trainer):
    def prediction_step(self, model, inputs, prediction_loss_only, ignore_keys=None):
        ids = model.generate(**inputs)
        return None, ids, inputs["labels"]

model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")

def compute_metrics(p):
    return {"n": len(tok.batch_decode(p.predictions))}

GenTrainer(model=model, compute_metrics=compute_metrics)
""",
            note="a subclass that generates in prediction_step",
        ),
        Example(
            """from transformers import AutoModelForCausalLM, Seq2SeqTrainer, Seq2SeqTrainingArguments

model = AutoModelForCausalLM.from_pretrained("gpt2")

def compute_metrics(p):
    return {"n": len(tok.batch_decode(p.predictions))}

args = Seq2SeqTrainingArguments(output_dir="out")
Seq2SeqTrainer(model=model, args=args, compute_metrics=compute_metrics)
""",
            note="Seq2SeqTrainer with a decoder-only model is legal; no encoder-decoder here",
        ),
        Example(
            """import numpy as np
from transformers import AutoModelForSeq2SeqLM, Trainer

model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")

def compute_metrics(p):
    ids = np.argmax(p.predictions[0], axis=-1)
    return {"n": len(tok.batch_decode(ids))}

Trainer(model=model, compute_metrics=compute_metrics)
""",
            note="compute_metrics takes the argmax itself (teacher-forced predictions)",
        ),
        Example(
            """import numpy as np
from transformers import AutoModelForSeq2SeqLM, Trainer

model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")

def compute_metrics(p):
    logits = p.predictions[0] if isinstance(p.predictions, tuple) else p.predictions
    ids = np.argmax(logits, axis=-1)
    return rouge.compute(predictions=tok.batch_decode(ids), references=refs)

Trainer(model=model, compute_metrics=compute_metrics)
""",
            note="the logits are picked out of the tuple before the argmax",
        ),
        Example(
            """import evaluate
from transformers import AutoModel, Trainer

rouge = evaluate.load("rouge")
model = AutoModel.from_pretrained(args.model_name)

def compute_metrics(p):
    return rouge.compute(predictions=tok.batch_decode(p.predictions), references=refs)

Trainer(model=model, compute_metrics=compute_metrics)
""",
            note="unknown checkpoint behind a generic Auto class",
        ),
        Example(
            """from transformers import AutoModelForSeq2SeqLM, HfArgumentParser
from transformers import Seq2SeqTrainer, Seq2SeqTrainingArguments

(training_args,) = HfArgumentParser(Seq2SeqTrainingArguments).parse_args_into_dataclasses()
model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")

def compute_metrics(p):
    return {"n": len(tok.batch_decode(p.predictions))}

Seq2SeqTrainer(model=model, args=training_args, compute_metrics=compute_metrics)
""",
            note="arguments from the command line: predict_with_generate unknown",
        ),
        Example(
            """from trl import SFTTrainer
from transformers import AutoModelForSeq2SeqLM

model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")

def compute_metrics(p):
    return {"n": len(tok.batch_decode(p.predictions))}

SFTTrainer(model=model, compute_metrics=compute_metrics)
""",
            note="trl's trainer",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for trainer in transformers_trainers(ctx.facts):
            if trainer.overrides(*_EVAL_OVERRIDES):
                continue
            if trainer.passes("preprocess_logits_for_metrics") is not False:
                continue
            fn = trainer.function("compute_metrics")
            evidence = text_metric_evidence(ctx, fn) if fn is not None else None
            model = trainer.model()
            if fn is None or evidence is None or model is None:
                continue
            kind = seq2seq_model(ctx, model)
            if kind is None:
                continue
            off = self._generation_off(ctx, trainer)
            if off is None:
                continue
            args, assumed = off
            severity = self.severity.lowered() if kind.assumed or assumed else self.severity
            name = "Trainer" if trainer.lineage.base == TRAINER else "Seq2SeqTrainer"
            reason = (
                "`Trainer` never generates"
                if name == "Trainer"
                else "its arguments lack `predict_with_generate=True`"
            )
            message = (
                f"`{fn.name}` {evidence[1]}, but this `{name}` evaluates without generating: "
                f"{reason}{describe_assumption(assumed)}. The model is an encoder-decoder "
                f"({kind.because}), so `compute_metrics` receives the forward pass's logits "
                "(a tuple of logits and encoder states), not token ids; decoding them fails "
                "(`TypeError: 'list' object cannot be interpreted as an integer`) or yields "
                "nonsense. Use `Seq2SeqTrainer` with `Seq2SeqTrainingArguments("
                "predict_with_generate=True)`."
            )
            related = related_places(
                ctx,
                (kind.model, "encoder-decoder model loaded here"),
                (args, "training arguments created here"),
                (evidence[0], f"`{fn.name}` uses generated text here"),
            )
            yield ctx.report(
                self,
                trainer.call_node.func,
                message,
                fix=self._fix(ctx, trainer, args),
                related=related,
                severity=severity,
            )

    @staticmethod
    def _generation_off(
        ctx: RuleContext, trainer: TrainerCall
    ) -> tuple[ObjectFact | None, str] | None:
        """(the arguments object, what was assumed) when evaluation surely does not generate."""
        args = trainer.args()
        if args is not None:
            args_line = lineage(args, ctx.facts)
            if args_line is None or args_line.base not in TRANSFORMERS_ARGS:
                return None
            pwg = setting(args, "predict_with_generate", ctx.facts, default=False)
            if pwg is not None and pwg.value:
                return None  # generation intended: HF302 / HF303 say what is in the way
            if trainer.lineage.base == TRAINER:
                return args, pwg.assumed if pwg is not None else ""
            if pwg is None:
                return None
            return args, pwg.assumed
        if trainer.lineage.base == TRAINER and trainer.passes("args") is not None:
            return None, ""
        return None

    @staticmethod
    def _fix(ctx: RuleContext, trainer: TrainerCall, args: ObjectFact | None) -> Fix | None:
        if args is None or args.user_class is not None:
            return None
        renames: list[tuple[cst.BaseExpression, str]] = []
        if trainer.lineage.base == TRAINER:
            if not trainer.is_plain_trainer:
                return None
            renames.append((trainer.call_node.func, SEQ2SEQ_TRAINER))
        if args.qualname == TRAINING_ARGS:
            renames.append((args.node.func, SEQ2SEQ_ARGS))
        edits = [*use_classes(ctx, renames), _set_true(ctx, args, "predict_with_generate")]
        return ctx.fix("Use `Seq2SeqTrainer` with `predict_with_generate=True`", edits, safe=False)


def _generation_setting(args: ObjectFact, name: str, ctx: RuleContext) -> Setting | None:
    """A constant setting, or an object made in this file (`generation_config=GenerationConfig(...)`)."""
    arg = args.kw(name)
    if arg is not None and isinstance(arg.value, ObjRef):
        return Setting(name, arg.value.obj, arg)
    return setting(args, name, ctx.facts)


class Seq2SeqArgsWithPlainTrainer(Rule):
    code = "HF302"
    name = "seq2seq-args-with-plain-trainer"
    severity = Severity.WARNING
    summary = "Seq2SeqTrainingArguments' generation settings given to a plain Trainer"
    what = (
        "Checks for `Trainer(args=Seq2SeqTrainingArguments(...))`, directly or through a "
        "variable, with no subclass of `Trainer` in between, where the arguments set one of the "
        "fields only `Seq2SeqTrainer` reads (`predict_with_generate`, `generation_max_length`, "
        "`generation_num_beams`, `generation_config`, ...: the fields `Seq2SeqTrainingArguments` "
        "adds in the installed transformers)."
    )
    why = (
        "Plain `Trainer` never reads `predict_with_generate`, `generation_max_length`, "
        "`generation_num_beams` or `generation_config`. Evaluation runs a forward pass and "
        "`compute_metrics` receives logits, silently: transformers prints no message (observed "
        "with `Trainer` + `Seq2SeqTrainingArguments(predict_with_generate=True)` in 5.23.0)."
    )
    example = """
args = Seq2SeqTrainingArguments(output_dir="out", predict_with_generate=True)
trainer = Trainer(model=model, args=args, eval_dataset=val, compute_metrics=cm)
"""
    use_instead = """
args = Seq2SeqTrainingArguments(output_dir="out", predict_with_generate=True)
trainer = Seq2SeqTrainer(model=model, args=args, eval_dataset=val, compute_metrics=cm)
"""
    fix_safety = (
        "Safe: `Seq2SeqTrainer` subclasses `Trainer`, takes the same `__init__` parameters and "
        "behaves identically when `predict_with_generate` is off; it only starts honouring the "
        "generation settings the arguments already ask for."
    )
    references = (
        "https://huggingface.co/docs/transformers/main_classes/trainer#transformers.Seq2SeqTrainer",
        "transformers/trainer_seq2seq.py; transformers/training_args_seq2seq.py",
    )
    triggers = (
        Example(
            """from transformers import Seq2SeqTrainingArguments, Trainer

args = Seq2SeqTrainingArguments(output_dir="out", predict_with_generate=True)
trainer = Trainer(model=model, args=args, eval_dataset=val, compute_metrics=cm)
""",
            note="the catalogue's example",
            fixed="""from transformers import Seq2SeqTrainer, Seq2SeqTrainingArguments

args = Seq2SeqTrainingArguments(output_dir="out", predict_with_generate=True)
trainer = Seq2SeqTrainer(model=model, args=args, eval_dataset=val, compute_metrics=cm)
""",
        ),
        Example(
            """import transformers as T

trainer = T.Trainer(
    model=model,
    args=T.Seq2SeqTrainingArguments(
        output_dir="out",
        predict_with_generate=True,
        generation_num_beams=4,
    ),
    eval_dataset=val,
)
""",
            note="module alias, arguments built inline over several lines",
            fixed="""import transformers as T

trainer = T.Seq2SeqTrainer(
    model=model,
    args=T.Seq2SeqTrainingArguments(
        output_dir="out",
        predict_with_generate=True,
        generation_num_beams=4,
    ),
    eval_dataset=val,
)
""",
        ),
        Example(
            """from transformers import Seq2SeqTrainingArguments
from transformers import Trainer as HFTrainer

def build(model, train):
    args = Seq2SeqTrainingArguments("out", generation_max_length=128)
    return HFTrainer(model, args, None, train)
""",
            note="aliased import, positional arguments, inside a function: the alias goes",
            fixed="""from transformers import Seq2SeqTrainer, Seq2SeqTrainingArguments

def build(model, train):
    args = Seq2SeqTrainingArguments("out", generation_max_length=128)
    return Seq2SeqTrainer(model, args, None, train)
""",
        ),
    )
    near_misses = (
        Example(
            """from transformers import Seq2SeqTrainer, Seq2SeqTrainingArguments

args = Seq2SeqTrainingArguments(output_dir="out", predict_with_generate=True)
Seq2SeqTrainer(model=model, args=args)
"""
        ),
        Example(
            """from transformers import Seq2SeqTrainingArguments, Trainer

args = Seq2SeqTrainingArguments(output_dir="out", learning_rate=3e-4)
Trainer(model=model, args=args)
""",
            note="no generation setting: plain Trainer behaves the same",
        ),
        Example(
            """from transformers import Seq2SeqTrainingArguments, Trainer

class MyTrainer(Trainer):
    def evaluate(self, *args, **kwargs):
        return self.my_generation_eval()

args = Seq2SeqTrainingArguments(output_dir="out", predict_with_generate=True)
MyTrainer(model=model, args=args)
""",
            note="a subclass in between",
        ),
        Example(
            """from trl import SFTConfig, SFTTrainer

args = SFTConfig(output_dir="out", max_length=512)
SFTTrainer(model=model, args=args, train_dataset=ds)
""",
            note="trl",
        ),
        Example(
            """from transformers import Seq2SeqTrainingArguments, Trainer

args = Seq2SeqTrainingArguments(output_dir="out", predict_with_generate=False)
Trainer(model=model, args=args)
""",
            note="generation explicitly off",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        fields = seq2seq_only_fields(ctx)
        if not fields:
            return
        for trainer in transformers_trainers(ctx.facts):
            args = trainer.args()
            if not trainer.is_plain_trainer or args is None:
                continue
            args_line = lineage(args, ctx.facts)
            if args_line is None or args_line.base != SEQ2SEQ_ARGS:
                continue
            used = [
                s
                for s in (_generation_setting(args, f, ctx) for f in sorted(fields))
                if s is not None and s.value not in (None, False)
            ]
            if not used:
                continue
            names = _and([f"`{s.name}`" for s in used])
            assumed = next((s.assumed for s in used if s.assumed), "")
            message = (
                f"Plain `Trainer` ignores {names} of `Seq2SeqTrainingArguments`"
                f"{describe_assumption(assumed)}: it never generates, so evaluation runs a "
                "forward pass and `compute_metrics` receives logits, with no message from "
                "transformers. Use `Seq2SeqTrainer`, which takes the same arguments."
            )
            func = trainer.call_node.func
            fix = ctx.fix(
                "Use `Seq2SeqTrainer`", use_classes(ctx, [(func, SEQ2SEQ_TRAINER)]), safe=True
            )
            yield ctx.report(
                self,
                func,
                message,
                fix=fix,
                related=related_places(ctx, (args, "Seq2SeqTrainingArguments created here")),
                severity=self.severity.lowered() if assumed else self.severity,
            )


class Seq2SeqOnlyArgsOnTrainingArguments(Rule):
    code = "HF303"
    name = "seq2seq-only-args-on-training-arguments"
    severity = Severity.ERROR
    summary = "Seq2SeqTrainingArguments-only field passed to TrainingArguments"
    what = (
        "Checks for `TrainingArguments(...)` called with a field that only "
        "`Seq2SeqTrainingArguments` has: in transformers 5.23.0 `predict_with_generate`, "
        "`generation_max_length`, `generation_num_beams`, `generation_config` and "
        "`sortish_sampler`. The set is read from the installed transformers' dataclass fields; "
        "subclasses such as trl's `SFTConfig` or your own are not checked."
    )
    why = (
        "The dataclass rejects the keyword before anything runs:\n\n"
        "    TypeError: TrainingArguments.__init__() got an unexpected keyword argument "
        "'predict_with_generate'"
    )
    example = """
args = TrainingArguments(output_dir="out", predict_with_generate=True, generation_num_beams=4)
"""
    use_instead = """
args = Seq2SeqTrainingArguments(output_dir="out", predict_with_generate=True, generation_num_beams=4)
"""
    fix_safety = (
        "Safe: `Seq2SeqTrainingArguments` subclasses `TrainingArguments` and only adds these "
        "fields. When the arguments go to a plain `Trainer` in this file, the fix also makes "
        "that call `Seq2SeqTrainer` (HF302), which would otherwise ignore them."
    )
    references = (
        "https://huggingface.co/docs/transformers/main_classes/trainer#transformers.Seq2SeqTrainingArguments",
        "transformers/training_args_seq2seq.py",
    )
    triggers = (
        Example(
            """from transformers import TrainingArguments

args = TrainingArguments(output_dir="out", predict_with_generate=True, generation_num_beams=4)
""",
            note="the catalogue's example",
            fixed="""from transformers import Seq2SeqTrainingArguments

args = Seq2SeqTrainingArguments(output_dir="out", predict_with_generate=True, generation_num_beams=4)
""",
        ),
        Example(
            """import transformers as T

training_args = T.TrainingArguments(
    output_dir="out",
    learning_rate=5e-5,
    generation_max_length=128,
)
trainer = T.Seq2SeqTrainer(model=model, args=training_args)
""",
            note="module alias, multi-line call",
        ),
        Example(
            """from transformers import Trainer, TrainingArguments

args = TrainingArguments(output_dir="out", predict_with_generate=True)
trainer = Trainer(model=model, args=args, eval_dataset=val)
""",
            note="with a plain Trainer: the fix switches both",
            fixed="""from transformers import Seq2SeqTrainer, Seq2SeqTrainingArguments

args = Seq2SeqTrainingArguments(output_dir="out", predict_with_generate=True)
trainer = Seq2SeqTrainer(model=model, args=args, eval_dataset=val)
""",
        ),
        Example(
            """from transformers import TrainingArguments as TA

def make_args(out):
    return TA(out, sortish_sampler=True)
""",
            note="aliased class inside a function",
        ),
    )
    near_misses = (
        Example(
            """from transformers import Seq2SeqTrainingArguments

args = Seq2SeqTrainingArguments(output_dir="out", predict_with_generate=True)
"""
        ),
        Example(
            """from dataclasses import dataclass
from transformers import TrainingArguments

@dataclass
class MyArgs(TrainingArguments):
    predict_with_generate: bool = False

args = MyArgs(output_dir="out", predict_with_generate=True)
""",
            note="a subclass that declares the field itself",
        ),
        Example(
            """from trl import SFTConfig

args = SFTConfig(output_dir="out", max_length=512, packing=True)
""",
            note="trl's config has its own fields",
        ),
        Example(
            """import json

from transformers import TrainingArguments

extra = json.load(open("train_config.json"))
args = TrainingArguments(output_dir="out", **extra)
""",
            note="fields passed through **kwargs of unknown content are not guessed",
        ),
        Example(
            """from mylib import TrainingArguments

args = TrainingArguments(output_dir="out", predict_with_generate=True)
""",
            note="not transformers",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        fields = seq2seq_only_fields(ctx)
        if not fields:
            return
        for args in ctx.objects(Kind.TRAINING_ARGS):
            if args.qualname != TRAINING_ARGS or args.user_class is not None:
                continue
            offending = [(key, arg) for key, arg in args.call.kwargs.items() if key in fields]
            if not offending:
                continue
            fix = self._fix(ctx, args)
            for key, arg in offending:
                assert arg.node.keyword is not None
                message = (
                    f"`{key}` is a field of `Seq2SeqTrainingArguments`, not `TrainingArguments`: "
                    "this call fails with `TypeError: TrainingArguments.__init__() got an "
                    f"unexpected keyword argument '{key}'`. Use `Seq2SeqTrainingArguments` (and "
                    "`Seq2SeqTrainer`, the trainer that reads it)."
                )
                yield ctx.report(self, arg.node.keyword, message, fix=fix)

    @staticmethod
    def _fix(ctx: RuleContext, args: ObjectFact) -> Fix | None:
        renames: list[tuple[cst.BaseExpression, str]] = [(args.node.func, SEQ2SEQ_ARGS)]
        for trainer in transformers_trainers(ctx.facts):
            if trainer.is_plain_trainer and trainer.args() is args:
                renames.append((trainer.call_node.func, SEQ2SEQ_TRAINER))
        return ctx.fix("Use `Seq2SeqTrainingArguments`", use_classes(ctx, renames), safe=True)
