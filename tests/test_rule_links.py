"""Rule links lead to a page that exists: the rule's heading in the rules page installed with
hflint (package data), or, with `docs-url`, a hosted copy. Every place that shows a link is
checked: LSP diagnostics, JSON, SARIF, and `hflint rule`."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from cli_harness import RULES, run_cli
from lsp_client import VSCODE, HflintClient, open_doc, session, until
from lsprotocol import types
from test_output_formats import check_sarif_structure, sarif_schema

from hflint.analyzers.findings import Finding, Range, Severity
from hflint.analyzers.settings import Settings
from hflint.rules.base import finding_url, rule_url, rules_page
from hflint.rules.catalogue_page import render_rules_page
from hflint.rules.registry import all_rules
from hflint.server import output
from hflint.server.config import Config, ConfigError, load_config, parse_docs_url
from hflint.server.lsp_settings import parse_editor_settings

ROOT = Path(__file__).resolve().parent.parent
HOSTED = "https://docs.example.org/hflint/rules/{code}.html"
HOSTED_PAGE = "https://docs.example.org/hflint/rules.html"


# ---- the page and its anchors -----------------------------------------------------------------
def github_slugs(markdown: str) -> set[str]:
    """The anchors GitHub (and VS Code's Markdown preview) give the headings of `markdown`:
    lower case, punctuation dropped, spaces to hyphens, `-1`, `-2`... for repeats. Lines in
    fenced code blocks are not headings."""
    slugs: set[str] = set()
    seen: dict[str, int] = {}
    fenced = False
    for line in markdown.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        heading = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if fenced or heading is None:
            continue
        text = re.sub(r"<[^>]+>", "", heading.group(1)).lower()
        slug = re.sub(r"[^\w\- ]", "", text).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        slugs.add(slug if count == 0 else f"{slug}-{count}")
    return slugs


def test_the_page_ships_in_the_package() -> None:
    spec = importlib.util.find_spec("hflint.docs")
    assert spec is not None and spec.submodule_search_locations
    shipped = [Path(p) / "rules.md" for p in spec.submodule_search_locations]
    assert any(p.is_file() for p in shipped)
    page = rules_page()
    assert page is not None and page.is_file()
    # the installed copy is docs/rules.md, which is the registry's rules rendered
    text = page.read_text(encoding="utf-8")
    assert text == (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert text == render_rules_page()


def test_every_rule_link_resolves_to_a_heading_of_the_installed_page() -> None:
    page = rules_page()
    assert page is not None
    slugs = github_slugs(page.read_text(encoding="utf-8"))
    rules = all_rules()
    assert rules
    for rule in rules:
        parts = urlsplit(rule.url())
        assert parts.scheme == "file"
        assert Path(unquote(parts.path)) == page
        assert parts.fragment == rule.code.lower()
        assert parts.fragment in slugs, rule.code


def test_the_table_of_rules_links_to_the_same_headings() -> None:
    text = render_rules_page()
    slugs = github_slugs(text)
    links = re.findall(r"\]\(#([^)]+)\)", text)
    assert len(links) == len(all_rules())
    assert set(links) <= slugs


def test_slugs_are_githubs() -> None:
    text = (
        "# A title\n## HF101\n### What it does\n```python\n# not a heading\n```\n### What it does\n"
    )
    assert github_slugs(text) == {"a-title", "hf101", "what-it-does", "what-it-does-1"}


def test_no_link_to_the_repository_that_does_not_exist() -> None:
    for folder in ("package", "analyzers", "rules", "server"):
        for path in (ROOT / folder).rglob("*.py"):
            assert "github.com/hflint" not in path.read_text(encoding="utf-8"), path


# ---- docs-url --------------------------------------------------------------------------------
def test_docs_url_template_or_page() -> None:
    assert rule_url("HF101", HOSTED) == "https://docs.example.org/hflint/rules/hf101.html"
    assert rule_url("HF101", HOSTED_PAGE) == f"{HOSTED_PAGE}#hf101"
    assert rule_url("HF101", "https://x.org/rules.md#{code}") == "https://x.org/rules.md#hf101"
    plain = Finding("HF101", "n", Severity.ERROR, "m", Range.of(1, 0, 1, 1))
    linked = Finding("HF101", "n", Severity.ERROR, "m", Range.of(1, 0, 1, 1), url=rule_url("HF101"))
    assert finding_url(plain, HOSTED) is None  # a finding no rule documents has no link
    assert finding_url(linked) == linked.url
    assert finding_url(linked, HOSTED) == "https://docs.example.org/hflint/rules/hf101.html"


@pytest.mark.parametrize(
    "bad",
    ["", "docs.example.org/rules", "ftp://x.org/{code}", "https://x.org/rules.html#top", 3],
)
def test_docs_url_must_be_a_url(bad: object) -> None:
    with pytest.raises(ConfigError, match="docs-url"):
        parse_docs_url(bad, "`docs-url`")


def test_docs_url_in_pyproject(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(f'[tool.hflint]\ndocs-url = " {HOSTED} "\n', encoding="utf-8")
    assert load_config(pyproject).docs_url == HOSTED
    pyproject.write_text(f'[tool.hflint]\ndocs_url = "{HOSTED_PAGE}"\n', encoding="utf-8")
    assert load_config(pyproject).docs_url == HOSTED_PAGE
    pyproject.write_text('[tool.hflint]\nselect = ["HF1"]\n', encoding="utf-8")
    assert load_config(pyproject).docs_url is None
    pyproject.write_text("[tool.hflint]\ndocs-url = true\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"`docs-url` in \[tool.hflint\]"):
        load_config(pyproject)


def test_docs_url_from_the_editor(tmp_path: Path) -> None:
    settings, problems = parse_editor_settings({"docsUrl": HOSTED})
    assert problems == [] and settings.docs_url == HOSTED
    from_file = Config(Settings(), tmp_path, docs_url=HOSTED_PAGE)
    assert settings.apply(from_file).docs_url == HOSTED  # the editor's wins
    assert parse_editor_settings({})[0].apply(from_file).docs_url == HOSTED_PAGE
    _, problems = parse_editor_settings({"docsUrl": "nowhere"})
    assert len(problems) == 1 and "`docsUrl`" in problems[0]


# ---- every place that shows a link -----------------------------------------------------------
def _finding(code: str) -> Finding:
    return Finding(code, "n", Severity.ERROR, "m", Range.of(1, 0, 1, 1), url=rule_url(code))


def test_json_and_sarif(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import hflint.rules.registry as registry

    monkeypatch.setattr(registry, "all_rules", lambda: RULES)
    files = [output.FileFindings(tmp_path / "a.py", "a.py", [_finding("HF098")])]
    page = rules_page()
    assert page is not None
    [item] = json.loads(output.format_json(files))
    assert item["url"] == f"{page.as_uri()}#hf098"
    [item] = json.loads(output.format_json(files, HOSTED))
    assert item["url"] == "https://docs.example.org/hflint/rules/hf098.html"

    def driver(docs_url: str | None) -> dict[str, Any]:
        import jsonschema

        log = json.loads(output.format_sarif(files, tmp_path, "1", docs_url))
        jsonschema.Draft4Validator(sarif_schema()).validate(log)
        found: dict[str, Any] = log["runs"][0]["tool"]["driver"]
        if "informationUri" in found:
            check_sarif_structure(log)
        return found

    installed = driver(None)
    assert installed["informationUri"] == page.as_uri()
    help_uris = {r["id"]: r.get("helpUri") for r in installed["rules"]}
    assert help_uris["HF098"] == f"{page.as_uri()}#hf098"
    assert help_uris["HF001"] is None  # the engine's own findings have no section
    hosted = driver(HOSTED)
    assert "informationUri" not in hosted  # a per-rule template names no page for the tool
    help_uris = {r["id"]: r.get("helpUri") for r in hosted["rules"]}
    assert help_uris["HF098"] == "https://docs.example.org/hflint/rules/hf098.html"
    assert driver(HOSTED_PAGE)["informationUri"] == HOSTED_PAGE


def test_cli_uses_the_configured_docs_url(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "a.py").write_text("import transformers\nold_name = 1\n", encoding="utf-8")
    page = rules_page()
    assert page is not None
    result = run_cli(["check", "--output-format", "json"], tmp_path, tmp_path)
    assert [d["url"] for d in json.loads(result.stdout)] == [f"{page.as_uri()}#hf098"]
    explained = run_cli(["rule", "HF098", "--output-format", "json"], tmp_path, tmp_path)
    assert json.loads(explained.stdout)["url"] == f"{page.as_uri()}#hf098"

    (tmp_path / "pyproject.toml").write_text(
        f'[tool.hflint]\ndocs-url = "{HOSTED}"\n', encoding="utf-8"
    )
    hosted = "https://docs.example.org/hflint/rules/hf098.html"
    result = run_cli(["check", "--output-format", "json"], tmp_path, tmp_path)
    assert [d["url"] for d in json.loads(result.stdout)] == [hosted]
    sarif = json.loads(run_cli(["check", "--output-format", "sarif"], tmp_path, tmp_path).stdout)
    rules = {r["id"]: r for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["HF098"]["helpUri"] == hosted
    explained = run_cli(["rule", "HF098", "--output-format", "json"], tmp_path, tmp_path)
    assert json.loads(explained.stdout)["url"] == hosted
    listing = json.loads(
        run_cli(["rule", "--all", "--output-format", "json"], tmp_path, tmp_path).stdout
    )
    assert {d["code"]: d["url"] for d in listing}["HF098"] == hosted


# ---- the language server ---------------------------------------------------------------------
REMOVED = (
    "from transformers import AutoModelForVision2Seq\n"
    'model = AutoModelForVision2Seq.from_pretrained("Salesforce/blip-image-captioning-base")\n'
)


async def _href(client: HflintClient, uri: str) -> str:
    await until(lambda: any(p.uri == uri and p.diagnostics for p in client.published))
    [found] = client.diagnostics[uri]
    assert found.code == "HF202" and found.code_description is not None
    return found.code_description.href


@pytest.mark.asyncio
@pytest.mark.timeout(60)
async def test_diagnostics_link_to_the_installed_page(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    path = tmp_path / "a.py"
    path.write_text(REMOVED, encoding="utf-8")
    async with session(tmp_path, VSCODE) as client:
        href = await _href(client, open_doc(client, path, REMOVED))
    page = rules_page()
    assert page is not None and href == f"{page.as_uri()}#hf202"
    assert urlsplit(href).fragment in github_slugs(page.read_text(encoding="utf-8"))


@pytest.mark.asyncio
@pytest.mark.timeout(60)
async def test_diagnostics_link_to_docs_url(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.hflint]\ndocs-url = "{HOSTED_PAGE}"\n', encoding="utf-8"
    )
    path = tmp_path / "a.py"
    path.write_text(REMOVED, encoding="utf-8")
    async with session(tmp_path, VSCODE) as client:
        uri = open_doc(client, path, REMOVED)
        assert await _href(client, uri) == f"{HOSTED_PAGE}#hf202"
        client.published.clear()
        # the editor's setting wins over the file's, and a change shows at once
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"hflint": {"docsUrl": HOSTED}})
        )
        await until(lambda: any(p.uri == uri and p.diagnostics for p in client.published))
        [found] = client.diagnostics[uri]
        assert found.code_description is not None
        assert found.code_description.href == "https://docs.example.org/hflint/rules/hf202.html"
