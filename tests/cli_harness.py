"""Test-only rules and a way to run the real CLI with them, in this process or a child one.

The CLI tests must not depend on the details of the real rules (they change as rules land), so
they check files with these small rules instead: one with a safe fix, one with an unsafe fix,
one that looks a checkpoint up (for the cache), and one whose fix breaks the code (to prove a
broken fix is never written). `python -m cli_harness ARGS` is `hflint ARGS` with only these rules.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

from hflint.analyzers.findings import Applicability, Edit, Finding, Fix, Range, Severity
from hflint.analyzers.lookups import Lookup, facts_digest
from hflint.rules.base import Rule
from hflint.rules.context import RuleContext

TESTS = Path(__file__).resolve().parent
CALLS_ENV = "HFLINT_TEST_CALLS"  # file that gets one line per analysed module


class _TextRule(Rule):
    """A rule over the raw text (real rules read facts; these only need positions)."""

    pattern: re.Pattern[str]
    replacement: str | None = None
    applicability = Applicability.SAFE
    what = why = example = use_instead = fix_safety = "Test rule."

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for match in self.pattern.finditer(ctx.source.text):
            rng = Range(ctx.source.position(match.start()), ctx.source.position(match.end()))
            fix = None
            if self.replacement is not None:
                edit = Edit(rng, self.replacement)
                fix = Fix(self.applicability, f"Replace with `{self.replacement}`", (edit,))
            yield Finding(
                self.code,
                self.name,
                self.severity,
                f"`{match.group(0)}` is a test finding",
                rng,
                fix,
                url=self.url(),
            )


class SafeFixRule(_TextRule):
    code = "HF098"
    name = "test-old-name"
    severity = Severity.WARNING
    summary = "Test rule: `old_name` has a safe fix to `new_name`."
    pattern = re.compile(r"\bold_name\b")
    replacement = "new_name"


class UnsafeFixRule(_TextRule):
    code = "HF099"
    name = "test-risky-call"
    severity = Severity.ERROR
    summary = "Test rule: `risky_call` has an unsafe fix to `careful_call`."
    pattern = re.compile(r"\brisky_call\b")
    replacement = "careful_call"
    applicability = Applicability.UNSAFE


class BrokenFixRule(_TextRule):
    code = "HF096"
    name = "test-broken-fix"
    severity = Severity.HINT
    summary = "Test rule: `break_me` has a safe fix that breaks the syntax."
    pattern = re.compile(r"\bbreak_me\b")
    replacement = "break_me("


class CheckpointRule(Rule):
    code = "HF097"
    name = "test-checkpoint-type"
    severity = Severity.INFO
    summary = 'Test rule: reports the model_type of `from_pretrained("...")` checkpoints.'
    what = why = example = use_instead = fix_safety = "Test rule."
    pattern = re.compile(r"from_pretrained\(\"([^\"]+)\"")

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        calls = os.environ.get(CALLS_ENV)
        if calls:
            with open(calls, "a", encoding="utf-8") as fh:
                fh.write(f"{ctx.path}\n")
        file_dir = ctx.path.parent if ctx.path is not None else None
        for match in self.pattern.finditer(ctx.source.text):
            name = match.group(1)
            facts = ctx.resolver.lookup(name, file_dir=file_dir)
            ctx.lookups.append(
                Lookup(name, None, None, str(file_dir) if file_dir else None, facts_digest(facts))
            )
            model_type = facts.model_type if facts is not None else "unknown"
            rng = Range(ctx.source.position(match.start(1)), ctx.source.position(match.end(1)))
            yield Finding(self.code, self.name, self.severity, f"model_type is {model_type}", rng)


RULES: tuple[Rule, ...] = (BrokenFixRule(), CheckpointRule(), SafeFixRule(), UnsafeFixRule())


def install() -> None:
    """Make the registry (and so the engine and `hflint rule`) see only the test rules."""
    import hflint.rules.registry as registry
    import hflint.server.cache as cache

    registry.all_rules = lambda: RULES  # type: ignore[assignment]
    # Pinned: other modules of hflint may be edited while the suite runs, which would
    # (rightly) invalidate every cache entry between two runs of a test.
    cache.versions = lambda: "hflint test rules"  # type: ignore[assignment]


def child_env(tmp: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """An environment that keeps the child offline and away from the user's caches."""
    env = dict(os.environ)
    env.pop("HFLINT_OUTPUT_FORMAT", None)
    env.update(
        {
            "HF_HUB_OFFLINE": "1",
            "HF_HUB_CACHE": str(tmp / "hf-cache"),
            "HFLINT_CACHE_DIR": str(tmp / "hflint-cache"),
            "PYTHONPATH": os.pathsep.join(p for p in (str(TESTS), env.get("PYTHONPATH")) if p),
        }
    )
    env.update(extra or {})
    return env


def run_cli(
    args: list[str],
    cwd: Path,
    tmp: Path,
    *,
    test_rules: bool = True,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `hflint ARGS` in a child interpreter (with the test rules unless told otherwise)."""
    module = "cli_harness" if test_rules else "hflint"
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=cwd,
        env=child_env(tmp, env),
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


if __name__ == "__main__":
    install()
    from hflint.server.cli import main

    raise SystemExit(main(sys.argv[1:]))
