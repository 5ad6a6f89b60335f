"""Answering `initialize` before pygls is imported.

Importing pygls and lsprotocol takes about half a second, and an editor waits for the
`initialize` answer before it sends anything else. The answer (the server's capabilities)
depends only on the client's capabilities, the initialization options and the server's own
code, so the answer pygls computed for the same inputs is kept on disk. At start the first
message is read raw; when an answer for it is on disk it is sent at once, and pygls still
handles the message (so its state is what it would have been) with its own reply withheld.
Anything unexpected (another first message, no stored answer, a broken header) just hands
the bytes read to pygls, which then answers as always and stores the answer for next time.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

FORMAT = 1


@dataclass
class EarlyInitialize:
    msg_id: int | str
    key: str
    answered: bool  # the stored answer was sent: pygls's own reply must be withheld


class PrefixedReader:
    """`stream`, with bytes already read from it put back in front (for pygls's reader)."""

    def __init__(self, prefix: bytes, stream: IO[bytes]) -> None:
        self._prefix = prefix
        self._stream = stream

    def readline(self) -> bytes:
        if self._prefix:
            end = self._prefix.find(b"\n")
            if end >= 0:
                line, self._prefix = self._prefix[: end + 1], self._prefix[end + 1 :]
                return line
            line, self._prefix = self._prefix, b""
            return line + self._stream.readline()
        return self._stream.readline()

    def read(self, size: int = -1) -> bytes:
        if self._prefix:
            if size < 0:
                data, self._prefix = self._prefix, b""
                return data + self._stream.read()
            data, self._prefix = self._prefix[:size], self._prefix[size:]
            if len(data) < size:
                data += self._stream.read(size - len(data))
            return data
        return self._stream.read(size)


def read_message(stream: IO[bytes]) -> tuple[bytes, dict[str, Any] | None]:
    """One framed JSON-RPC message: the raw bytes read, and the message (None if not one)."""
    raw = b""
    length = None
    while True:
        line = stream.readline()
        raw += line
        if not line:
            return raw, None
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.decode("ascii", "replace").partition(":")
        if name.strip().lower() == "content-length":
            with contextlib.suppress(ValueError):
                length = int(value.strip())
        if len(raw) > 8192:  # not a header this server understands
            return raw, None
    if length is None or not 0 <= length <= 64 * 1024 * 1024:
        return raw, None
    body = stream.read(length)
    raw += body
    try:
        message = json.loads(body)
    except ValueError:
        return raw, None
    return raw, message if isinstance(message, dict) else None


def _code_stamp() -> list[object]:
    """What the answer is computed from besides the client: hflint's and pygls's code."""
    import importlib.util

    stamp: list[object] = [FORMAT]
    files = []
    for package in ("pygls", "lsprotocol"):  # found, not imported: importing is what we avoid
        spec = importlib.util.find_spec(package)
        if spec is not None and spec.origin:
            files += [Path(spec.origin), Path(spec.origin).parent / "types.py"]
    files += sorted(Path(__file__).resolve().parent.glob("lsp*.py"))
    for path in files:
        with contextlib.suppress(OSError):
            st = path.stat()
            stamp += [str(path), st.st_mtime_ns, st.st_size]
    return stamp


def answer_key(params: object) -> str | None:
    if not isinstance(params, dict):
        return None
    inputs = [
        params.get("capabilities"),
        params.get("initializationOptions"),
        _code_stamp(),
    ]
    text = json.dumps(inputs, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _answer_path(key: str) -> Path:
    from hflint.analyzers.cache_home import cache_dir

    return cache_dir() / "lsp-initialize" / f"{key}.json"


def stored_answer(key: str) -> Any:
    with contextlib.suppress(OSError, ValueError):
        data = json.loads(_answer_path(key).read_text(encoding="utf-8"))
        if isinstance(data, dict) and "capabilities" in data:
            return data
    return None


def store_answer(key: str, result: object) -> None:
    """Atomically; a read-only cache just means no early answer next time."""
    path = _answer_path(key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(result, handle)
        os.replace(tmp, path)
    except OSError:
        return


def _write_response(out: IO[bytes], msg_id: int | str, result: object) -> None:
    body = json.dumps({"jsonrpc": "2.0", "id": msg_id, "result": result}).encode("utf-8")
    out.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    out.flush()


def start(
    stdin: IO[bytes], stdout: IO[bytes]
) -> tuple[PrefixedReader, EarlyInitialize | None, dict[str, Any] | None]:
    """Read the first message; answer it now if it is an `initialize` seen before. Also
    returns that message, when it is an `initialize`."""
    raw, message = read_message(stdin)
    reader = PrefixedReader(raw, stdin)
    if message is None or message.get("method") != "initialize" or "id" not in message:
        return reader, None, None
    msg_id = message["id"]
    key = answer_key(message.get("params"))
    if key is None or not isinstance(msg_id, (int, str)):
        return reader, None, message
    answer = stored_answer(key)
    if answer is not None:
        _write_response(stdout, msg_id, answer)
    return reader, EarlyInitialize(msg_id, key, answered=answer is not None), message
