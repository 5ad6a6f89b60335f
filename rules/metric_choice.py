"""Family I, metrics: BLEU on summarization, ROUGE on translation.

Neither raises anything; the numbers are just not the ones the task is reported with. The
file's own evidence decides the task (dataset ids, T5 prefixes, language pairs, translation or
summarization checkpoints), and only one-sided evidence counts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from hflint.analyzers.facts import CallFact, Kind
from hflint.analyzers.findings import Finding, Related, Severity
from hflint.analyzers.values import Const, Value
from hflint.rules.base import Example, Rule
from hflint.rules.context import RuleContext

SUMMARIZATION, TRANSLATION = "summarization", "translation"
METRIC_LOADERS = frozenset({"evaluate.load", "datasets.load_metric"})
BLEU_FAMILY = frozenset({"bleu", "sacrebleu", "google_bleu"})
ROUGE = "rouge"
# metrics that make a ROUGE score in a translation script an addition, not the main number
_MT_METRICS = BLEU_FAMILY | {"chrf", "ter", "comet", "bleurt", "charcut_mt", "nist_mt"}

# dataset ids (their last path part, lower case, "-" read as "_")
_SUMMARIZATION_DATASETS = frozenset(
    {
        "cnn_dailymail",
        "xsum",
        "samsum",
        "billsum",
        "multi_news",
        "gigaword",
        "big_patent",
        "scientific_papers",
        "reddit_tifu",
        "wikihow",
        "newsroom",
        "aeslc",
        "dialogsum",
        "booksum",
        "govreport",
        "qmsum",
        "mlsum",
        "wiki_lingua",
        "xlsum",
    }
)
_TRANSLATION_DATASET_PREFIXES = (
    "wmt",
    "opus",
    "iwslt",
    "flores",
    "kde4",
    "tatoeba",
    "europarl",
    "news_commentary",
    "para_crawl",
    "un_pc",
    "multi30k",
    "ted_talks_iwslt",
)
_SUMMARIZATION_CHECKPOINT_HINTS = (
    "-cnn",
    "_cnn",
    "cnn_dailymail",
    "cnn-dailymail",
    "xsum",
    "samsum",
    "billsum",
    "multi_news",
    "summar",
)
_TRANSLATION_CHECKPOINT_HINTS = ("opus-mt", "m2m100", "nllb", "wmt", "-mmt", "madlad")
_TRANSLATION_CLASSES = frozenset(
    {
        "MarianMTModel",
        "MarianTokenizer",
        "M2M100ForConditionalGeneration",
        "M2M100Tokenizer",
        "NllbTokenizer",
        "NllbTokenizerFast",
    }
)
_TRANSLATE_PREFIX = re.compile(r"^translate [A-Za-z]+ to [A-Za-z]+:")
# metric classes and functions of other libraries: qualified name -> metric
_LIBRARY_METRICS = {
    "sacrebleu.corpus_bleu": "sacrebleu",
    "sacrebleu.sentence_bleu": "sacrebleu",
    "sacrebleu.raw_corpus_bleu": "sacrebleu",
    "sacrebleu.BLEU": "sacrebleu",
    "sacrebleu.metrics.BLEU": "sacrebleu",
    "sacrebleu.corpus_chrf": "chrf",
    "sacrebleu.CHRF": "chrf",
    "sacrebleu.metrics.CHRF": "chrf",
    "sacrebleu.corpus_ter": "ter",
    "sacrebleu.TER": "ter",
    "nltk.translate.bleu_score.corpus_bleu": "bleu",
    "nltk.translate.bleu_score.sentence_bleu": "bleu",
    "nltk.translate.bleu_score.SmoothingFunction": "bleu",
    "rouge_score.rouge_scorer.RougeScorer": "rouge",
    "torchmetrics.text.BLEUScore": "bleu",
    "torchmetrics.text.SacreBLEUScore": "sacrebleu",
    "torchmetrics.text.ROUGEScore": "rouge",
    "torchmetrics.text.rouge.ROUGEScore": "rouge",
    "torchmetrics.functional.text.bleu_score": "bleu",
    "torchmetrics.functional.text.rouge_score": "rouge",
}


@dataclass(frozen=True)
class MetricUse:
    """One metric a call loads or computes, and the node to point at."""

    metric: str
    node: cst.CSTNode
    call: CallFact


@dataclass(frozen=True)
class Evidence:
    task: str
    what: str  # e.g. "`load_dataset(\"abisee/cnn_dailymail\")`"
    node: cst.CSTNode | None = None
    assumed: str = ""  # a command-line default the evidence rests on


def canonical_metric(name: str) -> str | None:
    """`bleu`, `evaluate-metric/bleu` -> `bleu`; community ids (`org/bleu`) and paths -> None."""
    if name.startswith("evaluate-metric/"):
        name = name.split("/", 1)[1]
    if "/" in name or "\\" in name or name.endswith(".py"):
        return None
    return name.lower()


def metric_uses(ctx: RuleContext) -> Iterator[MetricUse]:
    for call in ctx.facts.calls:
        qual = call.qualname
        if qual in METRIC_LOADERS:
            arg = call.arg(0, "path")
            name = _const_str(arg.value) if arg is not None else None
            metric = canonical_metric(name) if name is not None else None
            if arg is not None and metric is not None:
                yield MetricUse(metric, arg.expr, call)
        elif qual == "evaluate.combine":
            arg = call.arg(0, "evaluations")
            if arg is not None and isinstance(arg.expr, (cst.List, cst.Tuple)):
                for element in arg.expr.elements:
                    value = element.value
                    if isinstance(value, cst.SimpleString):
                        text = value.evaluated_value
                        metric = canonical_metric(text) if isinstance(text, str) else None
                        if metric is not None:
                            yield MetricUse(metric, value, call)
        elif qual is not None and qual in _LIBRARY_METRICS:
            yield MetricUse(_LIBRARY_METRICS[qual], call.node.func, call)


def _const_str(value: Value) -> str | None:
    return value.value if isinstance(value, Const) and isinstance(value.value, str) else None


def _dataset_task(dataset: str) -> str | None:
    short = dataset.rstrip("/").rsplit("/", 1)[-1].lower().replace("-", "_")
    if short in _SUMMARIZATION_DATASETS or "summar" in short:
        return SUMMARIZATION
    if short.startswith(_TRANSLATION_DATASET_PREFIXES) or "translation" in short:
        return TRANSLATION
    return None


def _checkpoint_task(name: str) -> str | None:
    low = name.lower()
    summarization = any(h in low for h in _SUMMARIZATION_CHECKPOINT_HINTS)
    translation = any(h in low for h in _TRANSLATION_CHECKPOINT_HINTS)
    if summarization == translation:
        return None
    return SUMMARIZATION if summarization else TRANSLATION


def task_evidence(ctx: RuleContext) -> list[Evidence]:
    """What in this file says summarization or translation."""
    found: list[Evidence] = []
    for call in ctx.facts.calls:
        if call.qualname == "datasets.load_dataset":
            arg = call.arg(0, "path")
            dataset = _const_str(arg.value) if arg is not None else None
            task = _dataset_task(dataset) if dataset is not None else None
            if arg is not None and dataset is not None and task is not None:
                assumed = arg.value.origin if isinstance(arg.value, Const) else ""
                overridable = isinstance(arg.value, Const) and arg.value.overridable
                found.append(
                    Evidence(
                        task,
                        f'the {task} dataset `load_dataset("{dataset}")`',
                        call.node,
                        (assumed or "a default") if overridable else "",
                    )
                )
        kwargs = call.kwargs
        if "src_lang" in kwargs and "tgt_lang" in kwargs:
            src, tgt = kwargs["src_lang"], kwargs["tgt_lang"]
            a, b = _const_str(src.value), _const_str(tgt.value)
            if a and b and a != b:
                found.append(
                    Evidence(
                        TRANSLATION, f"the language pair `src_lang={a!r}, tgt_lang={b!r}`", src.node
                    )
                )
    for obj in ctx.facts.objects:
        if obj.kind is Kind.PIPELINE:
            task_arg = obj.call.arg(0, "task")
            task_name = _const_str(task_arg.value) if task_arg is not None else None
            if task_name == "summarization":
                found.append(Evidence(SUMMARIZATION, '`pipeline("summarization")`', obj.node))
            elif task_name is not None and task_name.startswith("translation"):
                found.append(Evidence(TRANSLATION, f'`pipeline("{task_name}")`', obj.node))
        if obj.kind not in (Kind.MODEL, Kind.TOKENIZER, Kind.PIPELINE):
            continue
        if obj.class_name in _TRANSLATION_CLASSES:
            found.append(
                Evidence(TRANSLATION, f"the translation class `{obj.class_name}`", obj.node)
            )
            continue
        name = _const_str(obj.checkpoint)
        task = _checkpoint_task(name) if name is not None else None
        if name is not None and task is not None:
            over = isinstance(obj.checkpoint, Const) and obj.checkpoint.overridable
            origin = obj.checkpoint.origin if isinstance(obj.checkpoint, Const) else ""
            found.append(
                Evidence(
                    task,
                    f"the {task} checkpoint `{name}`",
                    obj.node,
                    (origin or "a default") if over else "",
                )
            )
    for text in ctx.facts.strings:
        low = text.lstrip().lower()
        if low.startswith("summarize:"):
            found.append(Evidence(SUMMARIZATION, f'the T5 prefix `"{text}"`'))
        elif _TRANSLATE_PREFIX.match(text.lstrip()):
            found.append(Evidence(TRANSLATION, f'the T5 prefix `"{text}"`'))
    return found


class MetricTaskMismatch(Rule):
    code = "HF901"
    name = "metric-task-mismatch"
    severity = Severity.INFO
    summary = "BLEU scores a summarization task, or ROUGE a translation task"
    what = (
        "Checks for a BLEU-family metric (`bleu`, `sacrebleu`, `google_bleu` through "
        "`evaluate.load`, `evaluate.combine` or `datasets.load_metric`; sacreBLEU, NLTK and "
        "torchmetrics BLEU) in a file whose task is summarization and that computes no ROUGE, "
        'and for ROUGE (`evaluate.load("rouge")`, `rouge_score`, torchmetrics) in a file '
        "whose task is translation and that computes no BLEU, chrF, TER or COMET.\n\n"
        "The task comes from the file itself: dataset ids given to `load_dataset` "
        "(`cnn_dailymail`, `xsum`, `samsum`, ... / `wmt*`, `opus*`, `iwslt*`, `kde4`, "
        '`flores*`, ...), T5 prefixes (`"summarize: "`, `"translate English to German: "`), '
        "a tokenizer's different `src_lang=`/`tgt_lang=`, translation classes (Marian, M2M100, "
        "NLLB), checkpoints named for a task (`bart-large-cnn`, `pegasus-xsum`, `opus-mt-*`, "
        '`nllb-*`) and `pipeline("summarization")`/`pipeline("translation_xx_to_yy")`. '
        "Evidence for both tasks, or none, means silence; so does a script computing both "
        "metrics. Variable names are not evidence."
    )
    why = (
        "Nothing fails: the numbers are just not the ones the task is reported with. BLEU "
        "(BiLingual Evaluation Understudy) is n-gram precision with a brevity penalty, designed "
        "for machine translation; ROUGE (Recall-Oriented Understudy for Gisting Evaluation) "
        "was designed for summarization, and evaluate's `rouge` returns the F-measures of "
        "`rouge1`, `rouge2`, `rougeL` and `rougeLsum`. A summarizer scored with BLEU, or a "
        "translator scored with ROUGE, cannot be compared with published results. For "
        "translation prefer `sacrebleu` (standardised tokenisation; its `score` is 0-100, "
        "where `bleu` returns 0-1; `references` is a list of lists). Some papers report ROUGE "
        "next to BLEU for translation, which this rule leaves alone."
    )
    example = """
ds = load_dataset("abisee/cnn_dailymail", "3.0.0")
metric = evaluate.load("bleu")
"""
    use_instead = """
ds = load_dataset("abisee/cnn_dailymail", "3.0.0")
metric = evaluate.load("rouge")  # rouge1 / rouge2 / rougeL / rougeLsum
"""
    fix_safety = (
        'No fix: another metric returns other keys (`result["bleu"]` becomes '
        '`result["rouge1"]`, sacreBLEU\'s `score`), so the code that reads the result changes '
        "too, and only the author knows which number the report needs."
    )
    references = (
        "https://huggingface.co/spaces/evaluate-metric/bleu",
        "https://huggingface.co/spaces/evaluate-metric/rouge",
        "https://huggingface.co/spaces/evaluate-metric/sacrebleu",
        "https://huggingface.co/docs/transformers/tasks/summarization#evaluate",
        "https://huggingface.co/docs/transformers/tasks/translation#evaluate",
    )
    triggers = (
        Example(
            """import evaluate
from datasets import load_dataset
from transformers import AutoModelForSeq2SeqLM

ds = load_dataset("abisee/cnn_dailymail", "3.0.0")
model = AutoModelForSeq2SeqLM.from_pretrained("facebook/bart-base")
metric = evaluate.load("bleu")
""",
            note="the catalogue's example",
        ),
        Example(
            """import evaluate as ev
import transformers as tf

prefix = "summarize: "


def build_metrics():
    scorer = ev.load("sacrebleu")
    return scorer


model = tf.T5ForConditionalGeneration.from_pretrained("google-t5/t5-small")
""",
            note="a T5 summarization prefix, module aliases, inside a function",
        ),
        Example(
            """import evaluate
from datasets import load_dataset
from transformers import AutoTokenizer

raw = load_dataset("wmt16", "ro-en")
tokenizer = AutoTokenizer.from_pretrained(
    "facebook/mbart-large-en-ro", src_lang="en_XX", tgt_lang="ro_RO"
)
rouge = evaluate.load("rouge")
""",
            note="ROUGE on WMT with a language pair",
        ),
        Example(
            """from rouge_score import rouge_scorer
from transformers import MarianMTModel, MarianTokenizer

ckpt = "Helsinki-NLP/opus-mt-en-de"
tok = MarianTokenizer.from_pretrained(ckpt)
model = MarianMTModel.from_pretrained(ckpt)
scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)
""",
            note="the rouge_score library with a Marian translation model",
        ),
        Example(
            """from datasets import load_dataset
from nltk.translate.bleu_score import corpus_bleu
from transformers import pipeline

data = load_dataset("EdinburghNLP/xsum", split="test[:100]")
summarizer = pipeline("summarization", model="google/pegasus-xsum")
score = corpus_bleu(references, hypotheses)
""",
            note="NLTK's BLEU on XSum",
        ),
    )
    near_misses = (
        Example(
            """import evaluate
from datasets import load_dataset
from transformers import AutoModelForSeq2SeqLM

ds = load_dataset("abisee/cnn_dailymail", "3.0.0")
model = AutoModelForSeq2SeqLM.from_pretrained("facebook/bart-base")
bleu = evaluate.load("bleu")
rouge = evaluate.load("rouge")
""",
            note="both metrics",
        ),
        Example(
            """import evaluate
from datasets import load_dataset
from transformers import AutoModelForSeq2SeqLM

ds = load_dataset("json", data_files="pairs.jsonl")
model = AutoModelForSeq2SeqLM.from_pretrained(args.model)
metric = evaluate.load("bleu")
""",
            note="no evidence of the task",
        ),
        Example(
            """import evaluate
from transformers import AutoModelForSeq2SeqLM

TASKS = {"sum": "summarize: ", "mt": "translate English to German: "}
model = AutoModelForSeq2SeqLM.from_pretrained("google-t5/t5-base")
metric = evaluate.load("sacrebleu")
""",
            note="evidence for both tasks (a multi-task T5 script)",
        ),
        Example(
            """import evaluate
from datasets import load_dataset
from transformers import AutoModelForSeq2SeqLM

books = load_dataset("Helsinki-NLP/opus_books", "en-fr")
model = AutoModelForSeq2SeqLM.from_pretrained("google-t5/t5-small")
metric = evaluate.load("sacrebleu")
""",
            note="BLEU on translation is right",
        ),
        Example(
            """import evaluate
from transformers import AutoTokenizer

tokenizer = AutoTokenizer.from_pretrained(
    "facebook/mbart-large-cc25", src_lang="ar_AR", tgt_lang="ar_AR"
)
rouge = evaluate.load("rouge")
""",
            note="same source and target language: monolingual (mBART summarization)",
        ),
        Example(
            """import evaluate
from datasets import load_dataset
from transformers import AutoModelForSeq2SeqLM

raw = load_dataset("wmt19", "de-en")
model = AutoModelForSeq2SeqLM.from_pretrained("facebook/wmt19-de-en")
metrics = evaluate.combine(["sacrebleu", "rouge", "chrf"])
""",
            note="ROUGE reported next to BLEU and chrF",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        uses = [u for u in metric_uses(ctx) if u.metric in BLEU_FAMILY or u.metric == ROUGE]
        if not uses:
            return
        evidence = task_evidence(ctx)
        tasks = {e.task for e in evidence}
        if len(tasks) != 1:
            return
        task = tasks.pop()
        metrics = {u.metric for u in metric_uses(ctx)}
        if task == SUMMARIZATION:
            if ROUGE in metrics:
                return
            wrong = [u for u in uses if u.metric in BLEU_FAMILY]
        else:
            if metrics & _MT_METRICS:
                return
            wrong = [u for u in uses if u.metric == ROUGE]
        certain = [e for e in evidence if not e.assumed]
        severity = self.severity if certain else self.severity.lowered()
        shown = (certain or evidence)[:2]
        said = " and ".join(e.what for e in shown)
        if not certain:
            said += f" (assuming {evidence[0].assumed}; the command line may change it)"
        related = [
            Related(f"{e.task} evidence: {e.what}", ctx.range(e.node))
            for e in shown
            if e.node is not None
        ]
        for use in wrong:
            yield ctx.report(
                self,
                use.node,
                self._message(use.metric, task, said),
                related=related,
                severity=severity,
            )

    @staticmethod
    def _message(metric: str, task: str, evidence: str) -> str:
        if task == SUMMARIZATION:
            return (
                f"`{metric}` scores a summarization task here ({evidence}): BLEU is n-gram "
                "precision with a brevity penalty, made for machine translation, and "
                'summarization is reported with ROUGE (`evaluate.load("rouge")`: rouge1, '
                "rouge2, rougeL, rougeLsum). Nothing fails; the scores just cannot be compared "
                "with published summarization results."
            )
        return (
            f"`{metric}` scores a translation task here ({evidence}): ROUGE was made for "
            "summarization, and translation is reported with BLEU, preferably sacreBLEU "
            '(`evaluate.load("sacrebleu")`, standardised tokenisation), or chrF. Nothing '
            "fails; the scores just cannot be compared with published translation results."
        )
