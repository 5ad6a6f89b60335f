"""What a new user of `hflint check` meets first, end to end through the real CLI: a path that
does not exist, rule codes that do not exist (options, configuration, suppression comments),
checking stdin, and findings that show their severity, counted per severity."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from cli_harness import child_env, run_cli

# the test rules (tests/cli_harness.py): HF096 hint, HF097 info, HF098 warning (safe fix),
# HF099 error (unsafe fix)
FINDINGS = "import transformers\nold_name = 1\nrisky_call()\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def run_stdin(
    args: list[str], text: str, cwd: Path, tmp: Path, *, test_rules: bool = True
) -> subprocess.CompletedProcess[str]:
    """`hflint ARGS` with `text` on stdin (run_cli gives the child no stdin)."""
    module = "cli_harness" if test_rules else "hflint"
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=cwd,
        env=child_env(tmp),
        input=text,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


# ---- 1. a path that does not exist ----------------------------------------------------------------
def test_missing_path_is_an_error_and_nothing_goes_to_stdout(tmp_path: Path) -> None:
    result = run_cli(["check", "nope.py"], tmp_path, tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""  # not "All checks passed!"
    assert result.stderr == "hflint: error: Failed to lint nope.py: No such file or directory\n"


def test_missing_path_among_others_stops_before_checking(tmp_path: Path) -> None:
    write(tmp_path / "bad.py", FINDINGS)
    for extra in ([], ["--output-format", "json"], ["--fix"], ["--statistics"]):
        result = run_cli(["check", "bad.py", "nope.py", "gone/", *extra], tmp_path, tmp_path)
        assert result.returncode == 2, extra
        assert result.stdout == "", extra
        assert result.stderr.splitlines() == [
            "hflint: error: Failed to lint nope.py: No such file or directory",
            "hflint: error: Failed to lint gone/: No such file or directory",
        ]
    assert (tmp_path / "bad.py").read_text() == FINDINGS  # --fix wrote nothing


# ---- 2. rule codes that do not exist ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--select", "HF999"],
            "--select: unknown rule code or prefix `HF999`; did you mean `HF099`?",
        ),
        (["--ignore", "HF098,HF0990"], "--ignore: `HF0990` is not a rule code or prefix"),
        (["--extend-select", "HF5"], "--extend-select: unknown rule code or prefix `HF5`"),
        (["--select", "hf9"], "--select: unknown rule code or prefix `HF9`"),
        (["--select", "HF1O1"], "--select: `HF1O1` is not a rule code or prefix"),
    ],
)
def test_unknown_codes_on_the_command_line(tmp_path: Path, args: list[str], message: str) -> None:
    write(tmp_path / "a.py", FINDINGS)
    result = run_cli(["check", "a.py", *args], tmp_path, tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"hflint: error: {message}")
    assert result.stderr.count("\n") == 1


def test_unknown_code_without_a_close_one_says_where_the_codes_are(tmp_path: Path) -> None:
    write(tmp_path / "a.py", FINDINGS)
    result = run_cli(["check", "a.py", "--ignore", "HF555"], tmp_path, tmp_path)
    assert result.stderr == (
        "hflint: error: --ignore: unknown rule code or prefix `HF555` "
        "(`hflint rule --all` lists the rules)\n"
    )


def test_prefixes_of_real_codes_and_all_stay_valid(tmp_path: Path) -> None:
    write(tmp_path / "a.py", FINDINGS)
    for args in (["--select", "HF09"], ["--select", "ALL"], ["--select", "hf0", "--ignore", "HF"]):
        result = run_cli(["check", "a.py", *args, "--output-format", "json"], tmp_path, tmp_path)
        assert result.returncode in (0, 1), (args, result.stderr)
        assert result.stderr == ""
    narrowed = run_cli(
        ["check", "a.py", "--select", "HF09", "--ignore", "hf099", "--output-format", "json"],
        tmp_path,
        tmp_path,
    )
    assert [d["code"] for d in json.loads(narrowed.stdout)] == ["HF098"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            'select = ["HF999"]',
            "`select` in [tool.hflint] of {path}: unknown rule code or prefix `HF999`; "
            "did you mean `HF099`?",
        ),
        ('ignore = ["HF098", "HF095"]', "`ignore` in [tool.hflint] of {path}: unknown"),
        ('extend-select = ["HF7"]', "`extend-select` in [tool.hflint] of {path}: unknown"),
        (
            '[tool.hflint.per-file-ignores]\n"tests/*" = ["HF089"]',
            "`per-file-ignores` in [tool.hflint] of {path}, glob `tests/*`: unknown rule code",
        ),
        ('[tool.hflint.severity]\nHF990 = "hint"', "`severity` in [tool.hflint] of {path}: unkno"),
    ],
)
def test_unknown_codes_in_pyproject(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path / "pyproject.toml", f"[tool.hflint]\n{body}\n")
    write(tmp_path / "a.py", FINDINGS)
    result = run_cli(["check", "a.py"], tmp_path, tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("hflint: error: " + message.format(path=path))


def test_unknown_codes_in_an_explicit_config_file(tmp_path: Path) -> None:
    path = write(tmp_path / "hflint.toml", 'ignore = ["HF097", "HF199"]\n')
    write(tmp_path / "a.py", FINDINGS)
    result = run_cli(["check", "a.py", "--config", str(path)], tmp_path, tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"hflint: error: `ignore` in {path}: unknown rule code or prefix `HF199`; "
        "did you mean `HF099`?\n"
    )
    write(path, 'ignore = ["HF097", "HF09"]\n')
    valid = run_cli(["check", "a.py", "--config", str(path)], tmp_path, tmp_path)
    assert (valid.returncode, valid.stdout) == (0, "All checks passed!\n")


def test_real_rules_suggest_the_closest_real_code(tmp_path: Path) -> None:
    write(tmp_path / "a.py", "import os\n")
    result = run_cli(["check", "a.py", "--select", "HF1O1"], tmp_path, tmp_path, test_rules=False)
    assert result.returncode == 2
    assert result.stderr == (
        "hflint: error: --select: `HF1O1` is not a rule code or prefix; did you mean `HF101`?\n"
    )
    real = run_cli(["check", "a.py", "--select", "HF9,HF10"], tmp_path, tmp_path, test_rules=False)
    assert (real.returncode, real.stderr) == (0, "")  # prefixes of real codes (HF901, HF101)


def test_codes_read_from_the_rule_sources_are_the_registry_s() -> None:
    """config.known_codes reads the rule modules' sources rather than importing them (it runs
    on the cached path, where importing every rule would triple the time): the same codes."""
    code = (
        "from hflint.server import config\n"
        "scanned = config._rule_codes()\n"
        "from hflint.rules.registry import all_rules\n"
        "assert scanned == {r.code for r in all_rules()}, scanned ^ {r.code for r in all_rules()}\n"
        "assert {'HF001', 'HF002', 'HF003'} <= config.known_codes()\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=240, check=False
    )
    assert result.stdout == "ok\n", result.stderr


SUPPRESSED = (
    "import transformers\n"
    "old_name = 1  # noqa: HF999\n"  # 2: unknown: HF098 still reported
    "old_name = 2  # noqa: E501, HF098\n"  # 3: E501 belongs to another tool; HF098 suppressed
    "risky_call()  # hflint: ignore[HF09, hf98]\n"  # 4: HF09 a prefix; `hf98` no code's prefix
    "old_name = 3  # noqa:HF0O98\n"  # 5: a typo glued to a valid prefix
)


def test_unknown_code_in_a_suppression_comment_is_a_warning(tmp_path: Path) -> None:
    write(tmp_path / "a.py", SUPPRESSED)
    result = run_cli(["check", "a.py"], tmp_path, tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "a.py:2:1: HF098 [warning] [*] `old_name` is a test finding",
        "a.py:2:23: HF003 [warning] Unknown rule code `HF999` in suppression comment; "
        "did you mean `HF099`?",
        "a.py:4:38: HF003 [warning] Unknown rule code `HF98` in suppression comment; "
        "did you mean `HF09`?",
        "a.py:5:22: HF003 [warning] Unknown rule code `HF0O98` in suppression comment; "
        "did you mean `HF098`?",
        "Found 4 findings: 4 warnings (1 fixable with --fix).",
    ]
    data = json.loads(
        run_cli(["check", "a.py", "--output-format", "json"], tmp_path, tmp_path).stdout
    )
    invalid = [d for d in data if d["code"] == "HF003"]
    assert [(d["location"], d["end_location"]) for d in invalid] == [
        ({"row": 2, "column": 23}, {"row": 2, "column": 28}),
        ({"row": 4, "column": 38}, {"row": 4, "column": 42}),
        ({"row": 5, "column": 22}, {"row": 5, "column": 28}),
    ]
    assert {(d["name"], d["severity"]) for d in invalid} == {("invalid-suppression", "warning")}
    line = SUPPRESSED.splitlines()[1]
    assert line[22:27] == "HF999"  # the exact range of the code (columns are 1-based in JSON)


def test_the_comment_with_the_unknown_code_does_not_hide_the_warning(tmp_path: Path) -> None:
    write(
        tmp_path / "a.py",
        "import transformers\n"
        "old_name  # noqa: HF0, HF199\n"  # HF0 covers HF003, yet the warning shows
        "old_name  # noqa: HF199, HF003, HF098\n"  # told in so many words: hidden
        "old_name  # noqa\n",
    )
    result = run_cli(["check", "a.py"], tmp_path, tmp_path)
    assert (result.returncode, result.stdout) == (
        1,
        "a.py:2:24: HF003 [warning] Unknown rule code `HF199` in suppression comment; "
        "did you mean `HF099`?\nFound 1 finding: 1 warning.\n",
    )


def test_unknown_code_in_a_file_level_directive(tmp_path: Path) -> None:
    write(tmp_path / "a.py", "# hflint: noqa: HF1234\nimport transformers\nrisky_call()\n")
    result = run_cli(["check", "a.py"], tmp_path, tmp_path)
    assert result.stdout.splitlines()[:2] == [
        "a.py:1:17: HF003 [warning] Unknown rule code `HF1234` in suppression comment",
        "a.py:3:1: HF099 [error] `risky_call` is a test finding",
    ]


def test_invalid_suppressions_can_be_ignored_like_any_rule(tmp_path: Path) -> None:
    write(tmp_path / "a.py", SUPPRESSED)
    ignored = run_cli(
        ["check", "a.py", "--ignore", "HF003", "--output-format", "json"], tmp_path, tmp_path
    )
    assert "HF003" not in {d["code"] for d in json.loads(ignored.stdout)}
    write(tmp_path / "pyproject.toml", '[tool.hflint.severity]\nHF003 = "error"\n')
    louder = run_cli(["check", "a.py"], tmp_path, tmp_path)
    assert "a.py:2:23: HF003 [error] Unknown rule code `HF999`" in louder.stdout
    doc = run_cli(["rule", "HF003"], tmp_path, tmp_path)
    assert doc.returncode == 0
    assert doc.stdout.startswith("# invalid-suppression (HF003)\n\nDefault severity: warning\n")


# ---- 3. stdin ---------------------------------------------------------------------------------------
def test_dash_checks_stdin(tmp_path: Path) -> None:
    result = run_stdin(["check", "-"], FINDINGS, tmp_path, tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stdout == (
        "-:2:1: HF098 [warning] [*] `old_name` is a test finding\n"
        "-:3:1: HF099 [error] `risky_call` is a test finding\n"
        "Found 2 findings: 1 error, 1 warning (1 fixable with --fix; 1 more with --unsafe-fixes).\n"
    )
    clean = run_stdin(["check", "-"], "import transformers\n", tmp_path, tmp_path)
    assert (clean.returncode, clean.stdout) == (0, "All checks passed!\n")


def test_stdin_filename_names_the_buffer_and_finds_its_configuration(tmp_path: Path) -> None:
    write(
        tmp_path / "proj" / "pyproject.toml",
        '[tool.hflint]\nignore = ["HF099"]\n[tool.hflint.per-file-ignores]\n"tests/*" = ["HF098"]\n',
    )
    named = run_stdin(["check", "--stdin-filename", "proj/src/m.py"], FINDINGS, tmp_path, tmp_path)
    assert named.returncode == 1, named.stderr
    assert named.stdout.splitlines() == [
        "proj/src/m.py:2:1: HF098 [warning] [*] `old_name` is a test finding",
        "Found 1 finding: 1 warning (1 fixable with --fix).",
    ]
    assert not (tmp_path / "proj" / "src").exists()  # the name need not exist
    ignored = run_stdin(
        ["check", "-", "--stdin-filename", "proj/tests/t.py"], FINDINGS, tmp_path, tmp_path
    )
    assert (ignored.returncode, ignored.stdout) == (0, "All checks passed!\n")
    as_json = run_stdin(
        ["check", "--stdin-filename", "proj/m.py", "--output-format", "json"],
        FINDINGS,
        tmp_path,
        tmp_path,
    )
    assert [(d["code"], d["filename"]) for d in json.loads(as_json.stdout)] == [
        ("HF098", str(tmp_path / "proj" / "m.py"))
    ]


def test_stdin_filename_with_a_notebook_suffix_reads_a_notebook(tmp_path: Path) -> None:
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# title"]},
        {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {},
            "outputs": [],
            "source": ["import transformers\n", "%load_ext autoreload\n", "old_name = 1\n"],
        },
    ]
    notebook = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    result = run_stdin(["check", "--stdin-filename", "nb.ipynb"], notebook, tmp_path, tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines()[0] == (
        "nb.ipynb:cell 2:3:1: HF098 [warning] [*] `old_name` is a test finding"
    )
    as_python = run_stdin(["check", "--stdin-filename", "nb.py"], notebook, tmp_path, tmp_path)
    assert as_python.stdout.startswith("nb.py:1:")  # one line of JSON: the suffix decided
    assert "cell" not in as_python.stdout


def test_fix_with_stdin_writes_the_fixed_source_to_stdout(tmp_path: Path) -> None:
    on_disk = write(tmp_path / "m.py", FINDINGS)
    result = run_stdin(["check", "--fix", "--stdin-filename", "m.py"], FINDINGS, tmp_path, tmp_path)
    assert result.returncode == 1  # risky_call remains (its fix is unsafe)
    assert result.stdout == "import transformers\nnew_name = 1\nrisky_call()\n"
    assert result.stderr == (
        "m.py:3:1: HF099 [error] `risky_call` is a test finding\n"
        "Found 2 findings: 1 error, 1 warning (1 fixed, 1 remaining).\n"
    )
    assert on_disk.read_text() == FINDINGS  # stdin is never written back to a file
    unsafe = run_stdin(["check", "-", "--fix", "--unsafe-fixes"], FINDINGS, tmp_path, tmp_path)
    assert unsafe.returncode == 0
    assert unsafe.stdout == "import transformers\nnew_name = 1\ncareful_call()\n"
    nothing = run_stdin(["check", "-", "--fix", "-q"], "import os\n", tmp_path, tmp_path)
    assert (nothing.returncode, nothing.stdout, nothing.stderr) == (0, "import os\n", "")


def test_diff_with_stdin(tmp_path: Path) -> None:
    result = run_stdin(
        ["check", "--diff", "--stdin-filename", "m.py"], FINDINGS, tmp_path, tmp_path
    )
    assert result.returncode == 1
    assert result.stdout == (
        "--- m.py\n+++ m.py\n@@ -1,3 +1,3 @@\n import transformers\n"
        "-old_name = 1\n+new_name = 1\n risky_call()\n"
    )
    assert result.stderr == "Would fix 1 finding.\n"


def test_stdin_and_paths(tmp_path: Path) -> None:
    write(tmp_path / "a.py", FINDINGS)
    mixed = run_stdin(["check", "-", "a.py"], FINDINGS, tmp_path, tmp_path)
    assert mixed.returncode == 2 and mixed.stdout == ""
    assert mixed.stderr == "hflint: error: `-` (stdin) cannot be combined with other paths\n"
    named = run_stdin(
        ["check", "a.py", "--stdin-filename", "s.py"], "import os\n", tmp_path, tmp_path
    )
    assert (named.returncode, named.stdout) == (0, "All checks passed!\n")  # stdin, not a.py
    assert named.stderr == "hflint: warning: ignoring a.py in favour of stdin\n"


def test_force_exclude_applies_to_the_stdin_filename(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.hflint]\nextend-exclude = ["legacy"]\n')
    args = ["check", "--stdin-filename", "legacy/old.py"]
    checked = run_stdin(args, FINDINGS, tmp_path, tmp_path)
    assert checked.returncode == 1  # named: checked, as a file named on the command line
    skipped = run_stdin([*args, "--force-exclude"], FINDINGS, tmp_path, tmp_path)
    assert (skipped.returncode, skipped.stdout) == (0, "All checks passed!\n")
    fixed = run_stdin([*args, "--force-exclude", "--fix"], FINDINGS, tmp_path, tmp_path)
    assert (fixed.returncode, fixed.stdout) == (0, FINDINGS)  # passed through unchanged


# ---- 4. severities ------------------------------------------------------------------------------------
def test_each_finding_shows_its_severity_and_the_summary_counts_them(tmp_path: Path) -> None:
    write(
        tmp_path / "a.py",
        "import transformers\n"
        "old_name = 1\n"
        "risky_call()\n"
        "break_me = 2\n"
        'AutoModel.from_pretrained("x")\n'
        'AutoModel.from_pretrained("y")\n'
        "old_name\n",
    )
    result = run_cli(["check", "a.py"], tmp_path, tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "a.py:2:1: HF098 [warning] [*] `old_name` is a test finding",
        "a.py:3:1: HF099 [error] `risky_call` is a test finding",
        "a.py:4:1: HF096 [hint] [*] `break_me` is a test finding",
        "a.py:5:28: HF097 [info] model_type is unknown",
        "a.py:6:28: HF097 [info] model_type is unknown",
        "a.py:7:1: HF098 [warning] [*] `old_name` is a test finding",
        "Found 6 findings: 1 error, 2 warnings, 2 info, 1 hint "
        "(3 fixable with --fix; 1 more with --unsafe-fixes).",
    ]


def test_summary_singular_and_all_passed(tmp_path: Path) -> None:
    write(tmp_path / "one.py", "import transformers\nrisky_call()\n")
    one = run_cli(["check", "one.py"], tmp_path, tmp_path)
    assert one.stdout.splitlines()[-1] == "Found 1 finding: 1 error (1 more with --unsafe-fixes)."
    write(tmp_path / "two.py", "import transformers\nrisky_call()\nrisky_call()\n")
    two = run_cli(["check", "two.py"], tmp_path, tmp_path)
    assert two.stdout.splitlines()[-1] == (
        "Found 2 findings: 2 errors (2 more with --unsafe-fixes)."
    )
    write(tmp_path / "clean.py", "import transformers\n")
    clean = run_cli(["check", "clean.py"], tmp_path, tmp_path)
    assert (clean.returncode, clean.stdout) == (0, "All checks passed!\n")
