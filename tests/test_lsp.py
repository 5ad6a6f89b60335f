"""The language server, driven over real JSON-RPC on stdio (pytest-lsp), as VS Code and Neovim.

The recorded VS Code (1.65) has no pull diagnostics, so it gets pushed diagnostics; the recorded
Neovim (0.11) pulls, and negotiates UTF-8 positions. A modern VS Code (pull, UTF-16) is the
VS Code capabilities with pull diagnostics added.
"""

from __future__ import annotations

import ast
import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

import pytest
from lsp_client import (
    NEOVIM,
    SERVER,
    VSCODE,
    HflintClient,
    apply_workspace_edit,
    capabilities,
    codes,
    edit_range,
    make_client,
    open_doc,
    pull,
    replace_all,
    server_env,
    session,
    units,
    until,
)
from lsprotocol import types

import hflint
from hflint.analyzers.findings import Severity

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# HF202 (safe fix, deprecated API) on line 1; its fix also renames the use after "é😀" on line 3.
REMOVED = (
    "from transformers import AutoModelForVision2Seq\n"
    "\n"
    's = "é😀"; model = AutoModelForVision2Seq.from_pretrained("Salesforce/blip-image-captioning-base")\n'
)
# HF102 (unsafe fix) on line 3, after non-ASCII text.
CAUSAL = (
    "from transformers import AutoModelForCausalLM\n"
    "\n"
    's = "é😀"; model = AutoModelForCausalLM.from_pretrained("facebook/bart-large-cnn")\n'
)
CLEAN = 'from transformers import AutoTokenizer\n\ntok = AutoTokenizer.from_pretrained("gpt2")\n'


async def diagnostics(
    client: HflintClient, uri: str, version: int | None = None
) -> list[types.Diagnostic]:
    """The document's diagnostics: pulled when the server pulls with this client, else the
    latest pushed (of `version`, when given)."""
    if _pulls(client):
        report = await pull(client, uri)
        assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
        return list(report.items)

    def arrived() -> bool:
        return any(
            p.uri == uri and (version is None or p.version == version) for p in client.published
        )

    await until(arrived)
    return list(client.diagnostics[uri])


def _pulls(client: HflintClient) -> bool:
    caps = client.capabilities
    assert caps is not None and caps.text_document is not None
    return caps.text_document.diagnostic is not None


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()  # configuration lookups stop here
    return tmp_path


# ---- start-up ----------------------------------------------------------------------------------
def _frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def _read_message(stream: IO[bytes]) -> dict[str, Any]:
    length = 0
    while True:
        line = stream.readline()
        if line in (b"\r\n", b""):
            break
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    message: dict[str, Any] = json.loads(stream.read(length))
    return message


def _raw_session(root: Path, capabilities: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Start the server over raw stdio, initialize, open a file; return the initialize answer
    and the methods/ids of everything the server sent until the file's diagnostics arrived."""
    proc = subprocess.Popen(
        SERVER,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=server_env(root),
    )
    path = _write(root / "early.py", CAUSAL)
    seen: list[str] = []
    try:
        assert proc.stdin is not None and proc.stdout is not None
        params = {"processId": None, "rootUri": root.as_uri(), "capabilities": capabilities}
        proc.stdin.write(
            _frame({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params})
        )
        proc.stdin.write(_frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
        item = {"uri": path.as_uri(), "languageId": "python", "version": 1, "text": CAUSAL}
        proc.stdin.write(
            _frame(
                {
                    "jsonrpc": "2.0",
                    "method": "textDocument/didOpen",
                    "params": {"textDocument": item},
                }
            )
        )
        proc.stdin.flush()
        answer: dict[str, Any] = {}
        while True:
            message = _read_message(proc.stdout)
            if "method" in message and "id" in message:  # a request of the server's: answer it
                result: Any = None
                if message["method"] == "workspace/configuration":
                    result = [{} for _ in message["params"]["items"]]
                proc.stdin.write(_frame({"jsonrpc": "2.0", "id": message["id"], "result": result}))
                proc.stdin.flush()
                continue
            seen.append(str(message.get("method") or f"reply {message.get('id')}"))
            if message.get("id") == 1 and "method" not in message:
                answer = message
            if (
                message.get("method") == "textDocument/publishDiagnostics"
                and message["params"]["diagnostics"]
            ):
                break
    finally:
        proc.kill()
        proc.wait()
    return answer, seen


async def test_initialize_answered_from_disk_matches_pygls(root: Path) -> None:
    """The second start answers `initialize` before pygls is imported: the answer must be the
    one pygls computed, sent exactly once, and the server must work on as usual."""
    first, seen_first = _raw_session(root, {})
    second, seen_second = _raw_session(root, {})
    assert "capabilities" in first["result"]
    assert second["result"] == first["result"]
    assert seen_first.count("reply 1") == 1 and seen_second.count("reply 1") == 1
    assert seen_second[0] == "reply 1"
    stored = list((root / ".hflint-cache" / "lsp-initialize").glob("*.json"))
    assert len(stored) == 1
    # other client capabilities: another answer (UTF-8 negotiated), never the stored one
    utf8, _ = _raw_session(root, {"general": {"positionEncodings": ["utf-8"]}})
    assert utf8["result"]["capabilities"]["positionEncoding"] == "utf-8"
    assert "positionEncoding" not in first["result"]["capabilities"] or (
        first["result"]["capabilities"]["positionEncoding"] == "utf-16"
    )


async def test_server_never_imports_torch(root: Path) -> None:
    code = (
        "import sys, hflint.server.lsp, hflint.server.lsp_server\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'transformers')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=server_env(root)
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
    async with session(root, VSCODE) as client:  # and after real checks, in the real process
        uri = open_doc(client, _write(root / "a.py", CAUSAL), CAUSAL)
        await diagnostics(client, uri)
        assert client._server is not None
        maps = Path(f"/proc/{client._server.pid}/maps")
        if maps.exists():
            assert "torch" not in maps.read_text()


# ---- diagnostics -------------------------------------------------------------------------------
async def test_push_diagnostics_carry_everything_a_client_shows(root: Path) -> None:
    async with session(root, VSCODE) as client:
        assert client.encoding == "utf-16"
        uri = open_doc(client, _write(root / "a.py", REMOVED), REMOVED)
        [found] = await diagnostics(client, uri, version=1)
    assert found.code == "HF202" and found.source == "hflint"
    assert found.severity == types.DiagnosticSeverity.Error
    assert list(found.tags or []) == [types.DiagnosticTag.Deprecated]
    assert found.code_description is not None
    assert found.code_description.href.endswith("#hf202")
    assert found.range == types.Range(types.Position(0, 25), types.Position(0, 47))
    data = found.data
    assert data["name"] == "removed-auto-class" and data["fix"]["applicability"] == "safe"
    [_, use] = data["fix"]["edits"]
    prefix = 's = "é😀"; model = '
    assert use["range"]["start"] == {"line": 2, "character": units(prefix, "utf-16")}
    assert data["noqa"]["newText"] == "  # noqa: HF202"


async def test_closing_a_document_clears_its_diagnostics(root: Path) -> None:
    async with session(root, VSCODE) as client:
        uri = open_doc(client, _write(root / "a.py", CAUSAL), CAUSAL)
        assert await diagnostics(client, uri, version=1)
        client.text_document_did_close(
            types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri))
        )
        await until(lambda: not client.diagnostics[uri])


async def test_tcp_transport(root: Path) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [*SERVER, "--tcp", f"127.0.0.1:{port}"]
    proc = subprocess.Popen(command, env=server_env(root), stderr=subprocess.PIPE)
    client = make_client()
    try:
        for _ in range(100):
            try:
                await client.start_tcp("127.0.0.1", port)
                break
            except OSError:
                await asyncio.sleep(0.05)
        await client.initialize_session(
            types.InitializeParams(capabilities=capabilities(VSCODE), root_uri=root.as_uri())
        )
        uri = open_doc(client, _write(root / "a.py", CAUSAL), CAUSAL)
        await until(lambda: codes(client.diagnostics.get(uri)) == ["HF102"])
        await client.shutdown_async(None)
        client.exit(None)
    finally:
        await client.stop()
        proc.kill()
        proc.wait()


@pytest.mark.parametrize(
    ("caps", "encoding"),
    [
        (VSCODE, "utf-16"),
        (NEOVIM, "utf-8"),
        (capabilities(VSCODE, pull=True), "utf-16"),
    ],
    ids=["vscode-push", "neovim-pull", "vscode-pull"],
)
async def test_columns_after_non_ascii_text(
    root: Path, caps: types.ClientCapabilities | str, encoding: str
) -> None:
    async with session(root, caps) as client:
        assert client.encoding == encoding
        uri = open_doc(client, _write(root / "a.py", CAUSAL), CAUSAL)
        [found] = await diagnostics(client, uri)
    prefix = 's = "é😀"; model = '
    start = units(prefix, encoding)
    assert found.code == "HF102"
    assert found.range.start == types.Position(2, start)
    assert found.range.end == types.Position(2, start + len("AutoModelForCausalLM"))


async def test_utf32_when_the_client_asks_for_it(root: Path) -> None:
    caps = capabilities(VSCODE)
    caps.general = types.GeneralClientCapabilities(position_encodings=["utf-32"])
    async with session(root, caps) as client:
        assert client.encoding == "utf-32"
        uri = open_doc(client, _write(root / "a.py", CAUSAL), CAUSAL)
        [found] = await diagnostics(client, uri)
    assert found.range.start == types.Position(2, len('s = "é😀"; model = '))


async def test_incremental_edits_follow_the_clients_line_rules(root: Path) -> None:
    """Lines end at \\r\\n, \\r or \\n only: a form feed or U+2028 does not start a line for
    the client, so it must not for the server either (str.splitlines would say it does)."""
    text = (
        "from transformers import AutoModelForCausalLM\r\n"
        "\x0c\r\n"
        "# é😀 \u2028 still the same line\r\n"
        'model = AutoModelForCausalLM.from_pretrained("gpt2")\r\n'
    )
    async with session(root, VSCODE) as client:
        uri = open_doc(client, _write(root / "a.py", text), text)
        assert await diagnostics(client, uri, version=1) == []
        start = len('model = AutoModelForCausalLM.from_pretrained("')
        rng = types.Range(types.Position(3, start), types.Position(3, start + len("gpt2")))
        edit_range(client, uri, rng, "facebook/bart-large-cnn", version=2)
        [found] = await diagnostics(client, uri, version=2)
    assert found.code == "HF102"
    assert found.range.start == types.Position(3, len("model = "))


async def test_editor_settings_merge_over_pyproject(root: Path) -> None:
    from hflint.server.lsp_settings import ConfigResolver, parse_editor_settings, unwrap

    _write(root / "pyproject.toml", '[tool.hflint]\nignore = ["HF204"]\nonline = true\n')
    raw = {"settings": {"extendSelect": ["HF9"], "ignore": ["HF3"], "online": False}}
    editor, problems = parse_editor_settings(unwrap(raw))
    assert problems == []
    configs = ConfigResolver(root)
    configs.editor = editor
    settings = configs.for_file(root / "a.py").settings
    assert settings.extend_select == ["HF9"] and settings.ignore == ["HF204", "HF3"]
    assert settings.online is False
    editor, problems = parse_editor_settings(
        {"select": ["HF1"], "severity": {"HF101": "information", "HF1": "loud"}}
    )
    configs.editor = editor
    settings = configs.for_file(root / "a.py").settings
    assert settings.select == ["HF1"] and settings.ignore == []  # select starts afresh
    assert settings.severity_for("HF101", Severity.ERROR) is Severity.INFO
    assert problems == [
        "`severity.HF1`: 'loud' is not one of error, warning, info, hint, information"
    ]


async def test_pull_diagnostics_with_result_ids(root: Path) -> None:
    async with session(root, NEOVIM) as client:
        uri = open_doc(client, _write(root / "a.py", CAUSAL), CAUSAL)
        first = await pull(client, uri)
        assert isinstance(first, types.RelatedFullDocumentDiagnosticReport)
        assert codes(first.items) == ["HF102"] and first.result_id
        again = await pull(client, uri, previous=first.result_id)
        assert isinstance(again, types.RelatedUnchangedDocumentDiagnosticReport)
        assert again.result_id == first.result_id
        # A comment at the end changes nothing the client shows: still unchanged.
        end = types.Position(3, 0)
        edit_range(client, uri, types.Range(end, end), "# done\n", version=2)
        same = await pull(client, uri, previous=first.result_id)
        assert isinstance(same, types.RelatedUnchangedDocumentDiagnosticReport)
        # A line above moves the finding: a new full report.
        start = types.Position(0, 0)
        edit_range(client, uri, types.Range(start, start), "import os\n", version=3)
        moved = await pull(client, uri, previous=first.result_id)
        assert isinstance(moved, types.RelatedFullDocumentDiagnosticReport)
        assert moved.result_id != first.result_id
        assert [d.range.start.line for d in moved.items] == [3]
    assert client.published == []  # pulled, never pushed


async def test_only_the_newest_version_is_published(root: Path) -> None:
    """A slow check of version 2 is overtaken by versions 3-5: only version 5 is published."""
    loads = "".join(
        f'm{i} = AutoModelForCausalLM.from_pretrained("facebook/bart-large-cnn")\n'
        for i in range(2000)
    )
    header = "from transformers import AutoModelForCausalLM\n"
    async with session(root, VSCODE) as client:
        uri = open_doc(client, _write(root / "a.py", CLEAN), CLEAN)
        await diagnostics(client, uri, version=1)
        replace_all(client, uri, header + loads, version=2)
        await asyncio.sleep(0.3)  # version 2 is being checked now
        for version in (3, 4):
            replace_all(client, uri, header + loads[: 100 * version], version=version)
        replace_all(client, uri, CAUSAL, version=5)
        await diagnostics(client, uri, version=5)
        await until(lambda: any("version 2" in m.message for m in client.log_messages))
        await asyncio.sleep(0.3)
    versions = [p.version for p in client.published if p.uri == uri]
    assert versions == [1, 5]
    assert codes(client.diagnostics[uri]) == ["HF102"]


async def test_a_syntax_error_while_typing_then_fixed(root: Path) -> None:
    async with session(root, NEOVIM) as client:
        uri = open_doc(client, _write(root / "a.py", CLEAN), CLEAN)
        assert await diagnostics(client, uri) == []
        end = types.Position(3, 0)
        half = "model = AutoModelForCausalLM.from_pretrained(\n"
        edit_range(client, uri, types.Range(end, end), half, version=2)
        [error] = await diagnostics(client, uri)
        assert error.code == "HF001"
        line_end = types.Position(3, len(half) - 1)
        edit_range(client, uri, types.Range(line_end, line_end), '"gpt2")', version=3)
        assert await diagnostics(client, uri) == []


def _sabotaged(root: Path) -> dict[str, str]:
    """An environment whose Python processes (the server and its check process) fail checks of
    texts containing BOOM, and die on texts containing CRASH."""
    site = root / "sabotage"
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        "import os\n"
        "import hflint.server.runner as runner\n"
        "real = runner.check_text\n"
        "def check_text(text, path, config, *args, **options):\n"
        "    if 'CRASH' in text:\n"
        "        os._exit(3)\n"
        "    if 'BOOM' in text:\n"
        "        raise RuntimeError('boom')\n"
        "    return real(text, path, config, *args, **options)\n"
        "runner.check_text = check_text\n"
    )
    return {"PYTHONPATH": str(site)}


async def test_a_failing_check_publishes_nothing_and_the_server_lives_on(root: Path) -> None:
    async with session(root, VSCODE, env=_sabotaged(root)) as client:
        uri = open_doc(client, _write(root / "a.py", CAUSAL), CAUSAL)
        await diagnostics(client, uri, version=1)
        replace_all(client, uri, CAUSAL + "# BOOM\n", version=2)
        await until(lambda: any("boom" in m.message for m in client.log_messages))
        replace_all(client, uri, CLEAN, version=3)
        assert await diagnostics(client, uri, version=3) == []
    assert [p.version for p in client.published if p.uri == uri] == [1, 3]


async def test_a_crashed_check_process_is_restarted(root: Path) -> None:
    async with session(root, VSCODE, env=_sabotaged(root)) as client:
        uri = open_doc(client, _write(root / "a.py", CAUSAL), CAUSAL)
        await diagnostics(client, uri, version=1)
        replace_all(client, uri, CAUSAL + "# CRASH\n", version=2)
        await until(lambda: any("exit code 3" in m.message for m in client.log_messages))
        replace_all(client, uri, CAUSAL + "# fine again\n", version=3)
        assert [d.code for d in await diagnostics(client, uri, version=3)] == ["HF102"]
    assert [p.version for p in client.published if p.uri == uri] == [1, 3]


async def test_same_findings_as_the_command_line_on_the_examples(root: Path) -> None:
    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "hflint",
            "check",
            str(EXAMPLES),
            "--output-format",
            "json",
            "--no-cache",
            "--exit-zero",
        ],
        capture_output=True,
        text=True,
        env=server_env(root),
        cwd=EXAMPLES.parent,
    )
    assert cli.returncode == 0, cli.stderr
    expected: dict[str, set[tuple[str, int, int, int, int]]] = {}
    for f in json.loads(cli.stdout):
        start, end = f["location"], f["end_location"]
        key = (f["code"], start["row"] - 1, start["column"] - 1, end["row"] - 1, end["column"] - 1)
        expected.setdefault(Path(f["filename"]).name, set()).add(key)
    async with session(root, capabilities(VSCODE, pull=True)) as client:
        for path in sorted(EXAMPLES.glob("*.py")):
            text = path.read_text(encoding="utf-8")
            lines = text.split("\n")
            uri = open_doc(client, path, text)
            got = set()
            for d in await diagnostics(client, uri):
                start, end = d.range.start, d.range.end
                got.add(
                    (
                        str(d.code),
                        start.line,
                        _code_points(lines[start.line], start.character),
                        end.line,
                        _code_points(lines[end.line], end.character),
                    )
                )
            assert got == expected.get(path.name, set()), path.name


def _code_points(line: str, utf16: int) -> int:
    seen = 0
    for index, char in enumerate(line):
        if seen >= utf16:
            return index
        seen += 2 if ord(char) > 0xFFFF else 1
    return len(line)


async def test_related_information_points_at_the_load(root: Path) -> None:
    from hflint.server.config import ConfigFinder
    from hflint.server.runner import check_text

    path = EXAMPLES / "ner_finetune.py"
    text = path.read_text(encoding="utf-8")
    findings, _ = check_text(text, path, ConfigFinder(EXAMPLES).for_file(path))
    with_related = [f for f in findings if f.related]
    assert with_related, "the example should have a finding with related places"
    async with session(root, NEOVIM) as client:
        uri = open_doc(client, path, text)
        got = {(str(d.code), d.range.start.line): d for d in await diagnostics(client, uri)}
    for finding in with_related:
        diagnostic = got[(finding.code, finding.range.start.line - 1)]
        related = diagnostic.related_information or []
        assert [r.message for r in related] == [r.message for r in finding.related]
        assert [r.location.range.start.line for r in related] == [
            r.range.start.line - 1 for r in finding.related
        ]
        assert all(r.location.uri == uri for r in related)


# ---- code actions ------------------------------------------------------------------------------
async def _actions(
    client: HflintClient, uri: str, found: list[types.Diagnostic], only: list[str] | None = None
) -> list[types.CodeAction]:
    rng = found[0].range if found else types.Range(types.Position(0, 0), types.Position(0, 0))
    params = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri),
        range=rng,
        context=types.CodeActionContext(diagnostics=found, only=only),
    )
    result = await client.text_document_code_action_async(params)
    return [a for a in result or [] if isinstance(a, types.CodeAction)]


@pytest.mark.parametrize("caps", [VSCODE, NEOVIM])
async def test_quick_fix_applies_and_the_finding_goes(root: Path, caps: str) -> None:
    async with session(root, caps) as client:
        uri = open_doc(client, _write(root / "a.py", REMOVED), REMOVED)
        found = await diagnostics(client, uri)
        actions = await _actions(client, uri, found)
        [fix] = [a for a in actions if a.is_preferred]
        assert fix.kind == types.CodeActionKind.QuickFix
        assert fix.title == "Replace with `AutoModelForImageTextToText`"
        assert fix.edit is not None
        fixed = apply_workspace_edit({uri: REMOVED}, fix.edit, client.encoding)[uri]
        ast.parse(fixed)
        assert 's = "é😀"; model = AutoModelForImageTextToText.from_pretrained(' in fixed
        replace_all(client, uri, fixed, version=2)
        assert "HF202" not in codes(await diagnostics(client, uri, version=2))


async def test_unsafe_fix_says_so_and_is_not_preferred(root: Path) -> None:
    async with session(root, VSCODE) as client:
        uri = open_doc(client, _write(root / "a.py", CAUSAL), CAUSAL)
        actions = await _actions(client, uri, await diagnostics(client, uri))
    [fix] = [a for a in actions if a.title.startswith("Use `AutoModelForSeq2SeqLM`")]
    assert "unsafe" in fix.title and not fix.is_preferred


async def test_stale_diagnostics_offer_no_fix(root: Path) -> None:
    async with session(root, VSCODE) as client:
        uri = open_doc(client, _write(root / "a.py", REMOVED), REMOVED)
        found = await diagnostics(client, uri, version=1)
        replace_all(client, uri, "\n" + REMOVED, version=2)
        await diagnostics(client, uri, version=2)
        assert await _actions(client, uri, found, only=[types.CodeActionKind.QuickFix]) == []


@pytest.mark.parametrize("caps", [VSCODE, NEOVIM])
async def test_ignore_on_this_line(root: Path, caps: str) -> None:
    text = CAUSAL.replace('")\n', '")  # noqa: E501\n')
    async with session(root, caps) as client:
        uri = open_doc(client, _write(root / "a.py", text), text)
        found = await diagnostics(client, uri)
        [ignore] = [a for a in await _actions(client, uri, found) if a.title.startswith("Ignore")]
        assert ignore.title == "Ignore HF102 on this line" and ignore.edit is not None
        fixed = apply_workspace_edit({uri: text}, ignore.edit, client.encoding)[uri]
        assert fixed.splitlines()[2].endswith('")  # noqa: E501, HF102')
        replace_all(client, uri, fixed, version=2)
        assert await diagnostics(client, uri, version=2) == []
        replace_all(client, uri, CAUSAL, version=3)
        found = await diagnostics(client, uri, version=3)
        [ignore] = [a for a in await _actions(client, uri, found) if a.title.startswith("Ignore")]
        assert ignore.edit is not None
        fixed = apply_workspace_edit({uri: CAUSAL}, ignore.edit, client.encoding)[uri]
        assert fixed.splitlines()[2].endswith('")  # noqa: HF102')


@pytest.mark.parametrize("caps", [VSCODE, NEOVIM])
async def test_fix_all_matches_check_fix(root: Path, caps: str) -> None:
    source = (EXAMPLES / "summarization_finetune.py").read_text(encoding="utf-8")
    path = _write(root / "summarization.py", source)
    async with session(root, caps) as client:
        uri = open_doc(client, path, source)
        await diagnostics(client, uri)
        [action] = await _actions(client, uri, [], only=["source.fixAll.hflint"])
        assert action.kind == "source.fixAll.hflint" and action.edit is not None
        fixed = apply_workspace_edit({uri: source}, action.edit, client.encoding)[uri]
    cli = subprocess.run(
        [sys.executable, "-m", "hflint", "check", "--fix", "--no-cache", "--exit-zero", str(path)],
        capture_output=True,
        text=True,
        env=server_env(root),
        cwd=root,
    )
    assert cli.returncode == 0, cli.stderr
    assert fixed == path.read_text(encoding="utf-8") != source


async def test_fix_all_is_resolved_lazily_from_the_lightbulb(root: Path) -> None:
    async with session(root, VSCODE) as client:
        uri = open_doc(client, _write(root / "a.py", REMOVED), REMOVED)
        found = await diagnostics(client, uri)
        [lazy] = [a for a in await _actions(client, uri, found) if a.kind == "source.fixAll.hflint"]
        assert lazy.edit is None
        resolved = await client.code_action_resolve_async(lazy)
        assert resolved.edit is not None
        fixed = apply_workspace_edit({uri: REMOVED}, resolved.edit, client.encoding)[uri]
        assert "AutoModelForVision2Seq" not in fixed


async def test_validate_is_offered_on_each_load(root: Path) -> None:
    text = CAUSAL + 'pipe = pipeline("summarization", model="t5-small")\n'
    text = text.replace("import AutoModelForCausalLM", "import AutoModelForCausalLM, pipeline")
    async with session(root, NEOVIM) as client:
        uri = open_doc(client, _write(root / "a.py", text), text)
        everything = types.Range(types.Position(0, 0), types.Position(5, 0))
        params = types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri),
            range=everything,
            context=types.CodeActionContext(diagnostics=[]),
        )
        result = await client.text_document_code_action_async(params)
    commands = [a.command for a in result or [] if isinstance(a, types.CodeAction) and a.command]
    assert [c.command for c in commands] == ["hflint.validate", "hflint.validate"]
    model, pipe = (c.arguments[0] for c in commands if c.arguments)
    assert model["checkpoint"] == "facebook/bart-large-cnn"
    assert model["class"] == "AutoModelForCausalLM" and model["uri"] == uri
    start = units('s = "é😀"; model = ', "utf-8")
    assert model["range"]["start"] == {"line": 2, "character": start}
    assert pipe["checkpoint"] == "t5-small" and pipe["task"] == "summarization"


async def test_code_lenses_say_what_is_known_of_each_checkpoint(root: Path) -> None:
    text = (
        "from transformers import AutoModelForSeq2SeqLM, AutoTokenizer\n"
        'tok = AutoTokenizer.from_pretrained("t5-small")\n'
        'model = AutoModelForSeq2SeqLM.from_pretrained("no-such-org/no-such-model")\n'
        "other = AutoTokenizer.from_pretrained(name)\n"  # not a constant: nothing to say
    )
    async with session(root, VSCODE) as client:
        uri = open_doc(client, _write(root / "lens.py", text), text)
        lenses = await client.text_document_code_lens_async(
            types.CodeLensParams(types.TextDocumentIdentifier(uri))
        )
    assert lenses is not None
    shown = [(lens.range.start.line, lens.command.title) for lens in lenses if lens.command]
    assert shown == [
        (1, "t5-small: t5, encoder-decoder · hflint's table"),
        (1, "Validate (AutoTokenizer)"),
        (2, "no-such-org/no-such-model: not in a local folder, the HF cache or hflint's table"),
        (2, "Validate (AutoModelForSeq2SeqLM)"),
    ]
    facts, validate = lenses[0].command, lenses[1].command
    assert facts is not None and facts.command == ""  # text only
    assert validate is not None and validate.command == "hflint.validate"
    assert validate.arguments and validate.arguments[0]["checkpoint"] == "t5-small"


async def test_status_names_the_versions_the_rules_speak_for(root: Path) -> None:
    import transformers

    async with session(root, VSCODE) as client:
        status = await client.protocol.send_request_async("hflint/status", {})
    assert status.hflint == hflint.__version__
    assert status.transformers == transformers.__version__
    assert status.transformersFrom == f"hflint's own interpreter: {sys.executable}"
    assert status.checks == "child process"


# ---- settings ----------------------------------------------------------------------------------
async def test_initialization_options(root: Path) -> None:
    options = {"settings": {"ignore": ["HF1"]}}
    async with session(root, VSCODE, init_options=options) as client:
        uri = open_doc(client, _write(root / "a.py", CAUSAL + REMOVED), CAUSAL + REMOVED)
        assert codes(await diagnostics(client, uri)) == ["HF202"]


@pytest.mark.parametrize("caps", [VSCODE, NEOVIM])
async def test_did_change_configuration_with_settings(root: Path, caps: str) -> None:
    async with session(root, caps) as client:
        uri = open_doc(client, _write(root / "a.py", CAUSAL), CAUSAL)
        assert codes(await diagnostics(client, uri)) == ["HF102"]
        client.published.clear()
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(
                settings={"hflint": {"ignore": ["HF102"], "severity": {"HF2": "hint"}}}
            )
        )
        assert await diagnostics(client, uri) == []


async def test_workspace_configuration_is_pulled(root: Path) -> None:
    text = CAUSAL + REMOVED
    configuration = {"select": ["HF2"], "severity": {"HF202": "warning"}}
    async with session(root, VSCODE, configuration=configuration) as client:
        uri = open_doc(client, _write(root / "a.py", text), text)
        await until(lambda: codes(client.diagnostics.get(uri)) == ["HF202"])
        assert client.diagnostics[uri][0].severity == types.DiagnosticSeverity.Warning
        client.set_configuration({"select": ["HF1"]}, section="hflint")
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(None))
        await until(lambda: codes(client.diagnostics.get(uri)) == ["HF102"])


async def test_a_bad_setting_is_reported_not_fatal(root: Path) -> None:
    async with session(root, VSCODE, init_options={"select": "HF1", "online": "yes"}) as client:
        uri = open_doc(client, _write(root / "a.py", CAUSAL), CAUSAL)
        assert codes(await diagnostics(client, uri)) == ["HF102"]
        messages = " ".join(m.message for m in client.messages)
        assert "`select` must be a list" in messages and "`online`" in messages


async def test_a_pyproject_change_rechecks_open_documents(root: Path) -> None:
    async with session(root, VSCODE) as client:
        await until(lambda: client.registrations)
        [registration] = client.registrations
        assert registration.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
        globs = [w["globPattern"] for w in registration.register_options["watchers"]]
        assert "**/pyproject.toml" in globs
        uri = open_doc(client, _write(root / "a.py", CAUSAL), CAUSAL)
        assert codes(await diagnostics(client, uri, version=1)) == ["HF102"]
        client.published.clear()
        pyproject = _write(root / "pyproject.toml", '[tool.hflint]\nignore = ["HF102"]\n')
        event = types.FileEvent(uri=pyproject.as_uri(), type=types.FileChangeType.Created)
        client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams([event]))
        await until(lambda: client.published)
        assert not client.diagnostics[uri]


async def test_a_broken_pyproject_is_reported_and_defaults_apply(root: Path) -> None:
    _write(root / "pyproject.toml", "[tool.hflint]\nselect = 3\n")
    async with session(root, VSCODE) as client:
        uri = open_doc(client, _write(root / "a.py", CAUSAL), CAUSAL)
        assert codes(await diagnostics(client, uri)) == ["HF102"]
        assert any("select" in m.message for m in client.messages)


# ---- notebooks ---------------------------------------------------------------------------------
def _notebook_caps() -> types.ClientCapabilities:
    caps = capabilities(VSCODE)
    caps.notebook_document = types.NotebookDocumentClientCapabilities(
        synchronization=types.NotebookDocumentSyncClientCapabilities()
    )
    return caps


def _cell(root: Path, n: int) -> str:
    return f"vscode-notebook-cell:{root.as_posix()}/nb.ipynb#W{n}sZmlsZQ%3D%3D"


async def test_notebook_cells_are_one_module(root: Path) -> None:
    cells = [
        "!pip install transformers\nfrom transformers import AutoModelForVision2Seq\n",
        "# the captioner\ncap = AutoModelForVision2Seq.from_pretrained('Salesforce/blip')\n",
        "Some *markdown*.",
    ]
    nb_uri = (root / "nb.ipynb").as_uri()
    uris = [_cell(root, n) for n in range(len(cells))]
    async with session(root, _notebook_caps()) as client:
        assert client.init_result is not None
        assert client.init_result.capabilities.notebook_document_sync is not None
        kinds = [types.NotebookCellKind.Code] * 2 + [types.NotebookCellKind.Markup]
        client.notebook_document_did_open(
            types.DidOpenNotebookDocumentParams(
                notebook_document=types.NotebookDocument(
                    uri=nb_uri,
                    notebook_type="jupyter-notebook",
                    version=1,
                    cells=[types.NotebookCell(k, u) for k, u in zip(kinds, uris, strict=True)],
                ),
                cell_text_documents=[
                    types.TextDocumentItem(u, "python" if k == 2 else "markdown", 1, t)
                    for u, t, k in zip(uris, cells, kinds, strict=True)
                ],
            )
        )
        await until(lambda: all(u in client.diagnostics for u in uris))
        [removed] = client.diagnostics[uris[0]]
        assert removed.code == "HF202" and removed.range.start.line == 1
        assert not client.diagnostics[uris[1]] and not client.diagnostics[uris[2]]
        # the fix edits both cells
        [fix] = [a for a in await _actions(client, uris[0], [removed]) if a.is_preferred]
        assert fix.edit is not None
        fixed = apply_workspace_edit(dict(zip(uris, cells, strict=True)), fix.edit, "utf-16")
        assert "AutoModelForImageTextToText.from_pretrained" in fixed[uris[1]]
        assert "import AutoModelForImageTextToText" in fixed[uris[0]]
        [fix_all] = await _actions(client, uris[0], [], only=["source.fixAll"])
        assert fix_all.edit is not None and fix_all.edit.document_changes is not None
        assert {c.text_document.uri for c in fix_all.edit.document_changes} == set(uris[:2])
        assert (
            apply_workspace_edit(dict(zip(uris, cells, strict=True)), fix_all.edit, "utf-16")
            == fixed
        )
        # a change in cell 2 only: a wrong Auto class, reported on cell 2's own line 2
        client.published.clear()
        text = "# the summariser\nm = AutoModelForCausalLM.from_pretrained('facebook/bart-large-cnn')\n"
        first = cells[0].replace("Vision2Seq", "CausalLM")
        client.notebook_document_did_change(
            types.DidChangeNotebookDocumentParams(
                notebook_document=types.VersionedNotebookDocumentIdentifier(2, nb_uri),
                change=types.NotebookDocumentChangeEvent(
                    cells=types.NotebookDocumentCellChanges(
                        text_content=[
                            types.NotebookDocumentCellContentChanges(
                                types.VersionedTextDocumentIdentifier(2, uris[0]),
                                [types.TextDocumentContentChangeWholeDocument(first)],
                            ),
                            types.NotebookDocumentCellContentChanges(
                                types.VersionedTextDocumentIdentifier(2, uris[1]),
                                [types.TextDocumentContentChangeWholeDocument(text)],
                            ),
                        ]
                    )
                ),
            )
        )
        await until(lambda: len(client.published) >= 3)
        assert not client.diagnostics[uris[0]]
        [wrong] = client.diagnostics[uris[1]]
        assert wrong.code == "HF102" and wrong.range.start == types.Position(1, 4)
        client.notebook_document_did_close(
            types.DidCloseNotebookDocumentParams(
                types.NotebookDocumentIdentifier(nb_uri),
                [types.TextDocumentIdentifier(u) for u in uris],
            )
        )
        await until(lambda: all(not client.diagnostics[u] for u in uris))


async def test_notebook_cells_added_and_removed(root: Path) -> None:
    nb_uri = (root / "nb.ipynb").as_uri()
    first, added = _cell(root, 0), _cell(root, 1)
    imports = "from transformers import AutoModelForCausalLM\n"
    load = "m = AutoModelForCausalLM.from_pretrained('facebook/bart-large-cnn')\n"
    code = types.NotebookCellKind.Code

    def structure(version: int, start: int, delete: int, **change: Any) -> None:
        client.notebook_document_did_change(
            types.DidChangeNotebookDocumentParams(
                notebook_document=types.VersionedNotebookDocumentIdentifier(version, nb_uri),
                change=types.NotebookDocumentChangeEvent(
                    cells=types.NotebookDocumentCellChanges(
                        structure=types.NotebookDocumentCellChangeStructure(
                            array=types.NotebookCellArrayChange(
                                start, delete, change.pop("cells", None)
                            ),
                            **change,
                        )
                    )
                ),
            )
        )

    async with session(root, _notebook_caps()) as client:
        client.notebook_document_did_open(
            types.DidOpenNotebookDocumentParams(
                notebook_document=types.NotebookDocument(
                    nb_uri, "jupyter-notebook", 1, [types.NotebookCell(code, first)]
                ),
                cell_text_documents=[types.TextDocumentItem(first, "python", 1, imports)],
            )
        )
        await until(lambda: first in client.diagnostics)
        structure(
            2,
            1,
            0,
            cells=[types.NotebookCell(code, added)],
            did_open=[types.TextDocumentItem(added, "python", 1, load)],
        )
        await until(lambda: codes(client.diagnostics.get(added)) == ["HF102"])
        assert client.diagnostics[added][0].range.start == types.Position(0, 4)
        structure(3, 1, 1, did_close=[types.TextDocumentIdentifier(added)])
        await until(lambda: not client.diagnostics[added])


# ---- hovers and completions --------------------------------------------------------------------
async def test_completion_of_a_pipeline_task(root: Path) -> None:
    text = 'from transformers import pipeline\n\ns = "é😀"; p = pipeline("text-'
    async with session(root, VSCODE) as client:
        assert client.init_result is not None
        options = client.init_result.capabilities.completion_provider
        assert options is not None and set(options.trigger_characters or []) == {'"', "'"}
        uri = open_doc(client, _write(root / "a.py", text), text)
        end = types.Position(2, units(text.splitlines()[2], "utf-16"))
        result = await client.text_document_completion_async(
            types.CompletionParams(types.TextDocumentIdentifier(uri), end)
        )
        hover = await client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(2, 14))
        )
    assert isinstance(result, types.CompletionList)
    labels = {item.label for item in result.items}
    assert "text-classification" in labels
    item = next(i for i in result.items if i.label == "text-classification")
    assert isinstance(item.text_edit, types.TextEdit)
    typed_from = units('s = "é😀"; p = pipeline("', "utf-16")
    assert item.text_edit.range == types.Range(types.Position(2, typed_from), end)
    assert hover is None or isinstance(hover.contents, types.MarkupContent)


# ---- validate by loading -----------------------------------------------------------------------
FAKE_VALIDATION = """
import threading
from dataclasses import dataclass, field

@dataclass
class ValidationRequest:
    checkpoint: str
    auto_class: str | None = None
    task: str | None = None
    revision: str | None = None
    subfolder: str | None = None
    interpreter: str = "python"
    timeout_s: float = 60.0
    memory_mb: int | None = 4096
    allow_online: bool = False
    trust_remote_code: bool = False
    real_load: bool = False
    file_dir: str | None = None
    config_overrides: dict = field(default_factory=dict)

@dataclass
class ValidationDiagnostic:
    severity: str
    message: str

@dataclass
class ValidationResult:
    status: str
    summary: str
    diagnostics: list = field(default_factory=list)

def start_validation(request, on_progress=None, cancel=None):
    on_progress("reading config.json")
    if request.checkpoint == "slow/model":
        cancel.wait(20)
        return ValidationResult("cancelled", f"{request.checkpoint}: cancelled")
    on_progress(f"building {request.auto_class} on the meta device (timeout {request.timeout_s:g})")
    return ValidationResult(
        "error",
        f"{request.checkpoint}: {request.auto_class} cannot load it",
        [ValidationDiagnostic("error", f"{request.auto_class} does not accept model_type bart")],
    )
"""
FAKE_BOOT = (
    "import sys, types\n"
    "fake = types.ModuleType('hflint.server.validation')\n"
    "sys.modules[fake.__name__] = fake\n"
    "exec(sys.argv[1], fake.__dict__)\n"
    "from hflint.server.lsp import main\n"
    "raise SystemExit(main([]))\n"
)
MISSING_BOOT = (
    "import sys\n"
    "sys.modules['hflint.server.validation'] = None\n"
    "from hflint.server.lsp import main\n"
    "raise SystemExit(main([]))\n"
)


def _validate_params(uri: str, checkpoint: str) -> types.ExecuteCommandParams:
    argument = {
        "uri": uri,
        "range": {"start": {"line": 2, "character": 18}, "end": {"line": 2, "character": 80}},
        "checkpoint": checkpoint,
        "class": "AutoModelForCausalLM",
        "task": None,
    }
    return types.ExecuteCommandParams(command="hflint.validate", arguments=[argument])


@pytest.mark.parametrize("caps", [VSCODE, NEOVIM])
async def test_validate_reports_progress_and_diagnostics(root: Path, caps: str) -> None:
    command = [sys.executable, "-c", FAKE_BOOT, FAKE_VALIDATION]
    settings = {"validation": {"timeoutSeconds": 7}}
    async with session(root, caps, command=command, init_options=settings) as client:
        uri = open_doc(client, _write(root / "a.py", CAUSAL), CAUSAL)
        await diagnostics(client, uri)
        result = await client.workspace_execute_command_async(
            _validate_params(uri, "facebook/bart-large-cnn")
        )
        assert result == {
            "status": "error",
            "summary": "facebook/bart-large-cnn: AutoModelForCausalLM cannot load it",
        }
        [messages] = [m.message for m in client.messages]
        assert messages == result["summary"]
        [reports] = client.progress_reports.values()
        kinds = [r.kind for r in reports]
        assert kinds == ["begin", "report", "report", "end"]
        assert "timeout 7" in reports[2].message
        if _pulls(client):
            items = await diagnostics(client, uri)
        else:
            await until(lambda: any(d.source != "hflint" for d in client.diagnostics[uri]))
            items = list(client.diagnostics[uri])
        [validation] = [d for d in items if d.source == "hflint (validation)"]
        assert validation.message == "AutoModelForCausalLM does not accept model_type bart"
        assert validation.range.start == types.Position(2, 18)
        # the diagnostic follows the call when a line is added above it
        start = types.Position(0, 0)
        edit_range(client, uri, types.Range(start, start), "import os\n", version=2)
        moved = [d for d in await diagnostics(client, uri, version=2) if d.source != "hflint"]
        assert [d.range.start for d in moved] == [types.Position(3, 18)]


async def test_validate_is_cancelled_from_the_progress_bar(root: Path) -> None:
    command = [sys.executable, "-c", FAKE_BOOT, FAKE_VALIDATION]
    async with session(root, VSCODE, command=command) as client:
        uri = open_doc(client, _write(root / "a.py", CAUSAL), CAUSAL)
        running = asyncio.ensure_future(
            client.workspace_execute_command_async(_validate_params(uri, "slow/model"))
        )
        await until(lambda: any(len(r) >= 2 for r in client.progress_reports.values()))
        [token] = client.progress_reports
        client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token))
        result = await asyncio.wait_for(running, 10)
    assert result["status"] == "cancelled"
    assert client.progress_reports[token][-1].kind == "end"


async def test_validate_is_cancelled_by_cancel_request(root: Path) -> None:
    command = [sys.executable, "-c", FAKE_BOOT, FAKE_VALIDATION]
    async with session(root, VSCODE, command=command) as client:
        uri = open_doc(client, _write(root / "a.py", CAUSAL), CAUSAL)
        running = asyncio.ensure_future(
            client.protocol.send_request_async(
                types.WORKSPACE_EXECUTE_COMMAND, _validate_params(uri, "slow/model"), msg_id=4242
            )
        )
        await until(lambda: any(len(r) >= 2 for r in client.progress_reports.values()))
        client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=4242))
        with pytest.raises(Exception, match="cancel"):
            await asyncio.wait_for(running, 10)
        [token] = client.progress_reports
        await until(lambda: client.progress_reports[token][-1].kind == "end")
        await until(lambda: any("cancelled" in m.message for m in client.messages))


async def test_validate_without_the_validation_module_is_a_clear_error(root: Path) -> None:
    command = [sys.executable, "-c", MISSING_BOOT]
    async with session(root, VSCODE, command=command) as client:
        uri = open_doc(client, _write(root / "a.py", CAUSAL), CAUSAL)
        with pytest.raises(Exception, match=r"hflint\.validate is not available"):
            await client.workspace_execute_command_async(_validate_params(uri, "gpt2"))


# ---- hovers and the real validation child, end to end -------------------------------------------
async def test_hovers_on_a_class_a_checkpoint_a_task_and_a_rule_code(root: Path) -> None:
    text = (
        "from transformers import AutoModelForSeq2SeqLM, pipeline\n"
        'model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")\n'
        'summarize = pipeline("summarization")  # noqa: HF101\n'
    )
    async with session(root, NEOVIM) as client:
        uri = open_doc(client, _write(root / "h.py", text), text)

        async def hover(line: int, character: int) -> str:
            result = await client.text_document_hover_async(
                types.HoverParams(
                    types.TextDocumentIdentifier(uri), types.Position(line, character)
                )
            )
            assert result is not None and isinstance(result.contents, types.MarkupContent)
            return result.contents.value

        on_class = await hover(1, 12)
        on_checkpoint = await hover(1, 50)
        on_task = await hover(2, 25)
        on_code = await hover(2, 48)
        nothing = await client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(2, 3))
        )
    assert "encoder-decoder" in on_class and "Seq2SeqTrainer" in on_class
    assert "`t5`" in on_checkpoint and "AutoModelForSeq2SeqLM" in on_checkpoint
    assert "removed" in on_task
    assert "## What it does" in on_code
    assert nothing is None


async def test_a_real_validation_that_hangs_is_stopped_at_its_time_limit(root: Path) -> None:
    """The real child process (not a stand-in), made to hang in a step by its test hook."""
    folder = root / "tiny-gpt2"
    folder.mkdir()
    (folder / "config.json").write_text(
        json.dumps(
            {
                "model_type": "gpt2",
                "architectures": ["GPT2LMHeadModel"],
                "n_layer": 1,
                "n_head": 2,
                "n_embd": 16,
                "vocab_size": 50,
            }
        )
    )
    text = (
        "from transformers import AutoModelForCausalLM\n\n"
        'model = AutoModelForCausalLM.from_pretrained("./tiny-gpt2")\n'
    )
    settings = {"validation": {"timeoutSeconds": 2}}
    import os

    os.environ["HFLINT_VALIDATION_TEST_SLEEP"] = "60"
    try:
        async with session(root, VSCODE, init_options=settings) as client:
            uri = open_doc(client, _write(root / "a.py", text), text)
            await diagnostics(client, uri)
            started = time.monotonic()
            result = await client.workspace_execute_command_async(
                _validate_params(uri, "./tiny-gpt2")
            )
            elapsed = time.monotonic() - started
            # the server still answers after the time-out
            after = await client.text_document_hover_async(
                types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(2, 12))
            )
    finally:
        os.environ.pop("HFLINT_VALIDATION_TEST_SLEEP", None)
    assert result["status"] == "timeout", result
    assert "timed out" in result["summary"]
    assert elapsed < 20
    assert after is not None
