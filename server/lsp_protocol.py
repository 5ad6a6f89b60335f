"""pygls's protocol with two changes the server relies on.

The reply to an `initialize` answered early from disk (lsp_bootstrap.py) is withheld, and a
freshly computed one is kept on disk for the next start.

A running command hears about `$/cancelRequest` for its own request (pygls only cancels the
request's future, which a command already running never looks at again).

Document sync is left to hflint's own store (lsp_documents.py): pygls's copy of each document
splits lines with str.splitlines (a form feed or U+2028 starts a line there, not for the
client), and while applying a change it clamps the change's range in place, so the handler
that runs after it would get a wrong range.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from lsprotocol import types
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from hflint.server.lsp_bootstrap import EarlyInitialize, store_answer, stored_answer


class HflintProtocol(LanguageServerProtocol):
    def __init__(self, server: Any, converter: Any) -> None:
        super().__init__(server, converter)
        self.on_cancel: dict[int | str, Callable[[], None]] = {}
        self.early_initialize: EarlyInitialize | None = None

    def _send_response(self, msg_id: Any, result: Any = None, error: Any = None) -> None:
        early = self.early_initialize
        if early is not None and msg_id == early.msg_id:
            self.early_initialize = None
            if error is None and result is not None:
                answer = json.loads(json.dumps(result, default=self._serialize_message))
                if not early.answered or stored_answer(early.key) != answer:
                    store_answer(early.key, answer)
            if early.answered:
                return
        super()._send_response(msg_id, result, error)

    def notify_json(self, method: str, params: dict[str, Any]) -> None:
        """A notification whose params are JSON already (no second conversion)."""
        self._send_data({"jsonrpc": "2.0", "method": method, "params": params})

    def _handle_cancel_notification(self, msg_id: int | str) -> None:
        listener = self.on_cancel.pop(msg_id, None)
        if listener is not None:
            listener()
        super()._handle_cancel_notification(msg_id)

    def _to_handler(self, method: str, params: Any) -> Iterator[Any]:
        if (handler := self.fm.features.get(method)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: Any) -> Iterator[Any]:
        yield from self._to_handler(types.TEXT_DOCUMENT_DID_OPEN, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: Any) -> Iterator[Any]:
        yield from self._to_handler(types.TEXT_DOCUMENT_DID_CHANGE, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: Any) -> Iterator[Any]:
        yield from self._to_handler(types.TEXT_DOCUMENT_DID_CLOSE, params)

    @lsp_method(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def lsp_notebook_document__did_open(self, params: Any) -> Iterator[Any]:
        yield from self._to_handler(types.NOTEBOOK_DOCUMENT_DID_OPEN, params)

    @lsp_method(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def lsp_notebook_document__did_change(self, params: Any) -> Iterator[Any]:
        yield from self._to_handler(types.NOTEBOOK_DOCUMENT_DID_CHANGE, params)

    @lsp_method(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def lsp_notebook_document__did_close(self, params: Any) -> Iterator[Any]:
        yield from self._to_handler(types.NOTEBOOK_DOCUMENT_DID_CLOSE, params)
