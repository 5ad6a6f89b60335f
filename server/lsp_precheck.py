"""The first document opened is checked while the server is still starting.

Importing pygls and its LSP types takes the server about half a second; the check process is
ready sooner. So the stdin thread (lsp_reader.py) looks at the messages that come in meanwhile,
and the first Python document opened is sent to the check process at once, with the
configuration the server will compute for it (the workspace root and the editor settings from
`initialize`). When the server asks for that check, with the same text, path and configuration,
the check process answers with the result it already has; anything different is checked anew.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hflint.server.lsp_reader import body_of
from hflint.server.lsp_uris import is_python_document, uri_to_path, workspace_root

if TYPE_CHECKING:
    from hflint.server.check_worker import CheckWorker


def first_open_hook(
    worker: CheckWorker, initialize: dict[str, Any] | None
) -> Callable[[bytes], None]:
    """A MessageReader hook: the first Python `didOpen` goes to the check process."""
    params = initialize.get("params") if isinstance(initialize, dict) else None
    if not isinstance(params, dict):
        params = {}
    root = workspace_root(params)
    settings = params.get("initializationOptions")
    sent = threading.Event()

    def hook(message: bytes) -> None:
        if sent.is_set() or b"textDocument/didOpen" not in message:
            return
        payload = json.loads(body_of(message))
        document = payload.get("params", {}).get("textDocument", {})
        uri, text = document.get("uri"), document.get("text")
        if payload.get("method") != "textDocument/didOpen" or not isinstance(text, str):
            return
        if not isinstance(uri, str) or not is_python_document(uri, document.get("languageId")):
            return
        sent.set()
        path = uri_to_path(uri, root)
        threading.Thread(
            target=_precheck,
            args=(worker, text, path, root, settings, uri),
            name="hflint-precheck",
            daemon=True,
        ).start()

    return hook


def _precheck(
    worker: CheckWorker, text: str, path: Path, root: Path, settings: object, uri: str
) -> None:
    with contextlib.suppress(Exception):  # the server's own check reports whatever is wrong
        worker.precheck(text, path, root, settings, uri)
