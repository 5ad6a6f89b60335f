""" "Ignore HFxxx on this line": offered for every finding, fix or not, and the comment it writes
is one analyzers/suppression.py reads, on a line it looks at, so that checking again silences
exactly that finding."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsp_client import (
    NEOVIM,
    VSCODE,
    HflintClient,
    apply_edits,
    apply_workspace_edit,
    codes,
    open_doc,
    pull,
    replace_all,
    session,
    until,
)
from lsprotocol import types

from hflint.analyzers.findings import Finding
from hflint.analyzers.settings import Settings
from hflint.server.config import Config
from hflint.server.lsp_convert import to_diagnostics
from hflint.server.lsp_documents import Snapshot
from hflint.server.runner import check_text

# HF904 (no fix) on line 1; HF102 (with a fix) on line 4.
TEXT = (
    "from datasets import load_dataset, load_metric\n"
    "from transformers import AutoModelForCausalLM\n"
    "\n"
    'model = AutoModelForCausalLM.from_pretrained("facebook/bart-large-cnn")\n'
)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()  # configuration lookups stop here
    return tmp_path


# ---- through the language server ---------------------------------------------------------------
async def _diagnostics(client: HflintClient, uri: str, version: int) -> list[types.Diagnostic]:
    caps = client.capabilities
    assert caps is not None and caps.text_document is not None
    if caps.text_document.diagnostic is not None:
        report = await pull(client, uri)
        assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
        return list(report.items)
    await until(lambda: any(p.uri == uri and p.version == version for p in client.published))
    return list(client.diagnostics[uri])


async def _actions(
    client: HflintClient, uri: str, diagnostic: types.Diagnostic
) -> list[types.CodeAction]:
    params = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri),
        range=diagnostic.range,
        context=types.CodeActionContext(diagnostics=[diagnostic]),
    )
    result = await client.text_document_code_action_async(params)
    return [a for a in result or [] if isinstance(a, types.CodeAction)]


@pytest.mark.asyncio
@pytest.mark.timeout(60)
@pytest.mark.parametrize("caps", [VSCODE, NEOVIM])
async def test_a_finding_without_a_fix_can_be_ignored(root: Path, caps: str) -> None:
    path = root / "train.py"
    path.write_text(TEXT, encoding="utf-8")
    async with session(root, caps) as client:
        uri = open_doc(client, path, TEXT)
        found = await _diagnostics(client, uri, 1)
        assert codes(found) == ["HF102", "HF904"]
        [no_fix] = [d for d in found if d.code == "HF904"]
        assert no_fix.data["fix"] is None
        actions = await _actions(client, uri, no_fix)
        assert [a.title for a in actions if a.kind == types.CodeActionKind.QuickFix] == [
            "Ignore HF904 on this line"
        ]
        [ignore] = actions
        assert list(ignore.diagnostics or []) == [no_fix] and ignore.edit is not None
        ignored = apply_workspace_edit({uri: TEXT}, ignore.edit, client.encoding)[uri]
        assert ignored.splitlines()[0] == (
            "from datasets import load_dataset, load_metric  # noqa: HF904"
        )
        replace_all(client, uri, ignored, version=2)
        assert codes(await _diagnostics(client, uri, 2)) == ["HF102"]  # that one, only


@pytest.mark.asyncio
@pytest.mark.timeout(60)
async def test_the_code_joins_the_suppression_comment_of_the_line(root: Path) -> None:
    text = TEXT.replace("load_metric\n", "load_metric  # hflint: ignore[HF102]\n")
    path = root / "train.py"
    path.write_text(text, encoding="utf-8")
    async with session(root, VSCODE) as client:
        uri = open_doc(client, path, text)
        found = await _diagnostics(client, uri, 1)
        [no_fix] = [d for d in found if d.code == "HF904"]
        [ignore] = await _actions(client, uri, no_fix)
        assert ignore.title == "Ignore HF904 on this line" and ignore.edit is not None
        ignored = apply_workspace_edit({uri: text}, ignore.edit, client.encoding)[uri]
        assert ignored.splitlines()[0] == (
            "from datasets import load_dataset, load_metric  # hflint: ignore[HF102, HF904]"
        )
        replace_all(client, uri, ignored, version=2)
        assert codes(await _diagnostics(client, uri, 2)) == ["HF102"]


# ---- where the comment goes (the conversion the server sends, applied and checked again) -----
LABELS = (
    "import transformers as T\n"
    "from datasets import ClassLabel\n"
    'feature = ClassLabel(names=["sports", "politics", "tech", "health"])\n'
)
CASES = [
    pytest.param(
        'import datasets\nmetric = datasets.load_metric("glue")\n',
        'metric = datasets.load_metric("glue")  # noqa: HF904',
        id="a new comment",
    ),
    pytest.param(
        'import datasets\nmetric = datasets.load_metric("glue")  # noqa: E501\n',
        'metric = datasets.load_metric("glue")  # noqa: E501, HF904',
        id="added to a noqa list",
    ),
    pytest.param(
        'import datasets\nmetric = datasets.load_metric("glue")  # hflint: ignore[HF102 ]\n',
        'metric = datasets.load_metric("glue")  # hflint: ignore[HF102, HF904 ]',
        id="added to an ignore list",
    ),
    pytest.param(
        'import datasets\nmetric = datasets.load_metric("glue")  # see "#12"\n',
        'metric = datasets.load_metric("glue")  # see "#12"  # noqa: HF904',
        id="after another comment",
    ),
    pytest.param(
        'import datasets\nmetric = datasets.load_metric("# noqa: E501")\n',
        'metric = datasets.load_metric("# noqa: E501")  # noqa: HF904',
        id="not into a string that looks like a comment",
    ),
    pytest.param(
        'import datasets\nnote = """a\n# noqa: E501 """; metric = datasets.load_metric("glue")\n',
        '# noqa: E501 """; metric = datasets.load_metric("glue")  # noqa: HF904',
        id="a line that starts inside a string",
    ),
    pytest.param(
        LABELS
        + 'clf = T.AutoModelForSequenceClassification.from_pretrained(\n    "bert-base-uncased",\n)\n',
        "clf = T.AutoModelForSequenceClassification.from_pretrained(  # noqa: HF401",
        id="a call over lines: its first line",
    ),
    pytest.param(
        LABELS
        + 'clf = T.AutoModelForSequenceClassification.from_pretrained(\n    "bert-base-uncased",\n)  # noqa: E501\n',
        ")  # noqa: E501, HF401",
        id="a call over lines: the list on its last line",
    ),
    pytest.param(
        LABELS
        + "clf = T.AutoModelForSequenceClassification \\\n"
        + '    .from_pretrained("bert-base-uncased",\n)\n',
        ")  # noqa: HF401",
        id="a call over lines: not after a backslash",
    ),
    pytest.param(
        LABELS
        + 'clf = T.AutoModelForSequenceClassification.from_pretrained("bert-base-uncased", '
        + 'cache_dir="""\n/tmp/x""",\n)\n',
        ")  # noqa: HF401",
        id="a call over lines: not inside a string",
    ),
    pytest.param(
        LABELS
        + 'clf = T.AutoModelForSequenceClassification.from_pretrained("bert-base-uncased", '
        + 'cache_dir="""\n# noqa: E501""")\n',
        '# noqa: E501""")  # noqa: HF401',
        id="a call over lines: after the string its last line ends",
    ),
]


def _check(text: str, path: Path) -> tuple[list[Finding], Snapshot]:
    config = Config(Settings(), path.parent)
    findings = check_text(text, path, config)[0]
    return findings, Snapshot(path.as_uri(), 1, path, config, text, "utf-16", doc_version=1)


@pytest.mark.parametrize(("text", "line"), CASES)
def test_the_comment_goes_where_suppression_looks(text: str, line: str, tmp_path: Path) -> None:
    path = tmp_path / "train.py"
    findings, snapshot = _check(text, path)
    [finding] = [f for f in findings if f.code in ("HF904", "HF401")]
    [diagnostic] = [
        d for d in to_diagnostics(findings, snapshot)[snapshot.uri] if d.code == finding.code
    ]
    noqa = diagnostic.data["noqa"]
    assert noqa is not None and noqa["uri"] == snapshot.uri
    rng = noqa["range"]
    edit = types.TextEdit(
        types.Range(
            types.Position(rng["start"]["line"], rng["start"]["character"]),
            types.Position(rng["end"]["line"], rng["end"]["character"]),
        ),
        noqa["newText"],
    )
    ignored = apply_edits(text, [edit], "utf-16")
    assert line in ignored.splitlines()
    assert ignored.count("# noqa") + ignored.count("# hflint") == (
        text.count("# noqa") + text.count("# hflint") + (noqa["newText"].startswith("  #"))
    )
    after, _ = _check(ignored, path)
    assert sorted(f.code for f in after) == sorted(f.code for f in findings if f is not finding)
