"""Validate by loading: the parent side, which runs validation_child.py in its own interpreter.

The language server imports this module, so it must never import torch or transformers: all
of that happens in the child, where a hang is cut by the time limit, a big load by the memory
limit, and a crash ends the child only. The caller gets a ValidationResult in every case.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

from hflint.analyzers import environment

# "unavailable": the interpreter lacks transformers or torch (details: missing, needed).
Status = Literal["ok", "error", "timeout", "cancelled", "crashed", "unavailable"]
Severity = Literal["error", "warning", "information"]
STATUSES: tuple[Status, ...] = ("ok", "error", "timeout", "cancelled", "crashed", "unavailable")
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "information")

CHILD_MODULE = "hflint.server.validation_child"
CHILD_FILE = Path(__file__).with_name("validation_child.py")
# Another interpreter may not have hflint installed: it runs the child file by path instead.
# runpy, not `python FILE`, so that server/ (cli.py, config.py, ...) never lands on sys.path.
RUN_FILE = "import runpy, sys; runpy.run_path(sys.argv[1], run_name='__main__')"
STDERR_LINES = 200
POLL_S = 0.05
EXTRA = "hflint[validate]"  # the install extra that brings transformers and torch
EDITOR_SETTING = "validation.interpreter"


@dataclass
class ValidationRequest:
    checkpoint: str
    auto_class: str | None = None
    task: str | None = None
    revision: str | None = None
    subfolder: str | None = None
    # None: default_interpreter(); set by `--interpreter` or the editor's validation.interpreter
    interpreter: str | None = None
    # how the user sets the interpreter where the request comes from, for messages
    interpreter_setting: str = EDITOR_SETTING
    timeout_s: float = 60.0
    memory_mb: int | None = 4096
    allow_online: bool = False
    trust_remote_code: bool = False
    real_load: bool = False
    file_dir: str | None = None
    # from_pretrained keywords of the call (num_labels, id2label, ignore_mismatched_sizes, ...)
    config_overrides: dict[str, Any] = field(default_factory=dict)


@dataclass
class ValidationDiagnostic:
    severity: Severity
    message: str


@dataclass
class ValidationResult:
    status: Status
    summary: str  # one line
    diagnostics: list[ValidationDiagnostic] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def default_interpreter() -> str:
    """The Python a validation loads with when none is configured (`--interpreter` on the
    command line, `validation.interpreter` in the editor).

    hflint's own interpreter when it can load models; else the project's, when the user chose
    it (`--python` / the editor's interpreter, an activated environment, or PATH) and it has
    transformers. A `.venv` found in the folder is never run unasked: a cloned repository's
    `.venv/bin/python` can be any program.
    """
    if _loads_models():
        return sys.executable
    found = environment.find()
    if found is None or found.source in environment.UNASKED:
        return sys.executable
    return environment.interpreter_of(found.interpreter)


def _loads_models() -> bool:
    """Whether hflint's own interpreter has transformers and torch (nothing imported)."""
    return all(importlib.util.find_spec(name) is not None for name in ("transformers", "torch"))


def looks_like_path(checkpoint: str) -> bool:
    """Whether `checkpoint` can only be a local folder, never a hub repo id.

    A repo id is `name` or `org/name`: one slash at most, never a leading "." or "~". So a name
    that starts with ".", "/" or "~", has two slashes or more, holds os.sep (a backslash on
    Windows) or is absolute is a path; a bare `org/name` is a path only when it is on disk.
    """
    return (
        checkpoint.startswith((".", "/", "~"))
        or checkpoint.count("/") > 1
        or (os.sep != "/" and os.sep in checkpoint)
        or os.path.isabs(checkpoint)
    )


def folder_problem(checkpoint: str, file_dir: str | None = None) -> str | None:
    """Why `checkpoint`, a local path, cannot be loaded from; None for a folder or a repo id.

    Looked up as `locate` does: relative to `file_dir`, then to the current folder. A file is
    never a checkpoint; a path-looking name (see looks_like_path) that is not on disk is a
    missing folder, not a repo id for the Hub to reject.
    """
    try:
        path = Path(checkpoint).expanduser()
    except (RuntimeError, ValueError):  # ~user with no such user
        path = Path(checkpoint)
    bases = [Path(file_dir)] if file_dir else []
    candidates = [path] if path.is_absolute() else [base / path for base in [*bases, Path.cwd()]]
    candidates = list(dict.fromkeys(candidates))
    if any(_is(Path.is_dir, candidate) for candidate in candidates):
        return None
    for candidate in candidates:
        if _is(Path.exists, candidate):
            return (
                f"{candidate} is a file, not a folder: give the folder that holds the "
                f"checkpoint's config.json ({candidate.parent}?) or a hub repo id"
            )
    if not looks_like_path(checkpoint):
        return None
    where = " or ".join(str(candidate) for candidate in candidates)
    return f"the folder does not exist (looked for {where})"


def _is(test: Callable[[Path], bool], path: Path) -> bool:
    try:
        return test(path)
    except (OSError, ValueError):
        return False


def locate(request: ValidationRequest) -> tuple[str, str | None]:
    """(what from_pretrained gets, the folder holding the checkpoint's files if at hand).

    A local folder is resolved the way CheckpointResolver does (relative to the analysed file,
    then to cwd); a repo id stays a repo id, and its cached snapshot is the folder.
    """
    from hflint.analyzers.checkpoints import CheckpointResolver, local_folder

    file_dir = Path(request.file_dir) if request.file_dir else None
    folder = local_folder(request.checkpoint, file_dir, Path.cwd())
    if folder is not None:
        inner = folder / request.subfolder if request.subfolder else folder
        return str(folder.resolve()), str(inner.resolve())
    facts = CheckpointResolver(online=False).lookup(
        request.checkpoint,
        revision=request.revision,
        subfolder=request.subfolder,
        file_dir=file_dir,
    )
    if facts is not None and facts.source == "cache" and Path(facts.location).is_dir():
        return request.checkpoint, facts.location
    return request.checkpoint, None


def child_command(interpreter: str) -> list[str]:
    if os.path.abspath(interpreter) == os.path.abspath(sys.executable):
        return [interpreter, "-m", CHILD_MODULE]
    return [interpreter, "-c", RUN_FILE, str(CHILD_FILE)]


def child_env(request: ValidationRequest) -> dict[str, str]:
    env = dict(os.environ)
    if not request.allow_online:
        env["HF_HUB_OFFLINE"] = env["TRANSFORMERS_OFFLINE"] = "1"
    env.update(
        PYTHONUNBUFFERED="1",
        PYTHONIOENCODING="utf-8",
        HF_HUB_DISABLE_TELEMETRY="1",
        HF_HUB_DISABLE_PROGRESS_BARS="1",
        TOKENIZERS_PARALLELISM="false",
    )
    if request.memory_mb:
        # RLIMIT_AS counts address space: every thread's stack and malloc arena reserves some.
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env.setdefault(var, "1")
        env.setdefault("MALLOC_ARENA_MAX", "2")
    return env


def _payload(request: ValidationRequest) -> str:
    try:
        path, weights_dir = locate(request)
    except Exception:  # a lookup failure leaves the child to find the files itself
        path, weights_dir = request.checkpoint, None
    data = asdict(request)
    data.update(path=path, weights_dir=weights_dir)
    return json.dumps(data, default=str)


class _Child:
    """The running child: its output lines arrive on a queue, stderr's tail in a deque."""

    def __init__(self, request: ValidationRequest, interpreter: str, payload: str):
        self.proc = subprocess.Popen(
            child_command(interpreter),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=child_env(request),
            cwd=request.file_dir if request.file_dir and os.path.isdir(request.file_dir) else None,
            start_new_session=True,  # its own process group: a kill takes its helpers too
            text=True,
            encoding="utf-8",
            errors="replace",
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.stderr: deque[str] = deque(maxlen=STDERR_LINES)
        self._threads = [
            threading.Thread(target=self._write, args=(payload,), daemon=True),
            threading.Thread(target=self._read, args=(self.proc.stdout,), daemon=True),
            threading.Thread(target=self._tail, args=(self.proc.stderr,), daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def _write(self, payload: str) -> None:
        stdin = self.proc.stdin
        assert stdin is not None
        try:
            stdin.write(payload)
            stdin.close()
        except (OSError, ValueError):
            pass  # the child died before reading: its exit tells why

    def _read(self, stream: IO[str] | None) -> None:
        assert stream is not None
        for line in stream:
            self.lines.put(line)
        self.lines.put(None)

    def _tail(self, stream: IO[str] | None) -> None:
        assert stream is not None
        for line in stream:
            self.stderr.append(line.rstrip("\n"))

    def kill(self) -> None:
        if self.proc.poll() is not None:
            return
        try:
            if hasattr(os, "killpg"):
                os.killpg(self.proc.pid, signal.SIGKILL)
            else:
                self.proc.kill()
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()

    def finish(self) -> None:
        self.kill()
        self._threads[2].join(timeout=1.0)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


def start_validation(
    request: ValidationRequest,
    on_progress: Callable[[str], object] | None = None,
    cancel: threading.Event | None = None,
) -> ValidationResult:
    """Runs the validation child to its end, time limit, cancellation or crash.

    Blocks the calling thread (the server runs it on a worker); `on_progress` gets every step
    as the child announces it, from this thread. A path to no folder is an error found here,
    with no child; an interpreter without transformers or torch is "unavailable", its summary
    saying what to install or configure. details["interpreter"] is the Python that was used.
    """
    started = time.monotonic()
    interpreter = os.path.expanduser(request.interpreter or default_interpreter())
    problem = folder_problem(request.checkpoint, request.file_dir)
    if problem is not None:
        summary = f"{request.checkpoint}: {problem}"
        result = _result("error", summary, [], started)
        result.diagnostics.append(ValidationDiagnostic("error", summary))
        return result
    result = _run(request, interpreter, on_progress, cancel or threading.Event(), started)
    if result.status == "unavailable":
        result = _unavailable(request, interpreter, result)
    result.details.setdefault("interpreter", interpreter)
    return result


def _run(
    request: ValidationRequest,
    interpreter: str,
    on_progress: Callable[[str], object] | None,
    cancel: threading.Event,
    started: float,
) -> ValidationResult:
    steps: list[str] = []
    name = request.checkpoint
    try:
        child = _Child(request, interpreter, _payload(request))
    except (OSError, ValueError) as exc:
        return _crashed(name, f"could not start {interpreter}: {exc}", steps, [])
    answer: dict[str, Any] | None = None
    garbage: list[str] = []
    try:
        deadline = started + request.timeout_s
        current = f"starting {interpreter}"
        done = False
        while not done or child.proc.poll() is None:
            if cancel.is_set():
                child.kill()
                return _result("cancelled", f"{name}: cancelled while {current}", steps, started)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                child.kill()
                return _timeout(request, current, steps, started)
            if done:
                time.sleep(min(POLL_S, remaining))
                continue
            try:
                line = child.lines.get(timeout=min(POLL_S, remaining))
            except queue.Empty:
                continue
            if line is None:
                done = True
                continue
            message = _parse(line)
            if message is None:
                garbage.append(line.rstrip("\n"))
            elif isinstance(message.get("progress"), str):
                current = message["progress"]
                steps.append(current)
                _notify(on_progress, current)
            elif isinstance(message.get("result"), dict):
                answer = message["result"]
            else:
                garbage.append(line.rstrip("\n"))
    finally:
        child.finish()
    result = _from_child(answer, steps) if answer is not None else None
    if result is None:
        return _crashed(name, _exit_reason(child, request), steps, list(child.stderr), garbage)
    result.details.setdefault("elapsed_s", round(time.monotonic() - started, 3))
    return result


def _parse(line: str) -> dict[str, Any] | None:
    try:
        data = json.loads(line)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _notify(on_progress: Callable[[str], object] | None, step: str) -> None:
    if on_progress is not None:
        with contextlib.suppress(Exception):  # a broken listener must not end the validation
            on_progress(step)


def _from_child(data: dict[str, Any], steps: list[str]) -> ValidationResult | None:
    status, summary, details = data.get("status"), data.get("summary"), data.get("details")
    raw = data.get("diagnostics")
    if status not in STATUSES or not isinstance(summary, str) or not isinstance(raw, list):
        return None
    diagnostics = [
        ValidationDiagnostic(d["severity"], str(d.get("message", "")))
        for d in raw
        if isinstance(d, dict) and d.get("severity") in SEVERITIES
    ]
    return ValidationResult(
        status,
        summary.splitlines()[0] if summary else summary,
        diagnostics,
        list(steps),
        details if isinstance(details, dict) else {},
    )


def _unavailable(
    request: ValidationRequest, interpreter: str, result: ValidationResult
) -> ValidationResult:
    """The child's "transformers/torch not installed", worded for where the request came from."""
    missing = [str(m) for m in result.details.get("missing") or ()] or ["transformers", "torch"]
    needed = [str(m) for m in result.details.get("needed") or ()] or missing
    if request.interpreter:
        which = f"{interpreter} (set by `{request.interpreter_setting}`)"
    elif os.path.abspath(interpreter) == os.path.abspath(sys.executable):
        which = f"hflint's own interpreter ({interpreter})"
    else:
        which = f"the project's interpreter ({interpreter})"
    verb = "is" if len(missing) == 1 else "are"
    summary = (
        f"{request.checkpoint}: cannot validate: {' and '.join(missing)} {verb} not installed "
        f"in {which}; install `{EXTRA}` or point `{request.interpreter_setting}` at an "
        f"environment with {' and '.join(needed)}"
    )
    advice = (
        f"Validation loads the checkpoint with transformers in {interpreter}, which has no "
        f"{' and no '.join(missing)}. Either install `{EXTRA}` there "
        f"(`{interpreter} -m pip install '{EXTRA}'`, or the way you installed hflint), or set "
        f"`{request.interpreter_setting}` to the Python of an environment with "
        f"{' and '.join(needed)} (usually your project's)."
    )
    result.summary = summary
    result.diagnostics = [ValidationDiagnostic("error", advice)]
    return result


def _result(status: Status, summary: str, steps: list[str], started: float) -> ValidationResult:
    details = {"elapsed_s": round(time.monotonic() - started, 3)}
    return ValidationResult(status, summary, [], list(steps), details)


def _timeout(
    request: ValidationRequest, current: str, steps: list[str], started: float
) -> ValidationResult:
    summary = f"{request.checkpoint}: timed out after {request.timeout_s:g} s while {current}"
    result = _result("timeout", summary, steps, started)
    result.diagnostics.append(
        ValidationDiagnostic(
            "information", f"Validation {summary.split(': ', 1)[1]}; raise the time limit."
        )
    )
    return result


def _exit_reason(child: _Child, request: ValidationRequest) -> str:
    code = child.proc.returncode
    if code is not None and code < 0:
        try:
            reason = f"the validation process was killed by {signal.Signals(-code).name}"
        except ValueError:
            reason = f"the validation process was killed by signal {-code}"
    else:
        reason = f"the validation process exited with code {code} without a result"
    if request.memory_mb and (
        code in (-signal.SIGKILL, -signal.SIGSEGV, -signal.SIGABRT) or _oom(child)
    ):
        reason += f" (out of memory? the memory limit is {request.memory_mb} MB)"
    return reason


def _oom(child: _Child) -> bool:
    text = "\n".join(child.stderr).lower()
    return any(m in text for m in ("memory allocation", "out of memory", "cannot allocate"))


def _crashed(
    name: str, reason: str, steps: list[str], stderr: list[str], garbage: list[str] | None = None
) -> ValidationResult:
    tail = [line for line in stderr if line.strip()][-8:]
    message = f"{reason[0].upper()}{reason[1:]}."
    if tail:
        message += "\n" + "\n".join(tail)
    details: dict[str, Any] = {"stderr": tail}
    if garbage:
        details["unparsed_output"] = garbage[-20:]
    return ValidationResult(
        "crashed",
        f"{name}: crashed: {reason}",
        [ValidationDiagnostic("warning", message)],
        list(steps),
        details,
    )
