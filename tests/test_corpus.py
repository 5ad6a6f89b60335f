"""Accuracy on a corpus of realistic scripts and notebooks: every finding and every silence.

`tests/corpus/` holds code in the styles people write (course notebooks, argparse and
HfArgumentParser scripts, PEFT, TRL, Whisper, vision-language models, pipelines): about half of
it correct for transformers 5 (it must get no finding at all), the rest with the mistakes users
really make, mixed into ordinary code. `tests/corpus/expected.json` lists, per file, every
finding as `CODE line:column` (`CODE cell N:line:column` in notebooks), exactly as
`hflint check` prints it. A new false positive fails, and so does a lost true positive.

Two lists keep what is known to be wrong out of the expectations, so they are never baked in:
`known_false_positives` (reported today, but wrong: tolerated, and the test fails once the
finding is gone, so the entry gets removed) and `known_false_negatives` (planted mistakes
nothing reports yet, by code and line: the test fails once one is reported, so it moves to the
expectations). `tests/corpus/README.md` says what each file plants.

Regenerate after a rule change, then review the printed diff finding by finding:

    HF_HUB_OFFLINE=1 .venv/bin/python tests/test_corpus.py --update
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parent / "corpus"
EXPECTED = CORPUS / "expected.json"
SUFFIXES = (".py", ".ipynb")


@dataclass(frozen=True)
class Reported:
    key: str  # "HF802 12:5" or "HF802 cell 3:12:5"
    message: str


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir() if p.suffix in SUFFIXES)


def check_corpus() -> dict[str, list[Reported]]:
    """What `hflint check tests/corpus` reports, per file name (same discovery, config, runner)."""
    from hflint.server.config import ConfigFinder, Overrides
    from hflint.server.discovery import discover
    from hflint.server.output import locate
    from hflint.server.runner import RunOptions, run

    cwd = CORPUS.parent.parent
    found = discover([str(CORPUS)], ConfigFinder(cwd, Overrides()), cwd)
    results = run(found.files, RunOptions(cwd=cwd, use_cache=False))
    reported: dict[str, list[Reported]] = {}
    for result in results:
        assert not result.errors, f"{result.path.name}: {result.errors}"
        rows = []
        for finding in result.findings:
            loc = locate(finding.range.start, result.cell_map)
            cell = f"cell {loc.cell}:" if loc.cell is not None else ""
            rows.append(Reported(f"{finding.code} {cell}{loc.row}:{loc.column}", finding.message))
        reported[result.path.name] = rows
    return reported


def installed_transformers() -> str:
    from importlib.metadata import version

    return version("transformers")


def load_expected() -> dict[str, object]:
    data: dict[str, object] = json.loads(EXPECTED.read_text(encoding="utf-8"))
    return data


def _code_and_line(key: str) -> tuple[str, str]:
    """("HF102", "13") for "HF102 13:9"; ("HF505", "cell 4:7") for "HF505 cell 4:7:26"."""
    code, where = key.split(" ", 1)
    return code, where.rsplit(":", 1)[0]


def _known(expected: dict[str, object], section: str, name: str) -> list[dict[str, str]]:
    table = expected.get(section, {})
    assert isinstance(table, dict)
    entries = table.get(name, [])
    assert isinstance(entries, list)
    return entries


# ---- pytest -------------------------------------------------------------------------------
# The expectations were recorded with the locked transformers release.
pytestmark = pytest.mark.locked_transformers


@pytest.fixture(scope="module")
def reported() -> dict[str, list[Reported]]:
    return check_corpus()


@pytest.fixture(scope="module")
def expected() -> dict[str, object]:
    data = load_expected()
    recorded = data["transformers"]
    if installed_transformers() != recorded:
        pytest.fail(
            f"tests/corpus/expected.json was recorded with transformers {recorded}, but "
            f"{installed_transformers()} is installed: run `python tests/test_corpus.py "
            "--update` and review every changed finding"
        )
    return data


def test_expectations_cover_the_corpus(expected: dict[str, object]) -> None:
    files = expected["files"]
    assert isinstance(files, dict)
    names = {p.name for p in corpus_files()}
    assert sorted(names - set(files)) == [], "corpus files without expectations (run --update)"
    assert sorted(set(files) - names) == [], "expectations for files that are gone"


@pytest.mark.parametrize("name", [p.name for p in corpus_files()])
def test_corpus_file(
    name: str, reported: dict[str, list[Reported]], expected: dict[str, object]
) -> None:
    files = expected["files"]
    assert isinstance(files, dict)
    want: list[str] = files.get(name, [])
    got = {r.key: r.message for r in reported.get(name, [])}
    known_fp = {e["finding"]: e["why"] for e in _known(expected, "known_false_positives", name)}
    known_fn = _known(expected, "known_false_negatives", name)

    problems: list[str] = []
    for key in sorted(set(got) - set(want) - set(known_fp)):
        problems.append(f"  new finding (false positive?) {key}: {got[key]}")
    for key in sorted(set(want) - set(got)):
        problems.append(f"  lost finding (false negative?) {key}")
    for key in sorted(set(known_fp) - set(got)):
        problems.append(
            f"  known false positive {key} is no longer reported: remove it from "
            "known_false_positives"
        )
    for entry in known_fn:
        code, line = entry["code"], entry["line"]
        hits = [k for k in got if _code_and_line(k) == (code, line)]
        if hits:
            problems.append(
                f"  known false negative {code} at {line} is now reported ({hits[0]}): review "
                "it, then run --update (which moves it to the expectations)"
            )
    if problems:
        pytest.fail(f"{name}:\n" + "\n".join(problems), pytrace=False)


# ---- python tests/test_corpus.py --update ------------------------------------------------
def update() -> int:
    """Rewrite `files` from what hflint reports now (less the known false positives), keep the
    known lists, and print what changed, for review."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HOME", tempfile.mkdtemp(prefix="hflint-corpus-hf-"))
    os.environ.setdefault("HFLINT_CACHE_DIR", tempfile.mkdtemp(prefix="hflint-corpus-cache-"))
    old = load_expected() if EXPECTED.exists() else {}
    old_files = old.get("files", {})
    assert isinstance(old_files, dict)
    reported = check_corpus()
    files: dict[str, list[str]] = {}
    for path in corpus_files():
        fps = {e["finding"] for e in _known(old, "known_false_positives", path.name)}
        rows = [r for r in reported.get(path.name, []) if r.key not in fps]
        files[path.name] = [r.key for r in rows]
        before = set(old_files.get(path.name, []))
        for row in rows:
            if row.key not in before:
                print(f"+ {path.name} {row.key}: {row.message}")
        for key in sorted(before - {r.key for r in rows}):
            print(f"- {path.name} {key}")
    known_fn: dict[str, list[dict[str, str]]] = {}
    for name in sorted(files):
        still = []
        for entry in _known(old, "known_false_negatives", name):
            hits = [k for k in files[name] if _code_and_line(k) == (entry["code"], entry["line"])]
            if hits:
                print(f"* {name} {hits[0]}: was a known false negative, now reported")
            else:
                still.append(entry)
        if still:
            known_fn[name] = still
    data = {
        "about": old.get(
            "about",
            "Every finding hflint reports on tests/corpus (see tests/test_corpus.py). "
            "Review each one by hand before it goes in.",
        ),
        "transformers": installed_transformers(),
        "files": files,
        "known_false_positives": old.get("known_false_positives", {}),
        "known_false_negatives": known_fn,
    }
    EXPECTED.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    total = sum(len(v) for v in files.values())
    clean = sum(1 for v in files.values() if not v)
    print(f"{EXPECTED}: {total} findings in {len(files)} files ({clean} without findings)")
    return 0


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        print(__doc__)
        sys.exit(2)
    sys.exit(update())
