"""Reading the client's messages for pygls: one thread hands over whole messages.

pygls's own stdio reader asks a thread pool for every header line and every body, three round
trips through the pool per message, each one waiting its turn for the event loop. Here a
thread of its own reads each message whole (headers and body) and hands it to the loop in one
piece; pygls reads the headers and body from that buffer without leaving the loop. The bytes
pygls sees are the same.
"""

from __future__ import annotations

import asyncio
import re
import threading
from typing import IO

_LENGTH = re.compile(rb"^Content-Length: (\d+)\r\n$")  # what pygls reads the length from


class MessageReader:
    """pygls's async reader interface (readline, readexactly) over a blocking stream."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._buffer: asyncio.StreamReader | None = None

    def _started(self) -> asyncio.StreamReader:
        if self._buffer is None:
            loop = asyncio.get_running_loop()
            self._buffer = asyncio.StreamReader(limit=1 << 30)
            threading.Thread(
                target=self._pump, args=(loop, self._buffer), name="hflint-stdin", daemon=True
            ).start()
        return self._buffer

    async def readline(self) -> bytes:
        return await self._started().readline()

    async def readexactly(self, n: int) -> bytes:
        try:
            return await self._started().readexactly(n)
        except asyncio.IncompleteReadError as error:  # the client left mid-message
            return error.partial

    def _pump(self, loop: asyncio.AbstractEventLoop, buffer: asyncio.StreamReader) -> None:
        try:
            ended = False
            while not ended:
                message, ended = read_framed(self._stream)
                if message:
                    loop.call_soon_threadsafe(buffer.feed_data, message)
        except (OSError, ValueError):
            pass  # the stream was closed under the thread: as at its end
        finally:
            loop.call_soon_threadsafe(buffer.feed_eof)


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
