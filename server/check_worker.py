"""The language server's checks, run in a child process of their own.

Two reasons. Start-up: the child imports libcst, the rules and transformers' tables while the
server imports pygls, on the other core, so the first diagnostics come sooner. Editing: a check
never competes with the event loop for the GIL, and a check that crashes or hangs costs a
restart of the child, not the server.

The child runs runner.check_text, the function `hflint check` uses, so findings are the same
as everywhere else. Messages are length-prefixed pickles over the child's stdin and stdout;
the child answers every request in order.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from hflint.analyzers.findings import Finding
    from hflint.analyzers.settings import Settings
    from hflint.server.config import Config

_HEADER = struct.Struct("!I")
CHECK_TIME_LIMIT_S = 60.0
IDLE_SWEEP_S = 0.5  # no request for this long: a full garbage collection
PRIME_AFTER_S = 0.05  # no request for this long: a document opened is primed for its edits
FULL_SWEEP_EVERY = 500  # requests without a pause: a full garbage collection anyway


class WorkerError(Exception):
    """The child failed a request, died, or took too long (it is restarted on the next call)."""


def _send(stream: IO[bytes], message: object) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytes:
    chunks: list[bytes] = []
    while size:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError
        chunk = os.read(fd, size)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _receive(fd: int, deadline: float | None = None) -> Any:
    (size,) = _HEADER.unpack(_read_exactly(fd, _HEADER.size, deadline))
    return pickle.loads(_read_exactly(fd, size, deadline))


# ---- the child ------------------------------------------------------------------------------
def serve(requests: int, replies: IO[bytes]) -> None:
    """Answer requests until the server closes the pipe."""
    from hflint.server.fix_titles import reasons_for
    from hflint.server.runner import check_text, resolver_for
    from hflint.server.warm_up import warm_up

    warm_up(wanted=lambda: bool(select.select([requests], [], [], 0)[0]))
    from hflint.analyzers.engine import has_unprimed, prime_one

    # What the warm-up loaded (rules, transformers' tables, libcst) lives as long as the process:
    # take it out of the collector's sight. A check never waits for the collector: the young
    # generations are swept once its reply is on its way, the whole heap when idle (or, in a
    # long burst of edits, every FULL_SWEEP_EVERY requests).
    gc.freeze()
    gc.disable()
    swept = True
    since_full = 0
    prechecked: tuple[tuple[object, ...], object] | None = None  # (check inputs, its reply)
    while True:
        if has_unprimed() and not select.select([requests], [], [], PRIME_AFTER_S)[0]:
            with contextlib.suppress(Exception):  # only ever saves the next keystroke time
                prime_one()
            continue
        if not swept and not select.select([requests], [], [], IDLE_SWEEP_S)[0]:
            gc.collect()
            swept, since_full = True, 0
        try:
            request = _receive(requests)
        except EOFError:
            return
        swept = False
        kind = request[0]
        try:
            if kind == "check":
                inputs = request[1:]
                if prechecked is not None and prechecked[0] == inputs:
                    reply: tuple[str, object] = ("ok", (*prechecked[1], True))  # type: ignore[misc]
                else:
                    _, text, path, config, key = request
                    findings = check_text(text, path, config, key)[0]
                    reply = ("ok", (findings, reasons_for(findings), False))
                prechecked = None
            elif kind == "precheck":
                _, text, path, root, settings, key = request
                config = _config_for(path, root, settings)
                findings = check_text(text, path, config, key)[0]
                prechecked = ((text, path, config, key), (findings, reasons_for(findings)))
                reply = ("ok", None)
            elif kind == "forget-checkpoints":
                for settings in request[1]:
                    resolver_for(settings).clear()
                reply = ("ok", None)
            else:
                reply = ("error", f"unknown request {kind!r}")
        except Exception:
            reply = ("error", traceback.format_exc())
        _send(replies, reply)
        since_full += 1
        if since_full >= FULL_SWEEP_EVERY:
            gc.collect()
            since_full = 0
        else:
            gc.collect(1)


def _config_for(path: Path, root: Path, settings: object) -> Config:
    """The configuration the server gives `path` right after `initialize` (lsp_precheck.py)."""
    from hflint.server.lsp_settings import ConfigResolver, parse_editor_settings, unwrap

    resolver = ConfigResolver(root)
    resolver.editor = parse_editor_settings(unwrap(settings))[0]
    return resolver.for_file(path)


def main() -> None:
    # Anything printed by accident must not corrupt the replies: they get a stream of their own.
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    serve(sys.stdin.fileno(), replies)


# ---- the server's side ----------------------------------------------------------------------
class CheckWorker:
    """The child process, started at once and restarted after a crash or a time-out."""

    def __init__(self, time_limit: float = CHECK_TIME_LIMIT_S) -> None:
        self.time_limit = time_limit
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.prechecks_used = 0
        self._start()

    def _start(self) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "hflint.server.check_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.starts += 1

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def _call(self, request: tuple[object, ...], time_limit: float | None) -> object:
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._start()
            proc = self._proc
            assert proc is not None and proc.stdin is not None and proc.stdout is not None
            deadline = time.monotonic() + time_limit if time_limit else None
            try:
                _send(proc.stdin, request)
                status, payload = _receive(proc.stdout.fileno(), deadline)
            except TimeoutError:
                self._stop(proc)
                raise WorkerError(f"the check took longer than {time_limit:.0f} s") from None
            except (EOFError, OSError, pickle.UnpicklingError, struct.error) as error:
                try:
                    code: int | None = proc.wait(timeout=2)
                except subprocess.TimeoutExpired:
                    code = None
                self._stop(proc)
                raise WorkerError(f"the check process ended (exit code {code}): {error}") from None
        if status != "ok":
            raise WorkerError(str(payload))
        return payload

    def check(
        self, text: str, path: Path, config: Config, document_key: str | None
    ) -> list[Finding]:
        from hflint.server.fix_titles import remember

        reply = self._call(("check", text, path, config, document_key), self.time_limit)
        findings, reasons, prechecked = cast(
            "tuple[list[Finding], dict[str, str | None], bool]", reply
        )
        self.prechecks_used += prechecked
        remember(reasons)  # fix titles without loading the rules here
        return findings

    def precheck(
        self, text: str, path: Path, root: Path, settings: object, document_key: str
    ) -> None:
        """Check a document before the server asks (lsp_precheck.py); the server's own check of
        the same inputs then gets this result."""
        self._call(("precheck", text, path, root, settings, document_key), self.time_limit)

    def forget_checkpoints(self, settings: list[Settings]) -> None:
        self._call(("forget-checkpoints", settings), self.time_limit)

    def _stop(self, proc: subprocess.Popen[bytes]) -> None:
        if proc.poll() is None:
            proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        self._proc = None

    def close(self) -> None:
        """Stop the child now: it holds nothing worth waiting for, and one still warming up
        would go on using a core after the server is gone."""
        proc = self._proc
        if proc is not None:
            self._stop(proc)


if __name__ == "__main__":
    main()
