"""Family I, metrics: `datasets.load_metric`, removed from Datasets in 3.0.0.

Deprecated since datasets 2.5.0 in favour of the Evaluate library, and gone from 3.0.0 on
(checked in the 2.21.0 and 3.0.0 wheels: `load_metric` is in `datasets/load.py` of the first
only). Tutorials written before 2023 still import it.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from hflint.analyzers.findings import Finding, Severity
from hflint.analyzers.package_versions import Release, dependency_release
from hflint.rules.base import Example, Rule
from hflint.rules.context import RuleContext

QUALNAME = "datasets.load_metric"
IMPORT_ERROR = "ImportError: cannot import name 'load_metric' from 'datasets'"
ATTRIBUTE_ERROR = "AttributeError: module 'datasets' has no attribute 'load_metric'"


class DatasetsLoadMetricRemoved(Rule):
    code = "HF904"
    name = "datasets-load-metric-removed"
    severity = Severity.INFO
    summary = "datasets.load_metric was removed in datasets 3.0.0; use evaluate.load"
    deprecated_api = True
    what = (
        "Checks for `from datasets import load_metric` (the import is reported, once) and for "
        "`datasets.load_metric(...)` through the module.\n\n"
        "The finding is an error when the project runs datasets 3.0.0 or later: its pin "
        "(lock files, then pyproject.toml, requirements*.txt, setup.cfg, read like the "
        "transformers pin; a range counts by the lowest release it allows), else the datasets "
        "installed beside the project's transformers. Otherwise it stays at info level."
    )
    why = (
        "`load_metric` was deprecated in datasets 2.5.0; datasets 2.x warns `FutureWarning: "
        "load_metric is deprecated and will be removed in the next major version of datasets. "
        "Use 'evaluate.load' instead, from the new library 🤗 Evaluate: "
        "https://huggingface.co/docs/evaluate` (read in the 2.21.0 sources), and datasets "
        "3.0.0 removed it with the rest of its metrics code. With datasets 3.0.0 or later "
        "(observed with 5.2.0) the import fails before anything runs:\n\n"
        f"    {IMPORT_ERROR} (.../datasets/__init__.py)\n\n"
        f"and `datasets.load_metric(...)` raises `{ATTRIBUTE_ERROR}`. The metrics moved to "
        'the Evaluate library under the same names (`evaluate.load("accuracy")`).'
    )
    example = """
from datasets import load_metric
metric = load_metric("accuracy")
"""
    use_instead = """
import evaluate
metric = evaluate.load("accuracy")
"""
    fix_safety = (
        "No fix: Evaluate is a separate package to install, and a project pinned to "
        "datasets<3 may keep the old call on purpose until it moves."
    )
    references = (
        "https://huggingface.co/docs/evaluate/index",
        "https://github.com/huggingface/datasets/pull/4739 (deprecation, 2.5.0)",
        "https://github.com/huggingface/datasets/pull/6983 (removal, 3.0.0)",
    )
    triggers = (
        Example(
            """from datasets import load_dataset, load_metric
from transformers import AutoModelForSequenceClassification

metric = load_metric("glue", "mrpc")
""",
            note="the usual import from old tutorials",
        ),
        Example(
            """import datasets
import transformers

metric = datasets.load_metric("seqeval")
""",
            note="through the module",
        ),
        Example(
            """from datasets import load_metric as lm
from transformers import Trainer


def compute_metrics(p):
    return lm("accuracy").compute(predictions=p.predictions.argmax(-1), references=p.label_ids)
""",
            note="an alias",
        ),
    )
    near_misses = (
        Example(
            """import evaluate
from datasets import load_dataset
from transformers import Trainer

metric = evaluate.load("accuracy")
""",
        ),
        Example(
            """from mylib.datasets import load_metric
from transformers import Trainer

metric = load_metric("accuracy")
""",
            note="another library's function",
        ),
        Example(
            """from transformers import Trainer


def load_metric(name):
    return name

metric = load_metric("accuracy")
""",
            note="a local function",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        found: list[tuple[cst.CSTNode, bool]] = [
            (fact.alias, True)
            for fact in ctx.facts.import_facts
            if fact.qualname == QUALNAME and isinstance(fact.statement, cst.ImportFrom)
        ]
        found += [
            (call.node.func, False)
            for call in ctx.facts.calls
            if call.qualname == QUALNAME and isinstance(call.node.func, cst.Attribute)
        ]
        if not found:
            return
        release = dependency_release(ctx.path, "datasets")
        for node, import_form in found:
            message, severity = self._message(import_form, release)
            yield ctx.report(self, node, message, severity=severity)

    def _message(self, import_form: bool, release: Release | None) -> tuple[str, Severity]:
        error = f"`{IMPORT_ERROR}`" if import_form else f"`{ATTRIBUTE_ERROR}`"
        advice = (
            "Use `evaluate.load(...)` from the Evaluate library (`pip install evaluate`), "
            "which loads the same metrics by the same names."
        )
        if release is not None and release.at_least("3.0.0"):
            return (
                f"`load_metric` was removed from datasets in 3.0.0, and this project runs "
                f"datasets {release.version} ({release.source}): this fails with {error}. "
                f"{advice}",
                Severity.ERROR,
            )
        if release is not None:
            return (
                f"`load_metric` is deprecated in datasets {release.version} ({release.source}) "
                f"and removed from 3.0.0 on, where this fails with {error}. {advice}",
                self.severity,
            )
        return (
            "`load_metric` was removed from datasets in 3.0.0 (deprecated since 2.5.0): with "
            f"datasets 3.0.0 or later this fails with {error} (no pin of datasets in the "
            f"project and none installed beside transformers, so the release is not known). "
            f"{advice}",
            self.severity,
        )
