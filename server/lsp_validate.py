"""The `hflint.validate` command: prove a load by running it (server/validation.py), off the
event loop, with `$/progress` while it runs and cancellation from either `$/cancelRequest` or
`window/workDoneProgress/cancel`.

The outcome shows as extra diagnostics on the load call (source "hflint (validation)") and as
a one-line `window/showMessage`. Those diagnostics follow the call while the document is edited
(they are re-anchored on its text) and go when the call's text is gone. An interpreter without
transformers or torch (status "unavailable") is no fault of the call: it shows as the message
only, which says what to install or which setting to point where.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams

from hflint.server.lsp_positions import LineIndex

if TYPE_CHECKING:
    from hflint.server.lsp_server import HflintServer

SOURCE = "hflint (validation)"
REQUEST_FAILED = -32803  # LSP's RequestFailed
_SEVERITIES = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "information": types.DiagnosticSeverity.Information,
    "info": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
}
_MESSAGE_TYPES = {
    "ok": types.MessageType.Info,
    "cancelled": types.MessageType.Info,
    "timeout": types.MessageType.Warning,
}


@dataclass
class Mark:
    """Validation diagnostics pinned to the text of the load call they are about."""

    start: int  # offsets in the text the validation ran on
    end: int
    snippet: str
    diagnostics: list[tuple[types.DiagnosticSeverity, str]]


@dataclass
class Marks:
    by_uri: dict[str, list[Mark]] = field(default_factory=dict)

    def put(self, uri: str, mark: Mark) -> None:
        kept = [m for m in self.by_uri.get(uri, []) if (m.start, m.end) != (mark.start, mark.end)]
        self.by_uri[uri] = [*kept, mark] if mark.diagnostics else kept

    def forget(self, uri: str) -> None:
        self.by_uri.pop(uri, None)

    def diagnostics(self, uri: str, index: LineIndex) -> list[types.Diagnostic]:
        """The diagnostics for `uri` as its text is now; marks whose call is gone are dropped."""
        marks = self.by_uri.get(uri)
        if not marks:
            return []
        out: list[types.Diagnostic] = []
        kept: list[Mark] = []
        for mark in marks:
            start = _anchor(index.text, mark)
            if start is None:
                continue
            mark.start, mark.end = start, start + len(mark.snippet)
            kept.append(mark)
            rng = types.Range(index.lsp_position_at(mark.start), index.lsp_position_at(mark.end))
            out.extend(
                types.Diagnostic(range=rng, message=message, severity=severity, source=SOURCE)
                for severity, message in mark.diagnostics
            )
        self.by_uri[uri] = kept
        return out


def _anchor(text: str, mark: Mark) -> int | None:
    """Where the call's text is now: in place, else its occurrence nearest the old place."""
    if text[mark.start : mark.end] == mark.snippet:
        return mark.start
    best: int | None = None
    found = text.find(mark.snippet)
    while found != -1:
        if best is None or abs(found - mark.start) < abs(best - mark.start):
            best = found
        found = text.find(mark.snippet, found + 1)
    return best


async def run_validation(server: HflintServer, argument: Any) -> dict[str, Any]:
    """Run one validation to its end; returns {status, summary}."""
    try:
        from hflint.server.validation import ValidationRequest, start_validation
    except ImportError as error:
        raise JsonRpcException(
            f"hflint.validate is not available in this installation ({error})", REQUEST_FAILED
        ) from None
    target = _target(server, argument)
    uri, rng, checkpoint = target["uri"], target["range"], target["checkpoint"]
    request = ValidationRequest(checkpoint=checkpoint, **_request_options(server, target))
    cancel = threading.Event()
    loop = asyncio.get_running_loop()
    progress = await _Progress.start(server, f"Validating {checkpoint}", cancel)
    request_id = server.protocol.msg_id
    if request_id is not None:
        server.protocol.on_cancel[request_id] = cancel.set
    work = loop.run_in_executor(
        server.validation_executor,
        start_validation,
        request,
        lambda step: loop.call_soon_threadsafe(progress.report, step),
        cancel,
    )
    try:
        result = await asyncio.shield(work)
    except asyncio.CancelledError:
        cancel.set()  # the child is killed; the worker thread then ends by itself
        raise
    finally:
        progress.end()
        if request_id is not None:
            server.protocol.on_cancel.pop(request_id, None)
    status = str(result.status)
    diagnostics = [(_severity(d.severity), d.message) for d in result.diagnostics]
    if not diagnostics and status not in ("ok", "cancelled"):
        diagnostics = [(types.DiagnosticSeverity.Error, result.summary)]
    if status not in ("cancelled", "unavailable"):
        _pin(server, uri, rng, diagnostics)
    message_type = _MESSAGE_TYPES.get(status, types.MessageType.Error)
    server.window_show_message(types.ShowMessageParams(message_type, result.summary))
    return {"status": status, "summary": result.summary}


def _target(server: HflintServer, argument: Any) -> dict[str, Any]:
    if not isinstance(argument, dict) or not isinstance(argument.get("checkpoint"), str):
        raise JsonRpcInvalidParams(
            "hflint.validate takes one object: {uri, range, checkpoint, ...}"
        )
    try:
        start, end = argument["range"]["start"], argument["range"]["end"]
        rng = types.Range(
            types.Position(int(start["line"]), int(start["character"])),
            types.Position(int(end["line"]), int(end["character"])),
        )
    except (KeyError, TypeError, ValueError):
        raise JsonRpcInvalidParams("hflint.validate: `range` must be an LSP range") from None
    return {**argument, "uri": str(argument.get("uri", "")), "range": rng}


def _request_options(server: HflintServer, target: dict[str, Any]) -> dict[str, Any]:
    editor = server.configs.editor
    path = server.path_of(target["uri"])
    options: dict[str, Any] = {
        "auto_class": target.get("class"),
        "task": target.get("task"),
        "revision": target.get("revision"),
        "subfolder": target.get("subfolder"),
        "allow_online": server.configs.for_file(path).settings.online,
        "trust_remote_code": editor.trust_remote_code,
        "real_load": bool(target.get("realLoad", False)),
        "file_dir": str(path.parent),
    }
    if isinstance(target.get("kwargs"), dict):
        options["config_overrides"] = target["kwargs"]
    if editor.validation_interpreter is not None:
        options["interpreter"] = editor.validation_interpreter
    if editor.validation_timeout_s is not None:
        options["timeout_s"] = editor.validation_timeout_s
    if editor.validation_memory_mb is not None:
        options["memory_mb"] = editor.validation_memory_mb
    return options


def _severity(value: object) -> types.DiagnosticSeverity:
    name = str(getattr(value, "value", value)).lower()
    return _SEVERITIES.get(name, types.DiagnosticSeverity.Error)


def _pin(
    server: HflintServer,
    uri: str,
    rng: types.Range,
    diagnostics: list[tuple[types.DiagnosticSeverity, str]],
) -> None:
    text = server.text_of(uri)
    if text is None:
        return
    index = LineIndex(text, server.encoding)
    start, end = index.offset(rng.start), index.offset(rng.end)
    server.marks.put(uri, Mark(start, end, text[start:end], diagnostics))
    server.refresh(uri)


class _Progress:
    """A server-initiated work-done progress, or nothing when the client has none."""

    def __init__(self, server: HflintServer, token: str | None) -> None:
        self.server = server
        self.token = token

    @classmethod
    async def start(cls, server: HflintServer, title: str, cancel: threading.Event) -> _Progress:
        window = server.client_capabilities.window
        if window is None or not window.work_done_progress:
            return cls(server, None)
        token = f"hflint-validate-{uuid.uuid4().hex}"
        try:
            await server.work_done_progress.create_async(token)
        except Exception:  # the client refused: validate without progress
            return cls(server, None)
        server.progress_cancels[token] = cancel
        begin = types.WorkDoneProgressBegin(title=title, cancellable=True, message="starting")
        server.work_done_progress.begin(token, begin)
        return cls(server, token)

    def report(self, step: str) -> None:
        if self.token is not None:
            self.server.work_done_progress.report(
                self.token, types.WorkDoneProgressReport(message=step)
            )

    def end(self) -> None:
        if self.token is not None:
            self.server.work_done_progress.end(self.token, types.WorkDoneProgressEnd())
            self.server.progress_cancels.pop(self.token, None)
            self.server.work_done_progress.tokens.pop(self.token, None)
