"""Family I, metrics: a misspelt metric name in `evaluate.load("...")`.

A bare name is looked up only among Evaluate's canonical modules (the Hub organisations
evaluate-metric, evaluate-comparison and evaluate-measurement) and in a local folder of that
name, so `"acuracy"` or `"rouge_score"` fail when the script reaches them. The canonical names
are a data file (`analyzers/data/evaluate_modules.json`, taken from the huggingface/evaluate
repository, whose folders are what those organisations publish): the Hub is not asked.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import libcst as cst

import hflint.analyzers
from hflint.analyzers.facts import CallFact
from hflint.analyzers.findings import Finding, Fix, Severity
from hflint.analyzers.values import Const
from hflint.rules.base import Example, Rule
from hflint.rules.context import RuleContext

DATA = Path(hflint.analyzers.__file__).with_name("data") / "evaluate_modules.json"
_LOADERS = {"evaluate.load": "evaluate.load", "datasets.load_metric": "datasets.load_metric"}
_SUFFIXES = ("score", "metrics", "metric")
_CUTOFF = 0.9  # difflib ratio a misspelling must reach
_RIVAL = 0.85  # a second candidate this close makes the guess ambiguous: stay silent


@cache
def known_modules() -> frozenset[str]:
    """Every canonical module name (metrics, comparisons, measurements, retired ones)."""
    data = json.loads(DATA.read_text(encoding="utf-8"))
    names: set[str] = set()
    for key in ("metric", "comparison", "measurement", "retired"):
        names.update(data.get(key, []))
    return frozenset(names)


def _squash(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "").replace(" ", "")


@cache
def _by_squashed() -> dict[str, str]:
    return {_squash(n): n for n in sorted(known_modules())}


def _transposed(a: str, b: str) -> bool:
    """`rogue` / `rouge`: the same letters with two neighbours swapped."""
    if len(a) != len(b) or len(a) < 4:
        return False
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    return (
        len(diff) == 2
        and diff[1] == diff[0] + 1
        and a[diff[0]] == b[diff[1]]
        and a[diff[1]] == b[diff[0]]
    )


def looks_like_path(name: str) -> bool:
    """Community modules (`org/metric`), files and folders: never judged by spelling."""
    return (
        not name
        or "/" in name
        or "\\" in name
        or name.endswith(".py")
        or name.startswith((".", "~"))
        or len(name) > 60
    )


def did_you_mean(name: str) -> str | None:
    """The canonical name `name` is a close misspelling of; None when it is known, a path, or
    merely unknown (it could be a local module the script ships)."""
    known = known_modules()
    if name in known or looks_like_path(name):
        return None
    squashed = _squash(name)
    table = _by_squashed()
    if squashed in table:
        return table[squashed]  # case, "-" or "_": `Accuracy`, `squadv2`, `sacre_bleu`
    for suffix in _SUFFIXES:
        stem = squashed[: -len(suffix)]
        if squashed.endswith(suffix) and stem in table:
            return table[stem]  # `f1_score`, `rouge_score`, `accuracy_metric`
    for key, canonical in table.items():
        if _transposed(squashed, key):
            return canonical
    scored = sorted(
        ((difflib.SequenceMatcher(None, name.lower(), k).ratio(), k) for k in sorted(known)),
        reverse=True,
    )
    if not scored or scored[0][0] < _CUTOFF:
        return None
    if len(scored) > 1 and scored[1][0] >= _RIVAL:
        return None
    return scored[0][1]


@dataclass(frozen=True)
class _NameUse:
    call: CallFact
    loader: str
    name: str
    node: cst.BaseExpression
    assumed: str


def _uses(ctx: RuleContext) -> Iterator[_NameUse]:
    for call in ctx.facts.calls:
        loader = _LOADERS.get(call.qualname or "")
        if loader is not None:
            arg = call.arg(0, "path")
            if (
                arg is not None
                and isinstance(arg.value, Const)
                and isinstance(arg.value.value, str)
            ):
                assumed = (arg.value.origin or "a default") if arg.value.overridable else ""
                yield _NameUse(call, loader, arg.value.value, arg.expr, assumed)
        elif call.qualname == "evaluate.combine":
            arg = call.arg(0, "evaluations")
            if arg is not None and isinstance(arg.expr, (cst.List, cst.Tuple)):
                for element in arg.expr.elements:
                    value = element.value
                    if isinstance(value, cst.SimpleString) and isinstance(
                        value.evaluated_value, str
                    ):
                        yield _NameUse(call, "evaluate.combine", value.evaluated_value, value, "")


def _local(ctx: RuleContext, name: str) -> bool:
    """A folder or script of that name next to the file or in the working directory."""
    folders = [Path.cwd()]
    if ctx.path is not None:
        folders.insert(0, ctx.path.parent)
    for folder in folders:
        try:
            if (folder / name).exists() or (folder / f"{name}.py").exists():
                return True
        except OSError:
            continue
    return False


class MisspeltMetricName(Rule):
    code = "HF903"
    name = "misspelt-metric-name"
    severity = Severity.WARNING
    summary = "evaluate.load() of a name that is a misspelling of a canonical metric"
    what = (
        "Checks the names given to `evaluate.load(...)`, `evaluate.combine([...])` and "
        "`datasets.load_metric(...)` against the canonical modules of Hugging Face Evaluate "
        "(55 metrics, 3 comparisons, 8 measurements) and reports a name that is a close "
        "misspelling of one: another case or separator (`Accuracy`, `squadv2`), a library's "
        "name for it (`f1_score`, `rouge_score`), two swapped letters (`rogue`), or a "
        "difflib ratio of at least 0.9 with no rival candidate (`acuracy`, `precison`).\n\n"
        "Never judged: `org/metric` community modules, paths and script files, names of a "
        "folder or script next to the file or in the working directory, and names that are "
        "merely unknown (a module the project ships).\n\n"
        "The canonical names are a data file shipped with hflint, "
        "`analyzers/data/evaluate_modules.json`: the folders `metrics/`, `comparisons/` and "
        "`measurements/` of github.com/huggingface/evaluate (commit a7dd338, 2026-04-08), "
        "which that repository's `update_spaces` workflow publishes to the Hub organisations "
        "`evaluate-metric`, `evaluate-comparison` and `evaluate-measurement`, plus four "
        "folders removed from it earlier."
    )
    why = (
        "`evaluate.load(name)` looks a bare name up in those three organisations and in a "
        "local folder `name/name.py`, nowhere else. A misspelling fails when the script gets "
        "there, often after training. With evaluate 0.4.6 (observed offline; online the Hub "
        "lookup fails the same way and `evaluation_module_factory` raises the same error):\n\n"
        "    FileNotFoundError: Couldn't find a module script at /path/to/cwd/acuracy/acuracy.py. "
        "Module 'acuracy' doesn't exist on the Hugging Face Hub either.\n\n"
        "`datasets.load_metric` (datasets 2.x) raises `FileNotFoundError: Couldn't find a "
        "metric script at ...`.\n\n"
        "Several of these names are what other libraries call the metric (`f1_score`, "
        "`accuracy_score` in scikit-learn; the `rouge_score` package) or a key of the result "
        "(`rougeL`, `rouge2`), not a module."
    )
    example = """
metric = evaluate.load("acuracy")
"""
    use_instead = """
metric = evaluate.load("accuracy")
"""
    fix_safety = (
        "Unsafe: the suggestion is a guess from the spelling. Usually it is the metric meant, "
        "but a result key (`rougeL`) or another library's metric (`bleu4`) may need more than "
        'the name, e.g. reading `result["rougeL"]` from `evaluate.load("rouge")`.'
    )
    references = (
        "https://huggingface.co/docs/evaluate/a_quick_tour#load",
        "https://huggingface.co/evaluate-metric",
        "https://github.com/huggingface/evaluate/tree/main/metrics",
        "evaluate/loading.py (evaluation_module_factory)",
    )
    triggers = (
        Example(
            """import evaluate
from transformers import Trainer

metric = evaluate.load("acuracy")
""",
            note="the catalogue's example",
            fixed="""import evaluate
from transformers import Trainer

metric = evaluate.load("accuracy")
""",
        ),
        Example(
            """from evaluate import load
from transformers import Seq2SeqTrainer

rouge = load('rouge_score')
""",
            note="the rouge_score package's name, imported function, single quotes",
            fixed="""from evaluate import load
from transformers import Seq2SeqTrainer

rouge = load('rouge')
""",
        ),
        Example(
            """import evaluate as ev
import transformers

clf_metrics = ev.combine(["accuracy", "f1_score", "precison", "recall"])
""",
            note="evaluate.combine: two names in one list",
            fixed="""import evaluate as ev
import transformers

clf_metrics = ev.combine(["accuracy", "f1", "precison", "recall"])
""",
        ),
        Example(
            """import argparse
import evaluate
from transformers import AutoModelForTokenClassification

parser = argparse.ArgumentParser()
parser.add_argument("--metric", default="SeqEval")
args = parser.parse_args()
metric = evaluate.load(args.metric)
""",
            note="an argparse default (one severity lower)",
        ),
    )
    near_misses = (
        Example(
            """import evaluate
from transformers import AutoModelForTokenClassification

seqeval = evaluate.load("seqeval")
glue = evaluate.load("glue", "mrpc")
wilcoxon = evaluate.load("wilcoxon", module_type="comparison")
""",
            note="canonical names",
        ),
        Example(
            """import evaluate
from transformers import Trainer

bartscore = evaluate.load("myorg/bartscore")
local = evaluate.load("./metrics/my_accuracy")
script = evaluate.load("metrics/my_f1.py")
""",
            note="community module, local folder, local script",
        ),
        Example(
            """import evaluate
from transformers import Trainer

metric = evaluate.load("bleurt_large")
other = evaluate.load("word_error_rate")
squad = evaluate.load("squad2")
""",
            note="unknown names that are not a clear misspelling of one module",
        ),
        Example(
            """import evaluate
from transformers import Trainer

name = get_metric_name()
metric = evaluate.load(name)
""",
            note="not a constant",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for use in _uses(ctx):
            suggestion = did_you_mean(use.name)
            if suggestion is None or _local(ctx, use.name):
                continue
            yield ctx.report(
                self,
                use.node,
                self._message(use, suggestion),
                fix=self._fix(ctx, use, suggestion),
                severity=self.severity.lowered() if use.assumed else self.severity,
            )

    @staticmethod
    def _message(use: _NameUse, suggestion: str) -> str:
        assumed = (
            f" (assuming {use.assumed}; the command line may change it)" if use.assumed else ""
        )
        text = (
            f"`{use.name}`{assumed} is not a module of Hugging Face Evaluate: did you mean "
            f"`{suggestion}`? A bare name is looked up only among the canonical metrics, "
            "comparisons and measurements and in a local folder of that name"
        )
        name = use.name
        if use.loader == "datasets.load_metric":
            return text + (
                f'; `load_metric("{name}")` fails with `FileNotFoundError: Couldn\'t find a '
                f"metric script at .../{name}/{name}.py. Metric '{name}' doesn't exist on the "
                "Hugging Face Hub either.`"
            )
        return text + (
            f'; with evaluate 0.4.6 `evaluate.load("{name}")` fails with `FileNotFoundError: '
            f"Couldn't find a module script at .../{name}/{name}.py. Module '{name}' doesn't "
            "exist on the Hugging Face Hub either.`"
        )

    @staticmethod
    def _fix(ctx: RuleContext, use: _NameUse, suggestion: str) -> Fix | None:
        node = use.node
        if not isinstance(node, cst.SimpleString):
            return None
        quote = node.quote
        prefix = node.prefix.replace("f", "").replace("F", "")
        edit = ctx.replace(node, f"{prefix}{quote}{suggestion}{quote}")
        return ctx.fix(f"Use `{suggestion}`", [edit], safe=False)
