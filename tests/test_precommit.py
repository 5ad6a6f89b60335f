"""The pre-commit hooks, used the way another repository uses them.

The project is copied into a temporary git repository (the working tree may hold uncommitted
work, so it cannot be cloned), committed, and named by path and commit in a second repository's
`.pre-commit-config.yaml`. pre-commit then clones it and pip-installs it into its own
virtualenv, exactly as for a user; that install reaches PyPI for hflint's dependencies, so this
test takes a minute or two. A small probe rule is added to the copy so the assertions do not
depend on the real rules' details.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
COPIED = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml")
PACKAGES = ("package", "analyzers", "rules", "server", "docs")
README_REPO = "/path/to/hflint"  # what the README's snippet says to replace

PROBE_RULE = '''
"""A probe rule for the pre-commit test: `old_name` has a safe fix to `new_name`."""

import re

from hflint.analyzers.findings import Applicability, Edit, Finding, Fix, Range, Severity
from hflint.rules.base import Rule


class PrecommitProbe(Rule):
    code = "HF095"
    name = "precommit-probe"
    severity = Severity.WARNING
    summary = "Probe rule of the pre-commit test."
    what = why = example = use_instead = fix_safety = "Probe."

    def check(self, ctx):
        for match in re.finditer(r"\\bold_name\\b", ctx.source.text):
            rng = Range(ctx.source.position(match.start()), ctx.source.position(match.end()))
            fix = Fix(Applicability.SAFE, "Use `new_name`", (Edit(rng, "new_name"),))
            yield Finding(self.code, self.name, self.severity, "probe finding", rng, fix)
'''


def git(cwd: Path, *args: str) -> str:
    env = dict(os.environ)
    env.update(
        {
            "GIT_AUTHOR_NAME": "hflint tests",
            "GIT_AUTHOR_EMAIL": "tests@example.invalid",
            "GIT_COMMITTER_NAME": "hflint tests",
            "GIT_COMMITTER_EMAIL": "tests@example.invalid",
        }
    )
    result = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def hook_repository(root: Path) -> tuple[Path, str]:
    repo = root / "hook-repo"
    repo.mkdir()
    for name in COPIED:
        shutil.copy2(PROJECT / name, repo / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in PACKAGES:
        shutil.copytree(PROJECT / name, repo / name, ignore=ignore)
    (repo / "rules" / "precommit_probe.py").write_text(PROBE_RULE, encoding="utf-8")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "hflint for the pre-commit test")
    return repo, git(repo, "rev-parse", "HEAD")


def readme_config(repo: Path, rev: str) -> str:
    """The README's pre-commit snippet, with its placeholders for the clone and the commit."""
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### pre-commit", 1)[1]
    snippet = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    assert README_REPO in snippet and "rev: " in snippet, snippet
    lines = []
    for line in snippet.replace(README_REPO, str(repo)).splitlines():
        head, sep, _ = line.partition("rev: ")
        lines.append(f"{head}rev: {rev}" if sep else line)
    return "\n".join(lines) + "\n"


def run_pre_commit(repo: Path, home: Path, hook: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(
        {
            "PRE_COMMIT_HOME": str(home / "pre-commit"),
            "HF_HUB_OFFLINE": "1",
            "HF_HUB_CACHE": str(home / "hf-cache"),
            "HFLINT_CACHE_DIR": str(home / "hflint-cache"),
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", hook, "--all-files", "--color", "never"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=1500,
        check=False,
    )


@pytest.mark.timeout(1800)
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_hooks_from_another_repository(tmp_path: Path) -> None:
    hooks, rev = hook_repository(tmp_path)
    user = tmp_path / "user-repo"
    user.mkdir()
    git(user, "init", "-q")
    (user / ".pre-commit-config.yaml").write_text(readme_config(hooks, rev), encoding="utf-8")
    script = user / "train.py"
    script.write_text("import transformers\nold_name = 1\n", encoding="utf-8")
    (user / "notes.txt").write_text("old_name\n", encoding="utf-8")  # not python: not passed
    git(user, "add", "-A")

    check = run_pre_commit(user, tmp_path, "hflint")
    output = check.stdout + check.stderr
    assert check.returncode == 1, output
    assert "train.py:2:1: HF095 [warning] [*] probe finding" in output
    assert "notes.txt" not in output
    assert script.read_text() == "import transformers\nold_name = 1\n"

    fix = run_pre_commit(user, tmp_path, "hflint-fix")  # the same environment, not reinstalled
    output = fix.stdout + fix.stderr
    assert fix.returncode == 1, output  # pre-commit fails a hook that modified files
    assert "files were modified by this hook" in output
    assert script.read_text() == "import transformers\nnew_name = 1\n"

    git(user, "add", "-A")
    again = run_pre_commit(user, tmp_path, "hflint")
    assert again.returncode == 0, again.stdout + again.stderr
