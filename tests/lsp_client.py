"""A pytest-lsp client driving a real `hflint server` process over stdio, and small helpers.

Edits returned by the server are applied here with an implementation of LSP positions that
shares nothing with the server's, so a conversion bug on either side shows up as a test failure.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Union

from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

SERVER = [sys.executable, "-m", "hflint", "server"]
VSCODE, NEOVIM = "visual-studio-code", "neovim"


class HflintClient(LanguageClient):
    """pytest-lsp's client, also keeping every publishDiagnostics and registration it gets."""

    def __init__(self) -> None:
        super().__init__(converter_factory=default_converter)
        self.published: list[types.PublishDiagnosticsParams] = []
        self.registrations: list[types.Registration] = []
        self.init_result: types.InitializeResult | None = None

    @property
    def encoding(self) -> str:
        assert self.init_result is not None
        encoding = self.init_result.capabilities.position_encoding or "utf-16"
        return str(getattr(encoding, "value", encoding))


def make_client() -> HflintClient:
    client = HflintClient()
    converter = client.protocol._converter

    def command_or_action(value: Any, _: object) -> types.Command | types.CodeAction:
        """lsprotocol reads any object with a `command` key as a Command, even a CodeAction
        whose `command` is an object; tell them apart as VS Code does."""
        kind = types.Command if isinstance(value.get("command"), str) else types.CodeAction
        return converter.structure(value, kind)

    converter.register_structure_hook(Union[types.Command, types.CodeAction], command_or_action)  # noqa: UP007
    features = dict(DEFAULT_CLIENT_FEATURES)
    keep = features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]

    def publish(client: HflintClient, params: types.PublishDiagnosticsParams) -> None:
        client.published.append(params)
        keep(client, params)

    def register(client: HflintClient, params: types.RegistrationParams) -> None:
        client.registrations.extend(params.registrations)

    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish
    features[types.CLIENT_REGISTER_CAPABILITY] = register
    register_lsp_features(client, features)
    return client


def server_env(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        HF_HUB_OFFLINE="1",
        HF_HOME=str(root / ".hf-home"),
        HFLINT_CACHE_DIR=str(root / ".hflint-cache"),
    )
    env.pop("HF_HUB_CACHE", None)
    return env


def capabilities(name: str, *, pull: bool | None = None) -> types.ClientCapabilities:
    """A recorded client's capabilities; `pull` adds or removes pull-diagnostics support."""
    caps = client_capabilities(name)
    assert caps.text_document is not None
    if pull is True:
        caps.text_document.diagnostic = types.DiagnosticClientCapabilities()
    elif pull is False:
        caps.text_document.diagnostic = None
    return caps


@asynccontextmanager
async def session(
    root: Path,
    caps: types.ClientCapabilities | str = VSCODE,
    *,
    init_options: Any = None,
    configuration: dict[str, Any] | None = None,
    command: Sequence[str] = SERVER,
    env: dict[str, str] | None = None,
) -> AsyncIterator[HflintClient]:
    config = ClientServerConfig(
        server_command=list(command),
        client_factory=make_client,
        server_env={**server_env(root), **(env or {})},
    )
    client = await config.start()
    assert isinstance(client, HflintClient)
    if configuration is not None:
        client.set_configuration(configuration, section="hflint")
    params = types.InitializeParams(
        capabilities=client_capabilities(caps) if isinstance(caps, str) else caps,
        root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(root.as_uri(), root.name)],
        initialization_options=init_options,
    )
    client.init_result = await client.initialize_session(params)
    try:
        yield client
    finally:
        await client.shutdown_session()
        await client.stop()


async def until(predicate: Callable[[], object], timeout: float = 15.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("timed out waiting for the server")
        await asyncio.sleep(0.02)


def open_doc(client: LanguageClient, path: Path, text: str, version: int = 1) -> str:
    uri = path.as_uri()
    item = types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)
    client.text_document_did_open(types.DidOpenTextDocumentParams(item))
    return uri


def replace_all(client: LanguageClient, uri: str, text: str, version: int) -> None:
    change = types.TextDocumentContentChangeWholeDocument(text=text)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=version, uri=uri), [change]
        )
    )


def edit_range(client: LanguageClient, uri: str, rng: types.Range, text: str, version: int) -> None:
    change = types.TextDocumentContentChangePartial(range=rng, text=text)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=version, uri=uri), [change]
        )
    )


async def pull(
    client: LanguageClient, uri: str, previous: str | None = None
) -> types.DocumentDiagnosticReport:
    params = types.DocumentDiagnosticParams(
        text_document=types.TextDocumentIdentifier(uri), previous_result_id=previous
    )
    return await client.text_document_diagnostic_async(params)


def codes(diagnostics: Sequence[types.Diagnostic] | None) -> list[str]:
    return sorted(str(d.code) for d in diagnostics or [])


# ---- applying edits, client-side ---------------------------------------------------------------
def _unit_length(char: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(char.encode("utf-8"))
    if encoding == "utf-32":
        return 1
    return 2 if ord(char) > 0xFFFF else 1


def to_offset(text: str, position: types.Position, encoding: str) -> int:
    lines = text.split("\n")
    offset = sum(len(line) + 1 for line in lines[: position.line])
    line = lines[position.line] if position.line < len(lines) else ""
    units = 0
    for index, char in enumerate(line):
        if units >= position.character:
            return offset + index
        units += _unit_length(char, encoding)
    return offset + len(line)


def apply_edits(text: str, edits: Sequence[types.TextEdit], encoding: str) -> str:
    spans = sorted(
        (
            to_offset(text, e.range.start, encoding),
            to_offset(text, e.range.end, encoding),
            e.new_text,
        )
        for e in edits
    )
    spans.reverse()
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def apply_workspace_edit(
    texts: dict[str, str], edit: types.WorkspaceEdit, encoding: str
) -> dict[str, str]:
    out = dict(texts)
    grouped: dict[str, list[types.TextEdit]] = {}
    for uri, changes in (edit.changes or {}).items():
        grouped.setdefault(uri, []).extend(changes)
    for change in edit.document_changes or []:
        assert isinstance(change, types.TextDocumentEdit)
        edits = [e for e in change.edits if isinstance(e, types.TextEdit)]
        grouped.setdefault(change.text_document.uri, []).extend(edits)
    for uri, edits in grouped.items():
        out[uri] = apply_edits(out[uri], edits, encoding)
    return out


def units(text: str, encoding: str) -> int:
    return sum(_unit_length(c, encoding) for c in text)
