"""Checking open documents off the event loop, newest version only.

The first edit after a quiet moment is checked at once; edits arriving while a check is
pending or running are debounced a little and coalesced. Each check runs on one worker thread (the engine's caches are
shared, and one thread keeps a burst of edits from piling up parallel work). A check whose
document changed before it started is skipped, and a result whose document changed (or whose
settings changed) while it ran is dropped: only the version the user sees is ever published.
A check that fails is logged and publishes nothing for that version.
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from lsprotocol import types

from hflint.analyzers.findings import Finding
from hflint.analyzers.settings import Settings
from hflint.server.check_worker import CheckWorker
from hflint.server.lsp_documents import Snapshot

DEBOUNCE_S = 0.01


@dataclass(frozen=True)
class Report:
    snapshot: Snapshot
    generation: int  # the settings generation it was computed with
    findings: tuple[Finding, ...]
    diagnostics: dict[str, list[types.Diagnostic]] = field(default_factory=dict)


@dataclass(frozen=True)
class Failure:
    uri: str
    version: int | None
    message: str


def analyse(snapshot: Snapshot, generation: int = 0, worker: CheckWorker | None = None) -> Report:
    """What `hflint check` reports for this text, as diagnostics per document."""
    from hflint.analyzers.suppression import skips_file
    from hflint.server.lsp_convert import to_diagnostics

    findings: list[Finding] = []
    if not skips_file(snapshot.text):
        if worker is not None:
            findings = worker.check(snapshot.text, snapshot.path, snapshot.config, snapshot.uri)
        else:
            from hflint.server.runner import check_text

            findings, _ = check_text(
                snapshot.text, snapshot.path, snapshot.config, document_key=snapshot.uri
            )
    return Report(snapshot, generation, tuple(findings), to_diagnostics(findings, snapshot))


class Checker:
    def __init__(
        self,
        snapshot: Callable[[str], Snapshot | None],
        deliver: Callable[[Report], None],
        fail: Callable[[Failure], None],
        dropped: Callable[[str, int | None], None] = lambda owner, version: None,
        delay: float = DEBOUNCE_S,
        worker: CheckWorker | None = None,
    ) -> None:
        self.worker = worker
        self._snapshot = snapshot
        self._deliver = deliver
        self._fail = fail
        self._dropped = dropped
        self.delay = delay
        self.generation = 0
        self.reports: dict[str, Report] = {}
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hflint-check")
        self._wanted: dict[str, tuple[int, int]] = {}  # owner -> (version, generation)
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._running: dict[str, int] = {}  # owner -> checks in flight
        self._waiters: dict[str, list[asyncio.Future[Report | None]]] = {}

    def want(self, owner: str, version: int) -> None:
        """Record the version open now (called on every open and change)."""
        self._wanted[owner] = (version, self.generation)

    def schedule(self, owner: str, delay: float | None = None) -> None:
        """Check `owner` soon; a later call before the delay ends replaces this one."""
        loop = asyncio.get_running_loop()
        timer = self._timers.pop(owner, None)
        if timer is not None:
            timer.cancel()
        wait = self.delay if delay is None else delay
        if timer is None and not self._running.get(owner):
            wait = 0  # idle: the first edit of a burst is checked at once, the rest coalesced
        self._timers[owner] = loop.call_later(wait, self._start, owner)

    def invalidate(self, owners: list[str]) -> None:
        """The settings changed: every result so far is stale; check `owners` again."""
        self.generation += 1
        self.reports.clear()
        self._wanted = {o: (v, self.generation) for o, (v, _) in self._wanted.items()}
        for owner in owners:
            self.schedule(owner, 0)

    def forget(self, owner: str) -> None:
        timer = self._timers.pop(owner, None)
        if timer is not None:
            timer.cancel()
        self.reports.pop(owner, None)
        self._wanted.pop(owner, None)
        self._resolve(owner, None)

    def current(self, owner: str) -> Report | None:
        """The report for the version open now, if it is ready."""
        report = self.reports.get(owner)
        snapshot = self._open_version(owner)
        if report is None or snapshot is None or report.generation != self.generation:
            return None
        return report if report.snapshot.version == snapshot else None

    async def report_for(self, owner: str) -> Report | None:
        """The report for the version open now, waiting for its check if need be."""
        ready = self.current(owner)
        if ready is not None or self._open_version(owner) is None:
            return ready
        waiter: asyncio.Future[Report | None] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(owner, []).append(waiter)
        if owner not in self._timers and not self._running.get(owner):
            self.schedule(owner, 0)
        return await waiter

    def shutdown(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self.executor.shutdown(wait=False, cancel_futures=True)
        if self.worker is not None:
            self.worker.close()

    # ---- internals -------------------------------------------------------------------------
    def _open_version(self, owner: str) -> int | None:
        wanted = self._wanted.get(owner)
        return wanted[0] if wanted is not None else None

    def _start(self, owner: str) -> None:
        self._timers.pop(owner, None)
        try:
            snapshot = self._snapshot(owner)
        except Exception:
            self._fail(Failure(owner, self._open_version(owner), traceback.format_exc()))
            self._resolve(owner, None)
            return
        if snapshot is None:
            return
        self._wanted[owner] = (snapshot.version, self.generation)
        generation = self.generation
        self._running[owner] = self._running.get(owner, 0) + 1
        future = self.executor.submit(self._run, snapshot, generation)
        loop = asyncio.get_running_loop()
        future.add_done_callback(
            lambda done: loop.call_soon_threadsafe(self._finish, owner, generation, done)
        )

    def _run(self, snapshot: Snapshot, generation: int) -> Report | Failure | None:
        if self._wanted.get(snapshot.uri) != (snapshot.version, generation):
            return None  # superseded while queued
        try:
            return analyse(snapshot, generation, self.worker)
        except Exception:
            return Failure(snapshot.uri, snapshot.version, traceback.format_exc())

    def _finish(self, owner: str, generation: int, done: Future[Report | Failure | None]) -> None:
        self._running[owner] = self._running.get(owner, 1) - 1
        if done.cancelled():
            return
        result = done.result()
        if result is None:
            return
        version = result.snapshot.version if isinstance(result, Report) else result.version
        if self._wanted.get(owner) != (version, generation):
            self._dropped(owner, version)  # stale: a newer version (or settings) is on its way
            return
        if isinstance(result, Failure):
            self._fail(result)
            self._resolve(owner, None)
            return
        self.reports[owner] = result
        self._deliver(result)
        self._resolve(owner, result)

    def _resolve(self, owner: str, report: Report | None) -> None:
        for waiter in self._waiters.pop(owner, []):
            if not waiter.done():
                waiter.set_result(report)


def forget_checkpoints(settings: list[Settings], worker: CheckWorker | None = None) -> None:
    """A config.json changed on disk: checkpoint lookups are made afresh, here and in the
    check process."""
    from hflint.server.runner import resolver_for

    for item in settings:
        resolver_for(item).clear()
    if worker is not None:
        worker.forget_checkpoints(settings)
