"""The language server: LSP messages in, the engine's findings out, and nothing computed here.

Findings come from runner.check_text, the function `hflint check` uses, so the editor and the
command line never disagree. Diagnostics are pulled (`textDocument/diagnostic`) when the client
supports it and pushed otherwise, as Ruff decides; notebooks are always pushed, since pull
diagnostics do not cover notebook cells.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import traceback
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar
from urllib.parse import urlparse

from lsprotocol import types
from pygls.io_ import StdoutWriter, run_async
from pygls.lsp.server import LanguageServer

from hflint import __version__
from hflint.server.check_worker import CheckWorker
from hflint.server.lsp_actions import (
    FIX_ALL_KIND,
    KINDS,
    VALIDATE_COMMAND,
    EditBuilder,
    allowed,
    fix_all,
    fix_all_action,
    quick_fixes,
    validate_actions,
)
from hflint.server.lsp_checker import Checker, Failure, Report, forget_checkpoints
from hflint.server.lsp_convert import diagnostics_json, fingerprint, forget_conversions, result_id
from hflint.server.lsp_documents import Documents, Snapshot, uri_to_path
from hflint.server.lsp_language import TRIGGER_CHARACTERS, completions, hover
from hflint.server.lsp_lenses import code_lenses
from hflint.server.lsp_loads import LoadSite, load_sites
from hflint.server.lsp_positions import UTF16
from hflint.server.lsp_protocol import HflintProtocol
from hflint.server.lsp_reader import MessageReader
from hflint.server.lsp_settings import (
    ConfigResolver,
    parse_editor_settings,
    pushed_settings,
    unwrap,
)
from hflint.server.lsp_uris import workspace_root
from hflint.server.lsp_validate import Marks, run_validation
from hflint.server.warm_up import warm_up

WATCHED = (
    "**/pyproject.toml",
    "**/config.json",
    "**/adapter_config.json",
    # where a project pins transformers (analyzers/target_version.py): a change re-checks
    "**/requirements*.txt",
    "**/setup.cfg",
    "**/uv.lock",
    "**/poetry.lock",
    "**/pdm.lock",
    "**/Pipfile.lock",
)
CHECKPOINT_FILES = {"config.json", "adapter_config.json"}
T = TypeVar("T")
STATUS_REQUEST = "hflint/status"


class HflintServer(LanguageServer):
    protocol: HflintProtocol

    def __init__(self, worker: CheckWorker | None = None) -> None:
        notebooks = types.NotebookDocumentSyncOptions(
            notebook_selector=[
                types.NotebookDocumentFilterWithNotebook(
                    notebook="*", cells=[types.NotebookCellLanguage(language="python")]
                )
            ],
            save=False,
        )
        super().__init__(
            "hflint",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            notebook_document_sync=notebooks,
            protocol_cls=HflintProtocol,
        )
        self.documents = Documents()
        self.configs = ConfigResolver(Path.cwd())
        self.checker = Checker(
            self.snapshot_of, self._deliver, self._failed, self._dropped, worker=worker
        )
        self.marks = Marks()
        self.requests = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hflint-requests")
        self.validation_executor = ThreadPoolExecutor(2, thread_name_prefix="hflint-validate")
        self.progress_cancels: dict[int | str, threading.Event] = {}
        self.encoding = UTF16
        self.pull = False
        self._init_settings: object = None
        self._loads: dict[str, tuple[int, list[LoadSite]]] = {}
        _register(self)

    def start_io(self, stdin: Any = None, stdout: Any = None) -> None:
        """pygls's stdio loop, with a reader that hands over whole messages (lsp_reader.py)."""
        self._stop_event = threading.Event()
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        try:
            asyncio.run(
                run_async(
                    stop_event=self._stop_event,
                    reader=stdin
                    if isinstance(stdin, MessageReader)
                    else MessageReader(stdin or sys.stdin.buffer),
                    protocol=self.protocol,
                    logger=logging.getLogger("pygls.server"),
                    error_handler=self.report_server_error,
                )
            )
        except BrokenPipeError:
            logging.getLogger("pygls.server").error("Connection to the client is lost.")
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            self.shutdown()  # type: ignore[no-untyped-call]

    # ---- helpers the feature modules use ---------------------------------------------------
    def path_of(self, uri: str) -> Path:
        return uri_to_path(uri, self.configs.cwd)

    def snapshot_of(self, owner: str) -> Snapshot | None:
        config = self.configs.for_file(self.path_of(owner))
        for problem in self.configs.problems:
            self.show(types.MessageType.Warning, f"hflint: {problem}; using the defaults")
        self.configs.problems.clear()
        return self.documents.snapshot(owner, self.path_of(owner), config, self.encoding)

    def text_of(self, uri: str) -> str | None:
        doc = self.documents.texts.get(uri)
        return doc.text if doc is not None else None

    def show(self, kind: types.MessageType, message: str) -> None:
        self.window_show_message(types.ShowMessageParams(kind, message))

    def log(self, kind: types.MessageType, message: str) -> None:
        self.window_log_message(types.LogMessageParams(kind, message))

    def refresh(self, uri: str) -> None:
        """Show `uri`'s diagnostics again (validation results changed)."""
        owner = self.documents.owner(uri)
        report = self.checker.current(owner) if owner is not None else None
        if report is None:
            return
        if self.pull and report.snapshot.notebook is None:
            self._request_refresh()
        else:
            self._publish(report)

    # ---- lifecycle -------------------------------------------------------------------------
    def initialize(self, params: types.InitializeParams) -> None:
        caps = params.capabilities
        self.pull = caps.text_document is not None and caps.text_document.diagnostic is not None
        encoding = self.workspace.position_encoding
        self.encoding = str(getattr(encoding, "value", encoding) or UTF16)
        self.configs = ConfigResolver(_root(params))
        self._init_settings = params.initialization_options
        self._apply_settings(params.initialization_options, recheck=False)

    async def initialized(self, params: types.InitializedParams) -> None:
        if self.checker.worker is None:
            self.checker.executor.submit(warm_up)
        else:  # checks run in the child; this process needs the engine for hovers and fix-all
            asyncio.get_running_loop().call_later(2.0, self.requests.submit, warm_up)
        await self._watch_files()
        await self._pull_settings()

    def on_shutdown(self, *args: Any) -> None:
        for event in self.progress_cancels.values():
            event.set()
        self.checker.shutdown()
        self.requests.shutdown(wait=False, cancel_futures=True)
        self.validation_executor.shutdown(wait=False, cancel_futures=True)

    # ---- documents -------------------------------------------------------------------------
    def did_open(self, params: types.DidOpenTextDocumentParams) -> None:
        self.documents.open_text(params.text_document)
        self._changed(params.text_document.uri, delay=0)

    def did_change(self, params: types.DidChangeTextDocumentParams) -> None:
        self.documents.change_text(params.text_document, params.content_changes, self.encoding)
        self._changed(params.text_document.uri)

    def did_close(self, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        self.documents.close_text(uri)
        self._closed([uri], clear=not self.pull)

    def notebook_did_open(self, params: types.DidOpenNotebookDocumentParams) -> None:
        self.documents.open_notebook(params)
        self._changed(params.notebook_document.uri, delay=0)

    def notebook_did_change(self, params: types.DidChangeNotebookDocumentParams) -> None:
        closed = self.documents.change_notebook(params, self.encoding)
        self._closed(closed, clear=True)
        self._changed(params.notebook_document.uri)

    def notebook_did_close(self, params: types.DidCloseNotebookDocumentParams) -> None:
        uri = params.notebook_document.uri
        cells = self.documents.close_notebook(uri)
        self._closed([uri], clear=False)
        self._closed(cells, clear=True)

    def _changed(self, uri: str, delay: float | None = None) -> None:
        owner = self.documents.owner(uri)
        version = self.documents.version(owner) if owner is not None else None
        if owner is None or version is None:
            return
        self.checker.want(owner, version)
        self.checker.schedule(owner, delay)

    def _closed(self, uris: list[str], clear: bool) -> None:
        for uri in uris:
            self.checker.forget(uri)
            self.marks.forget(uri)
            forget_conversions(uri)
            self._loads.pop(uri, None)
            if clear:
                self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, []))

    def _owners(self) -> list[str]:
        owners = {self.documents.owner(uri) for uri in self.documents.texts}
        return sorted(o for o in owners | set(self.documents.notebooks) if o is not None)

    # ---- diagnostics -----------------------------------------------------------------------
    def _deliver(self, report: Report) -> None:
        if not self.pull or report.snapshot.notebook is not None:
            self._publish(report)

    def _publish(self, report: Report) -> None:
        snapshot = report.snapshot
        for uri, diagnostics in report.diagnostics.items():
            extra = self.marks.diagnostics(uri, snapshot.indexes[uri])
            # Sent as JSON converted once per finding (lsp_convert.py), not re-serialised whole.
            self.protocol.notify_json(
                types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
                {
                    "uri": uri,
                    "diagnostics": diagnostics_json(uri, [*diagnostics, *extra]),
                    "version": snapshot.doc_version_of(uri),
                },
            )

    def _failed(self, failure: Failure) -> None:
        self.log(
            types.MessageType.Error,
            f"hflint: checking {failure.uri} (version {failure.version}) failed; "
            f"its diagnostics are left as they were:\n{failure.message}",
        )

    def _dropped(self, uri: str, version: int | None) -> None:
        self.log(
            types.MessageType.Log,
            f"hflint: dropped the result for {uri} version {version}: "
            "the document or the settings changed while it was checked",
        )

    async def diagnostic(
        self, params: types.DocumentDiagnosticParams
    ) -> types.DocumentDiagnosticReport:
        uri = params.text_document.uri
        if self.documents.owner(uri) != uri:  # unknown, or a notebook cell (pushed instead)
            return types.RelatedFullDocumentDiagnosticReport(items=[])
        report = await self.checker.report_for(uri)
        previous = params.previous_result_id
        if report is None:
            if previous:
                return types.RelatedUnchangedDocumentDiagnosticReport(result_id=previous)
            return types.RelatedFullDocumentDiagnosticReport(items=[])
        index = report.snapshot.indexes[uri]
        items = [*report.diagnostics.get(uri, []), *self.marks.diagnostics(uri, index)]
        current = result_id(items)
        if current == previous:
            return types.RelatedUnchangedDocumentDiagnosticReport(result_id=current)
        return types.RelatedFullDocumentDiagnosticReport(items=items, result_id=current)

    def _request_refresh(self) -> None:
        workspace = self.client_capabilities.workspace
        diagnostics = workspace.diagnostics if workspace is not None else None
        if diagnostics is not None and diagnostics.refresh_support:
            self.workspace_diagnostic_refresh(None)

    def _recheck_all(self) -> None:
        self.checker.invalidate(self._owners())
        if self.pull:
            self._request_refresh()

    # ---- settings --------------------------------------------------------------------------
    def _apply_settings(self, raw: object, recheck: bool = True) -> None:
        settings, problems = parse_editor_settings(unwrap(raw))
        for problem in problems:
            self.show(types.MessageType.Warning, f"hflint settings: {problem}")
        if settings == self.configs.editor:
            return
        self.configs.editor = settings
        if recheck:
            self._recheck_all()

    async def _pull_settings(self) -> None:
        workspace = self.client_capabilities.workspace
        if workspace is None or not workspace.configuration:
            return
        item = types.ConfigurationItem(section="hflint")
        try:
            result = await self.workspace_configuration_async(types.ConfigurationParams([item]))
        except Exception as error:
            self.log(types.MessageType.Warning, f"hflint: workspace/configuration failed: {error}")
            return
        value = result[0] if result else None
        self._apply_settings(value if value is not None else self._init_settings)

    async def configuration_changed(self, params: types.DidChangeConfigurationParams) -> None:
        pushed = pushed_settings(params.settings)
        if pushed is not None:
            self._apply_settings(pushed)
        else:
            await self._pull_settings()

    async def _watch_files(self) -> None:
        workspace = self.client_capabilities.workspace
        watched = workspace.did_change_watched_files if workspace is not None else None
        if watched is None or not watched.dynamic_registration:
            return
        options = types.DidChangeWatchedFilesRegistrationOptions(
            watchers=[types.FileSystemWatcher(glob_pattern=glob) for glob in WATCHED]
        )
        registration = types.Registration(
            id=f"hflint-watch-{uuid.uuid4().hex}",
            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=options,
        )
        try:
            await self.client_register_capability_async(types.RegistrationParams([registration]))
        except Exception as error:
            self.log(types.MessageType.Warning, f"hflint: cannot watch pyproject.toml: {error}")

    def watched_files_changed(self, params: types.DidChangeWatchedFilesParams) -> None:
        names = {PurePosixPath(urlparse(change.uri).path).name for change in params.changes}
        if "pyproject.toml" in names:
            self.configs.reload()
        if names & CHECKPOINT_FILES:
            configs = [self.configs.for_file(self.path_of(o)) for o in self._owners()]
            self.checker.executor.submit(
                forget_checkpoints, [c.settings for c in configs], self.checker.worker
            )
        self._recheck_all()

    # ---- code actions ----------------------------------------------------------------------
    async def code_action(self, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        uri = params.text_document.uri
        owner = self.documents.owner(uri)
        if owner is None:
            return None
        only = params.context.only
        builder = self._edit_builder()
        actions: list[types.CodeAction] = []
        if allowed(types.CodeActionKind.QuickFix, only):
            report = self.checker.current(owner)
            shown = report.diagnostics.get(uri, []) if report is not None else []
            current = {fingerprint(d) for d in shown}
            actions += quick_fixes(params.context.diagnostics, current, builder)
        if allowed(FIX_ALL_KIND, only) and (only is not None or self._has_safe_fixes(owner)):
            eager = only is not None or not self._resolves_edits()
            action = await self._fix_all(owner) if eager else fix_all_action(None, {"uri": owner})
            if action is not None:
                actions.append(action)
        if allowed(types.CodeActionKind.Empty, only):
            snapshot = self.snapshot_of(owner)
            if snapshot is not None:
                sites = await self._load_sites(snapshot)
                actions += validate_actions(sites, snapshot, uri, params.range)
        return actions

    async def resolve_code_action(self, action: types.CodeAction) -> types.CodeAction:
        data = action.data
        if action.kind == FIX_ALL_KIND and isinstance(data, dict) and "uri" in data:
            resolved = await self._fix_all(str(data["uri"]))
            if resolved is not None:
                action.edit = resolved.edit
        return action

    async def _fix_all(self, owner: str) -> types.CodeAction | None:
        snapshot = self.snapshot_of(owner)
        if snapshot is None:
            return None
        changed = await _off_loop(self.checker.executor, fix_all, snapshot)
        if not changed or self.documents.version(owner) != snapshot.version:
            return None
        old = {uri: index.text for uri, index in snapshot.indexes.items()}
        return fix_all_action(self._edit_builder().replacing(old, changed, self.encoding))

    def _has_safe_fixes(self, owner: str) -> bool:
        report = self.checker.current(owner)
        return report is not None and any(
            f.fix is not None and f.fix.is_safe and f.fix.edits for f in report.findings
        )

    def _resolves_edits(self) -> bool:
        text = self.client_capabilities.text_document
        action = text.code_action if text is not None else None
        support = action.resolve_support if action is not None else None
        return support is not None and "edit" in support.properties

    def _edit_builder(self) -> EditBuilder:
        versions = {uri: doc.version for uri, doc in self.documents.texts.items()}
        workspace = self.client_capabilities.workspace
        edit = workspace.workspace_edit if workspace is not None else None
        return EditBuilder(versions, bool(edit is not None and edit.document_changes))

    async def _load_sites(self, snapshot: Snapshot) -> list[LoadSite]:
        cached = self._loads.get(snapshot.uri)
        if cached is not None and cached[0] == snapshot.version:
            return cached[1]
        sites = await _off_loop(self.requests, load_sites, snapshot.text)
        self._loads[snapshot.uri] = (snapshot.version, sites)
        return sites

    # ---- commands, hovers, completions -----------------------------------------------------
    async def validate(self, *arguments: Any) -> dict[str, Any]:
        return await run_validation(self, arguments[0] if arguments else None)

    def progress_cancelled(self, params: types.WorkDoneProgressCancelParams) -> None:
        event = self.progress_cancels.get(params.token)
        if event is not None:
            event.set()

    async def hover(self, params: types.HoverParams) -> types.Hover | None:
        return await self._at_position(hover, params.text_document.uri, params.position)

    async def completion(self, params: types.CompletionParams) -> types.CompletionList | None:
        return await self._at_position(completions, params.text_document.uri, params.position)

    async def code_lens(self, params: types.CodeLensParams) -> list[types.CodeLens] | None:
        uri = params.text_document.uri
        snapshot = self._open_snapshot(uri)
        if snapshot is None:
            return None
        sites = await self._load_sites(snapshot)
        return await _off_loop(self.requests, code_lenses, sites, snapshot, uri)

    async def status(self, params: Any) -> dict[str, Any]:
        """`hflint/status`: what a client shows about the server (VS Code's status bar)."""
        return await _off_loop(self.requests, _status, self.checker.worker is not None)

    async def _at_position(
        self, answer: Callable[[Snapshot, str, types.Position], T], uri: str, pos: types.Position
    ) -> T | None:
        snapshot = self._open_snapshot(uri)
        if snapshot is None:
            return None
        return await _off_loop(self.requests, answer, snapshot, uri, pos)

    def _open_snapshot(self, uri: str) -> Snapshot | None:
        """The snapshot of the document (or notebook) `uri` belongs to, if it is open."""
        owner = self.documents.owner(uri)
        return self.snapshot_of(owner) if owner is not None else None


def _register(server: HflintServer) -> None:
    """Every LSP method hflint answers. pygls marks its handlers with attributes, so each bound
    method is wrapped in a plain function. Notifications (and shutdown) answer nothing, so a bug
    in one is logged to the client instead, and the server keeps running."""
    guarded: dict[str, Callable[[Any], Any]] = {
        types.INITIALIZED: server.initialized,
        types.TEXT_DOCUMENT_DID_OPEN: server.did_open,
        types.TEXT_DOCUMENT_DID_CHANGE: server.did_change,
        types.TEXT_DOCUMENT_DID_CLOSE: server.did_close,
        types.NOTEBOOK_DOCUMENT_DID_OPEN: server.notebook_did_open,
        types.NOTEBOOK_DOCUMENT_DID_CHANGE: server.notebook_did_change,
        types.NOTEBOOK_DOCUMENT_DID_CLOSE: server.notebook_did_close,
        types.WORKSPACE_DID_CHANGE_CONFIGURATION: server.configuration_changed,
        types.WORKSPACE_DID_CHANGE_WATCHED_FILES: server.watched_files_changed,
        types.WINDOW_WORK_DONE_PROGRESS_CANCEL: server.progress_cancelled,
        types.SHUTDOWN: server.on_shutdown,
    }
    for method, handler in guarded.items():
        server.feature(method)(_guarded(server, handler))
    requests: list[tuple[str, Callable[[Any], Any], Any]] = [
        (types.INITIALIZE, server.initialize, None),
        (
            types.TEXT_DOCUMENT_DIAGNOSTIC,
            server.diagnostic,
            types.DiagnosticOptions(
                identifier="hflint", inter_file_dependencies=False, workspace_diagnostics=False
            ),
        ),
        (
            types.TEXT_DOCUMENT_CODE_ACTION,
            server.code_action,
            types.CodeActionOptions(code_action_kinds=KINDS, resolve_provider=True),
        ),
        (types.CODE_ACTION_RESOLVE, server.resolve_code_action, None),
        (types.TEXT_DOCUMENT_HOVER, server.hover, None),
        (
            types.TEXT_DOCUMENT_CODE_LENS,
            server.code_lens,
            types.CodeLensOptions(resolve_provider=False),
        ),
        (STATUS_REQUEST, server.status, None),
        (
            types.TEXT_DOCUMENT_COMPLETION,
            server.completion,
            types.CompletionOptions(trigger_characters=TRIGGER_CHARACTERS),
        ),
    ]
    for method, handler, options in requests:
        server.feature(method, options)(_plain(handler))

    async def validate(*arguments: Any) -> dict[str, Any]:
        return await server.validate(*arguments)

    server.command(VALIDATE_COMMAND)(validate)


def _status(checks_in_child: bool) -> dict[str, Any]:
    from hflint.analyzers import environment
    from hflint.analyzers.knowledge import load_knowledge

    found = environment.find()
    return {
        "hflint": __version__,
        "transformers": load_knowledge().version or None,
        # where that transformers was read: "<how chosen>: <interpreter or environment>"
        "transformersFrom": f"{found.source}: {found.interpreter}" if found else None,
        "python": sys.executable,
        "checks": "child process" if checks_in_child else "server process",
    }


def _plain(handler: Callable[[Any], Any]) -> Callable[[Any], Any]:
    if asyncio.iscoroutinefunction(handler):

        async def run_async(params: Any) -> Any:
            return await handler(params)

        return run_async

    def run(params: Any) -> Any:
        return handler(params)

    return run


def _guarded(server: HflintServer, handler: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def report() -> None:
        server.log(types.MessageType.Error, f"hflint: internal error:\n{traceback.format_exc()}")

    if asyncio.iscoroutinefunction(handler):

        async def run_async(params: Any) -> None:
            try:
                await handler(params)
            except Exception:
                report()

        return run_async

    def run(params: Any) -> None:
        try:
            handler(params)
        except Exception:
            report()

    return run


def _off_loop(executor: ThreadPoolExecutor, func: Callable[..., T], *args: Any) -> Awaitable[T]:
    return asyncio.get_running_loop().run_in_executor(executor, func, *args)


def _root(params: types.InitializeParams) -> Path:
    folders = [{"uri": f.uri} for f in params.workspace_folders or []]
    raw = {"workspaceFolders": folders, "rootUri": params.root_uri, "rootPath": params.root_path}
    return workspace_root(raw)
