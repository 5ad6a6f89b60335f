"""Suppression comments: `# noqa`, `# hflint: ignore[...]` and the file-level forms."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_harness import run_cli

from hflint.analyzers.findings import Finding, Range, Severity
from hflint.analyzers.suppression import filter_suppressed, parse_directives, skips_file


def finding(code: str, line: int, end_line: int | None = None) -> Finding:
    return Finding(
        code, "test", Severity.WARNING, "message", Range.of(line, 0, end_line or line, 3)
    )


def kept(text: str, *findings: Finding) -> list[str]:
    return [f"{f.code}@{f.range.start.line}" for f in filter_suppressed(list(findings), text)]


@pytest.mark.parametrize(
    "comment",
    [
        "# noqa",
        "#noqa",
        "# NOQA",
        "# noqa: HF101",
        "# noqa:HF101",
        "# noqa: E501, HF101",
        "# noqa: HF1",
        "# noqa: HF",
        "# hflint: ignore",
        "# hflint: ignore[HF101]",
        "# hflint: ignore[HF2, HF101]",
        "# type: ignore  # noqa: HF101",
    ],
)
def test_line_directives_that_suppress(comment: str) -> None:
    text = f"import transformers\nx = 1  {comment}\n"
    assert kept(text, finding("HF101", 2)) == []


@pytest.mark.parametrize(
    "comment",
    [
        "# noqa: HF102",
        "# noqa: HF2",
        "# hflint: ignore[HF102]",
        "# hflint: ignore[E501]",
        "# no qa",
        "# hflint: noqa",  # file-level form, not at the top: no effect on this line
    ],
)
def test_line_directives_that_do_not(comment: str) -> None:
    text = f"import transformers\nx = 1  {comment}\n"
    assert kept(text, finding("HF101", 2)) == ["HF101@2"]


def test_only_the_commented_line_is_affected() -> None:
    text = "import transformers  # noqa\nx = 1\n"
    assert kept(text, finding("HF101", 1), finding("HF101", 2)) == ["HF101@2"]


def test_the_end_line_of_a_multi_line_finding_counts() -> None:
    text = "model = f(\n    'x',\n)  # noqa: HF101\n"
    assert kept(text, finding("HF101", 1, 3)) == []
    assert kept(text, finding("HF101", 1, 2)) == ["HF101@1"]


def test_hash_inside_a_string_is_not_a_comment() -> None:
    text = "import transformers\nx = 'see # noqa'\n"
    assert kept(text, finding("HF101", 2)) == ["HF101@2"]


def test_regex_fallback_when_the_file_does_not_tokenize() -> None:
    text = "import transformers\nx = (  # noqa: HF001\n"
    assert kept(text, finding("HF001", 2), finding("HF101", 1)) == ["HF101@1"]


@pytest.mark.parametrize(
    "header",
    [
        "# hflint: noqa\n",
        "#!/usr/bin/env python\n# hflint: skip-file\n",
        "# Copyright\n\n# HFLINT: NOQA\n",
    ],
)
def test_file_level_directives(header: str) -> None:
    text = f"{header}import transformers\nx = 1\n"
    assert kept(text, finding("HF101", 3), finding("HF204", 4)) == []
    assert skips_file(text)


def test_file_level_codes() -> None:
    text = "# hflint: noqa: HF2\nimport transformers\n"
    assert kept(text, finding("HF101", 2), finding("HF204", 2)) == ["HF101@2"]
    assert not skips_file(text)


def test_file_level_directive_below_the_first_statement_is_ignored() -> None:
    text = "import transformers\n# hflint: skip-file\nx = 1\n"
    assert kept(text, finding("HF101", 3)) == ["HF101@3"]
    assert not skips_file(text)
    assert parse_directives(text).file_codes is None


def test_no_directives_no_work() -> None:
    findings = [finding("HF101", 1)]
    assert filter_suppressed(findings, "import transformers\n") is findings


def test_cli_honours_suppressions(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(
        "import transformers\n"
        "old_name = 1  # noqa\n"
        "old_name = 2  # noqa: HF099\n"
        "risky_call(old_name)  # hflint: ignore[HF099]\n"
        "text = '# noqa'; old_name\n",
        encoding="utf-8",
    )
    (tmp_path / "skipped.py").write_text(
        "# hflint: skip-file\nimport transformers\nold_name\n", encoding="utf-8"
    )
    result = run_cli(["check", "."], tmp_path, tmp_path)
    assert result.stdout.splitlines()[:3] == [
        "a.py:3:1: HF098 [warning] [*] `old_name` is a test finding",
        "a.py:4:12: HF098 [warning] [*] `old_name` is a test finding",
        "a.py:5:18: HF098 [warning] [*] `old_name` is a test finding",
    ]
    assert "Found 3 findings: 3 warnings" in result.stdout
    assert "skipped.py" not in result.stdout


def test_cli_fix_leaves_suppressed_findings_alone(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_text("import transformers\nold_name  # noqa\nold_name\n", encoding="utf-8")
    result = run_cli(["check", "--fix", "a.py"], tmp_path, tmp_path)
    assert result.returncode == 0, result.stdout
    assert path.read_text() == "import transformers\nold_name  # noqa\nnew_name\n"
