"""Reading the client's messages for pygls: one thread hands over whole messages.

pygls's own stdio reader asks a thread pool for every header line and every body: three round
trips through the pool per message, each waiting its turn for the event loop. Here a thread of
its own reads each message whole (headers and body) and hands it to the loop in one piece;
pygls reads the headers and body from that buffer without leaving the loop. The bytes pygls
sees are the same.

The thread can start before pygls is even imported: messages that arrive meanwhile wait in a
list, and a hook sees each of them (lsp_precheck.py checks the first document opened early).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
from collections.abc import Callable
from typing import IO

_LENGTH = re.compile(rb"^Content-Length: (\d+)\r\n$")  # what pygls reads the length from


class MessageReader:
    """pygls's async reader interface (readline, readexactly) over a blocking stream."""

    def __init__(self, stream: IO[bytes], early: Callable[[bytes], None] | None = None) -> None:
        self._stream = stream
        self._early_hook = early
        self._lock = threading.Lock()
        self._waiting: list[bytes] | None = []  # read before the event loop asked for any
        self._ended = False
        self._buffer: asyncio.StreamReader | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start reading now (the event loop may not run yet)."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._pump, name="hflint-stdin", daemon=True)
                self._thread.start()

    async def readline(self) -> bytes:
        return await self._attached().readline()

    async def readexactly(self, n: int) -> bytes:
        try:
            return await self._attached().readexactly(n)
        except asyncio.IncompleteReadError as error:  # the client left mid-message
            return error.partial

    def _attached(self) -> asyncio.StreamReader:
        if self._buffer is None:
            buffer = asyncio.StreamReader(limit=1 << 30)
            with self._lock:
                for message in self._waiting or ():
                    buffer.feed_data(message)
                self._waiting = None
                if self._ended:
                    buffer.feed_eof()
                self._loop = asyncio.get_running_loop()
                self._buffer = buffer
            self.start()
        return self._buffer

    def _pump(self) -> None:
        try:
            ended = False
            while not ended:
                message, ended = read_framed(self._stream)
                if message:
                    self._hand_over(message)
        except (OSError, ValueError):
            pass  # the stream was closed under the thread: as at its end
        finally:
            with self._lock:
                self._ended = True
                if self._loop is not None and self._buffer is not None:
                    self._loop.call_soon_threadsafe(self._buffer.feed_eof)

    def _hand_over(self, message: bytes) -> None:
        with self._lock:
            early = self._waiting is not None
            if early:
                self._waiting.append(message)  # type: ignore[union-attr]
            elif self._loop is not None and self._buffer is not None:
                self._loop.call_soon_threadsafe(self._buffer.feed_data, message)
        if early and self._early_hook is not None:
            with contextlib.suppress(Exception):  # a hook only ever speeds things up
                self._early_hook(message)


def read_framed(stream: IO[bytes]) -> tuple[bytes, bool]:
    """The bytes of one message (its header lines through the blank line, then its body), and
    whether the stream ended."""
    raw = bytearray()
    length = 0
    while True:
        line = stream.readline()
        if not line:
            return bytes(raw), True
        raw += line
        match = _LENGTH.fullmatch(line)
        if match:
            length = int(match.group(1))
        if not line.strip():
            break
    if length:
        body = stream.read(length)
        raw += body
        if len(body) < length:
            return bytes(raw), True
    return bytes(raw), False


def body_of(message: bytes) -> bytes:
    """A framed message's body."""
    head, _, body = message.partition(b"\r\n\r\n")
    return body if head else message
