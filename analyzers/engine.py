"""The engine: text -> parse once -> facts -> rules -> findings. Every front-end calls this."""

from __future__ import annotations

import re
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst

from hflint.analyzers import incremental
from hflint.analyzers.checkpoints import CheckpointResolver
from hflint.analyzers.collector import collect
from hflint.analyzers.crossmodule import helpers_for
from hflint.analyzers.findings import Finding, Position, Range, Severity
from hflint.analyzers.knowledge import Knowledge, load_knowledge
from hflint.analyzers.lookups import Lookup
from hflint.analyzers.settings import Settings
from hflint.analyzers.source import SourceText, parse_ast

SYNTAX_ERROR_CODE = "HF001"
SYNTAX_ERROR_NAME = "syntax-error"

# A file that never names one of these cannot use transformers: skip it without parsing.
# `evaluate` and `load_metric` bring in the metric rules (HF903, HF904), which apply to files
# that never touch transformers.
_RELEVANT = re.compile(
    r"transformers|from_pretrained|pipeline|Trainer|peft|AutoModel|evaluate|load_metric"
)


def is_relevant(text: str) -> bool:
    return _RELEVANT.search(text) is not None


def syntax_error_finding(
    text: str, source: SourceText, error: cst.ParserSyntaxError | None = None
) -> Finding | None:
    """One HF001 finding, placed where CPython places the error (libcst's tokenizer errors all
    point at line 1), or where libcst does when only libcst rejects the text."""
    line, column, message = 1, 0, ""
    try:
        parse_ast(text)
    except SyntaxError as exc:
        line, column, message = exc.lineno or 1, max(0, (exc.offset or 1) - 1), exc.msg
    except (ValueError, RecursionError, MemoryError) as exc:
        message = str(exc) or "cannot be parsed"
    else:
        if error is None:
            return None
        line, column = error.raw_line, error.raw_column
        message = error.message.strip().splitlines()[0] if error.message else "invalid syntax"
    line = max(1, min(line, source.line_count))
    column = max(0, min(column, len(source.line(line))))
    return Finding(
        code=SYNTAX_ERROR_CODE,
        name=SYNTAX_ERROR_NAME,
        severity=Severity.ERROR,
        message=f"SyntaxError: {message}. hflint checks this file once it parses.",
        range=Range(Position(line, column), Position(line, column + 1)),
    )


def project_root(path: Path) -> Path:
    """The nearest folder above `path` with a pyproject.toml or .git, else the file's folder.

    Asked twice per check on every keystroke: an answer is kept for ROOT_RECHECK_S."""
    now = time.monotonic()
    known = _ROOTS.get(path)
    if known is not None and now - known[1] < ROOT_RECHECK_S:
        return known[0]
    start = path.parent.resolve()
    root = start
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file() or (folder / ".git").exists():
            root = folder
            break
    if len(_ROOTS) > 256:
        _ROOTS.clear()
    _ROOTS[path] = (root, now)
    return root


ROOT_RECHECK_S = 2.0
_ROOTS: dict[Path, tuple[Path, float]] = {}


# Documents whose last check had nothing to reuse (a first or full parse): their next keystroke
# would collect every statement while recording its effect. The check process does that
# recording when idle instead (prime_one), so the first keystroke is as quick as the others.
_UNPRIMED: dict[str, tuple[cst.Module, Path | None]] = {}
_MAX_UNPRIMED = 16


def _unprimed(key: str, module: cst.Module, path: Path | None, primed: bool) -> None:
    _UNPRIMED.pop(key, None)
    if not primed:
        _UNPRIMED[key] = (module, path)
        while len(_UNPRIMED) > _MAX_UNPRIMED:
            del _UNPRIMED[next(iter(_UNPRIMED))]


def has_unprimed() -> bool:
    return bool(_UNPRIMED)


def prime_one() -> bool:
    """Record what each statement of one document's latest parse gives (statement_memo.py),
    for its next keystroke to replay; False when no document was left to prime."""
    while _UNPRIMED:
        key, (module, path) = _UNPRIMED.popitem()
        if not incremental.is_latest(key, module):
            continue  # edited since: that check primed it, or will
        helpers = helpers_for(path, project_root(path)) if path is not None else None
        collect(module, helpers, reuse=key)
        return True
    return False


def _syntax_check_only(text: str, source: SourceText, settings: Settings) -> list[Finding]:
    """Files that cannot use transformers get only the cheap syntax check of `ast`."""
    if not settings.is_enabled(SYNTAX_ERROR_CODE):
        return []
    finding = syntax_error_finding(text, source)
    return [finding] if finding is not None else []


@dataclass
class Analysis:
    findings: list[Finding]
    # checkpoint lookups the rules made: a cached result is valid only while these answer the same
    lookups: list[Lookup] = field(default_factory=list)


def check_source(
    text: str,
    *,
    path: Path | None = None,
    settings: Settings | None = None,
    resolver: CheckpointResolver | None = None,
    knowledge: Callable[[], Knowledge] = load_knowledge,
) -> list[Finding]:
    """Findings for one module's text, before suppressions (see suppression.py)."""
    return analyze_source(
        text, path=path, settings=settings, resolver=resolver, knowledge=knowledge
    ).findings


def analyze_source(
    text: str,
    *,
    path: Path | None = None,
    settings: Settings | None = None,
    resolver: CheckpointResolver | None = None,
    knowledge: Callable[[], Knowledge] = load_knowledge,
    document_key: str | None = None,
) -> Analysis:
    from hflint.rules.context import RuleContext
    from hflint.rules.registry import all_rules

    settings = settings or Settings()
    source = SourceText(text)
    if not is_relevant(text):
        return Analysis(_syntax_check_only(text, source, settings))
    try:
        module = incremental.parse(text, document_key)
    except cst.ParserSyntaxError as error:
        finding = syntax_error_finding(text, source, error)
        if finding is not None and settings.is_enabled(SYNTAX_ERROR_CODE):
            return Analysis([finding])
        return Analysis([])
    except (RecursionError, MemoryError):
        return Analysis([])
    helpers = helpers_for(path, project_root(path)) if path is not None else None
    # A document's first parse (or a full one) has nothing to reuse: the plain walk is faster
    # than recording each statement's effect, which the check process does when idle.
    reuse = (
        document_key if document_key and incremental.kept_statements(document_key, module) else None
    )
    facts = collect(module, helpers, reuse=reuse)
    if document_key is not None:
        _unprimed(document_key, module, path, primed=reuse is not None)
    resolver = resolver or CheckpointResolver(
        online=settings.online, hub_timeout=settings.hub_timeout
    )
    ctx = RuleContext(facts, source, path, settings, knowledge, resolver)
    if document_key is not None:
        ctx.first_lines = incremental.first_token_lines(document_key, module)
    findings: list[Finding] = []
    for rule in all_rules():
        if not settings.is_enabled(rule.code):
            continue
        try:
            for finding in rule.check(ctx):
                severity = settings.severity_for(finding.code, finding.severity)
                findings.append(finding.with_severity(severity))
        except Exception:
            # One broken rule must not cost the user the other findings.
            print(
                f"hflint: rule {rule.code} failed on {path}:\n{traceback.format_exc()}",
                file=sys.stderr,
            )
    findings.sort(key=lambda f: (f.range.start, f.code))
    return Analysis(_distinct(findings), ctx.lookups)


def _distinct(findings: list[Finding]) -> list[Finding]:
    """One of each finding: a dict spread into several calls (`TrainingArguments(**cfg)` in
    each cell) gives each call the same finding on the same dict item."""
    seen: set[tuple[str, Range, str]] = set()
    kept: list[Finding] = []
    for finding in findings:
        key = (finding.code, finding.range, finding.message)
        if key not in seen:
            seen.add(key)
            kept.append(finding)
    return kept
