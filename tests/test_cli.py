"""`hflint check` and `hflint rule` end to end: exit codes, errors, fixes, start-up cost."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cli_harness import child_env, run_cli

FINDINGS = "import transformers\nold_name = 1\nrisky_call()\n"


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# ---- start-up ----------------------------------------------------------------------------------
def test_version(tmp_path: Path) -> None:
    from hflint import __version__

    result = run_cli(["--version"], tmp_path, tmp_path, test_rules=False)
    assert (result.returncode, result.stdout) == (0, f"hflint {__version__}\n")


def test_cli_never_imports_torch(tmp_path: Path) -> None:
    write(tmp_path / "a.py", "from transformers import AutoModelForConditionalGeneration\n")
    code = (
        "import sys, hflint.server.cli as cli\n"
        "assert 'torch' not in sys.modules and 'transformers' not in sys.modules\n"
        "try:\n    cli.main(['--version'])\nexcept SystemExit:\n    pass\n"
        "rc = cli.main(['check', '--no-cache', 'a.py'])\n"
        "assert rc in (0, 1), rc\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=child_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("ok\n")


def test_cli_import_time(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import hflint.server.cli"],
        cwd=tmp_path,
        env=child_env(tmp_path),
        capture_output=True,
        text=True,
    )
    match = re.search(r"\|\s*(\d+) \| hflint\.server\.cli$", result.stderr, re.MULTILINE)
    assert match, result.stderr[-2000:]
    microseconds = int(match.group(1))
    print(f"import hflint.server.cli: {microseconds / 1000:.1f} ms")
    assert microseconds < 300_000


# ---- exit codes --------------------------------------------------------------------------------
def test_exit_codes(tmp_path: Path) -> None:
    write(tmp_path / "clean.py", "import transformers\n")
    write(tmp_path / "bad.py", FINDINGS)
    clean = run_cli(["check", "clean.py"], tmp_path, tmp_path)
    assert (clean.returncode, clean.stdout) == (0, "All checks passed!\n")
    found = run_cli(["check"], tmp_path, tmp_path)
    assert found.returncode == 1
    zero = run_cli(["check", "--exit-zero"], tmp_path, tmp_path)
    assert zero.returncode == 0
    assert zero.stdout == found.stdout
    usage = run_cli(["check", "--no-such-flag"], tmp_path, tmp_path)
    assert usage.returncode == 2 and "unrecognized arguments" in usage.stderr
    nothing = run_cli([], tmp_path, tmp_path)
    assert nothing.returncode == 2
    bad_select = run_cli(["check", "--select", "F401"], tmp_path, tmp_path)
    assert bad_select.returncode == 2
    assert "--select: `F401` is not a rule code or prefix (e.g. HF1, HF204)" in bad_select.stderr


def test_missing_path_exits_2_before_checking_anything(tmp_path: Path) -> None:
    write(tmp_path / "bad.py", FINDINGS)
    result = run_cli(["check", "nope.py", "bad.py", "--exit-zero"], tmp_path, tmp_path)
    assert result.returncode == 2
    assert result.stderr == "hflint: error: Failed to lint nope.py: No such file or directory\n"
    assert result.stdout == ""


def test_one_syntax_error_per_file_and_the_others_still_checked(tmp_path: Path) -> None:
    write(tmp_path / "a.py", "import transformers\ndef broken(:\n    pass\nx = (\n")
    write(tmp_path / "b.py", "import os\nprint('x'\n")  # not about transformers: ast check only
    write(tmp_path / "c.py", FINDINGS)
    result = run_cli(["check", "--output-format", "json"], tmp_path, tmp_path)
    assert result.returncode == 1
    data = json.loads(result.stdout)
    found = [(Path(d["filename"]).name, d["code"]) for d in data]
    assert found == [("a.py", "HF001"), ("b.py", "HF001"), ("c.py", "HF098"), ("c.py", "HF099")]
    assert data[1]["location"] == {"row": 2, "column": 6}


def test_unreadable_files_are_reported_like_e902(tmp_path: Path) -> None:
    write(tmp_path / "latin.py", b"import transformers\nname = '\xe9'\n")
    write(tmp_path / "blob.py", b"\x00\x01\x02binary")
    write(tmp_path / "ok.py", FINDINGS)
    result = run_cli(["check"], tmp_path, tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "blob.py:1:1: HF002 [error] Cannot check this file: binary file (NUL byte at offset 0), "
        "skipped"
    )
    assert lines[1].startswith(
        "latin.py:1:1: HF002 [error] Cannot check this file: invalid UTF-8 at byte"
    )
    assert lines[2].startswith("ok.py:2:1: HF098")
    assert "hflint: warning: latin.py: invalid UTF-8 at byte offset 28" in result.stderr
    assert "hflint: warning: blob.py: binary file" in result.stderr
    ignored = run_cli(["check", "--ignore", "HF002", "latin.py", "blob.py"], tmp_path, tmp_path)
    assert ignored.returncode == 0
    assert "hflint: warning: latin.py" in ignored.stderr


def test_huge_files_are_skipped_with_a_warning(tmp_path: Path) -> None:
    write(tmp_path / "huge.py", "import transformers\n" + "old_name = 1\n" * 500_000)
    result = run_cli(["check", "huge.py"], tmp_path, tmp_path)
    assert result.returncode == 0
    assert "hflint: warning: huge.py: file is 6.2 MB, larger than the 5 MB limit, skipped" in (
        result.stderr
    )


def test_coding_cookie_files_are_checked(tmp_path: Path) -> None:
    write(tmp_path / "l.py", b"# -*- coding: latin-1 -*-\nimport transformers\nold_name = '\xe9'\n")
    result = run_cli(["check", "l.py"], tmp_path, tmp_path)
    assert result.returncode == 1
    assert "l.py:3:1: HF098" in result.stdout


# ---- fixes -------------------------------------------------------------------------------------
def test_fix_applies_safe_fixes_only(tmp_path: Path) -> None:
    path = write(tmp_path / "a.py", FINDINGS)
    result = run_cli(["check", "--fix"], tmp_path, tmp_path)
    assert result.returncode == 1
    assert path.read_text() == "import transformers\nnew_name = 1\nrisky_call()\n"
    assert result.stdout == (
        "a.py:3:1: HF099 [error] `risky_call` is a test finding\n"
        "Found 2 findings: 1 error, 1 warning (1 fixed, 1 remaining).\n"
    )
    unsafe = run_cli(["check", "--fix", "--unsafe-fixes", "--show-fixes"], tmp_path, tmp_path)
    assert unsafe.returncode == 0, unsafe.stdout
    assert path.read_text() == "import transformers\nnew_name = 1\ncareful_call()\n"
    assert "Fixed in a.py:\n    1 × HF099 (test-risky-call)\n" in unsafe.stdout
    assert unsafe.stdout.endswith("Found 1 finding: 1 error (1 fixed, 0 remaining).\n")


def test_diff_writes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path / "a.py", FINDINGS)
    result = run_cli(["check", "--diff"], tmp_path, tmp_path)
    assert result.returncode == 1
    assert result.stdout == (
        "--- a.py\n+++ a.py\n@@ -1,3 +1,3 @@\n import transformers\n"
        "-old_name = 1\n+new_name = 1\n risky_call()\n"
    )
    assert "Would fix 1 finding." in result.stderr
    assert path.read_text() == FINDINGS
    unsafe = run_cli(["check", "--diff", "--unsafe-fixes"], tmp_path, tmp_path)
    assert "+careful_call()" in unsafe.stdout
    assert path.read_text() == FINDINGS
    write(tmp_path / "a.py", "import transformers\n")
    clean = run_cli(["check", "--diff"], tmp_path, tmp_path)
    assert (clean.returncode, clean.stdout) == (0, "")


def test_fix_keeps_line_endings_and_encoding(tmp_path: Path) -> None:
    crlf = write(tmp_path / "crlf.py", b"import transformers\r\nold_name = 1\r\n")
    latin = write(
        tmp_path / "latin.py",
        b"# -*- coding: latin-1 -*-\nimport transformers\nold_name = '\xe9'\n",
    )
    bom = write(tmp_path / "bom.py", b"\xef\xbb\xbfimport transformers\nold_name\n")
    result = run_cli(["check", "--fix"], tmp_path, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert crlf.read_bytes() == b"import transformers\r\nnew_name = 1\r\n"
    assert (
        latin.read_bytes() == b"# -*- coding: latin-1 -*-\nimport transformers\nnew_name = '\xe9'\n"
    )
    assert bom.read_bytes() == b"\xef\xbb\xbfimport transformers\nnew_name\n"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".hflint")]  # no temp files


def test_a_fix_that_breaks_the_code_is_never_written(tmp_path: Path) -> None:
    text = "import transformers\nbreak_me = 1\nold_name = 2\n"
    path = write(tmp_path / "a.py", text)
    result = run_cli(["check", "--fix"], tmp_path, tmp_path)
    assert result.returncode == 2
    assert path.read_text() == text
    assert "the fix for HF096, HF098 produced code that does not parse" in result.stderr
    assert "a.py:2:1: HF096" in result.stdout  # the findings are still reported


# ---- other options --------------------------------------------------------------------------------
def test_statistics(tmp_path: Path) -> None:
    write(tmp_path / "a.py", FINDINGS + "old_name\n")
    result = run_cli(["check", "--statistics"], tmp_path, tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "2\tHF098\t[*] test-old-name",
        "1\tHF099\ttest-risky-call",
    ]


def test_process_pool_gives_the_same_results(tmp_path: Path) -> None:
    for i in range(60):
        write(tmp_path / f"m{i:02d}.py", f"import transformers\nold_name = {i}\n")
    result = run_cli(["check", "--output-format", "json"], tmp_path, tmp_path)
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert [Path(d["filename"]).name for d in data] == [f"m{i:02d}.py" for i in range(60)]
    assert {d["code"] for d in data} == {"HF098"}
    fixed = run_cli(["check", "--fix", "--no-cache"], tmp_path, tmp_path)
    assert fixed.returncode == 0, fixed.stdout
    assert (tmp_path / "m59.py").read_text() == "import transformers\nnew_name = 59\n"


# ---- hflint rule -----------------------------------------------------------------------------------
def test_rule_docs_and_listing(tmp_path: Path) -> None:
    one = run_cli(["rule", "hf098"], tmp_path, tmp_path)
    assert one.returncode == 0
    assert one.stdout.startswith("# test-old-name (HF098)\n\nDefault severity: warning\n")
    assert "## What it does" in one.stdout
    listing = run_cli(["rule", "--all"], tmp_path, tmp_path)
    assert listing.returncode == 0
    rows = [line.split() for line in listing.stdout.splitlines()]
    assert [row[:3] for row in rows] == [
        ["HF001", "syntax-error", "error"],
        ["HF002", "io-error", "error"],
        ["HF003", "invalid-suppression", "warning"],
        ["HF096", "test-broken-fix", "hint"],
        ["HF097", "test-checkpoint-type", "info"],
        ["HF098", "test-old-name", "warning"],
        ["HF099", "test-risky-call", "error"],
    ]
    data = json.loads(
        run_cli(["rule", "--all", "--output-format", "json"], tmp_path, tmp_path).stdout
    )
    assert [d["code"] for d in data] == [
        "HF001",
        "HF002",
        "HF003",
        "HF096",
        "HF097",
        "HF098",
        "HF099",
    ]
    assert set(data[0]) == {"code", "name", "severity", "summary", "url", "explanation"}
    builtin = run_cli(["rule", "HF002"], tmp_path, tmp_path)
    assert builtin.stdout.startswith("# io-error (HF002)\n") and "E902" in builtin.stdout
    unknown = run_cli(["rule", "HF999"], tmp_path, tmp_path)
    assert unknown.returncode == 2 and "unknown rule code `HF999`" in unknown.stderr
    assert run_cli(["rule"], tmp_path, tmp_path).returncode == 2


# ---- with the real rules (pass once the HF1xx-HF4xx rules have landed) ------------------------------
def _real_hf2_rules() -> bool:
    try:
        from hflint.rules.registry import all_rules

        return any(rule.code.startswith("HF2") for rule in all_rules())
    except Exception:
        return False


@pytest.mark.skipif(not _real_hf2_rules(), reason="no HF2xx rule is registered yet")
def test_real_rules_nonexistent_auto_class(tmp_path: Path) -> None:
    write(tmp_path / "seed.py", "from transformers import AutoModelForConditionalGeneration\n")
    result = run_cli(
        ["check", "--output-format", "json", "--no-cache"], tmp_path, tmp_path, test_rules=False
    )
    assert result.returncode == 1, result.stderr
    codes = [d["code"] for d in json.loads(result.stdout)]
    assert any(code.startswith("HF2") for code in codes), codes


@pytest.mark.skipif(not _real_hf2_rules(), reason="no HF2xx rule is registered yet")
def test_real_rules_rule_listing(tmp_path: Path) -> None:
    result = run_cli(["rule", "--all"], tmp_path, tmp_path, test_rules=False)
    assert result.returncode == 0
    assert any(line.startswith("HF2") for line in result.stdout.splitlines())
