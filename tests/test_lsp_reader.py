"""The server's stdin reader hands pygls the bytes the client sent, message by message."""

from __future__ import annotations

import asyncio
import io
import json
import os
import threading
import time

from hflint.server.lsp_reader import MessageReader, read_framed


def frame(payload: dict[str, object]) -> bytes:
    body = json.dumps(payload).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def test_messages_are_read_whole_one_at_a_time() -> None:
    first, second = frame({"id": 1, "method": "a"}), frame({"id": 2, "method": "b" * 5000})
    stream = io.BytesIO(first + second)
    assert read_framed(stream) == (first, False)
    assert read_framed(stream) == (second, False)
    assert read_framed(stream) == (b"", True)


def test_extra_headers_pass_through_and_a_short_body_ends_the_stream() -> None:
    body = b'{"id": 1}'
    with_type = b"Content-Length: 9\r\nContent-Type: application/json\r\n\r\n" + body
    assert read_framed(io.BytesIO(with_type)) == (with_type, False)
    cut = b"Content-Length: 50\r\n\r\n" + body
    assert read_framed(io.BytesIO(cut)) == (cut, True)


def test_pygls_reads_the_same_bytes_through_the_async_interface() -> None:
    """A pipe written in pieces, with pauses: pygls's readline/readexactly see each message."""
    messages = [frame({"id": i, "params": "x" * (i * 997)}) for i in range(1, 6)]
    read_end, write_end = os.pipe()

    def write() -> None:
        with os.fdopen(write_end, "wb", buffering=0) as out:
            for message in messages:
                out.write(message[:7])  # a header cut in two
                out.write(message[7:])

    async def read_all() -> list[bytes]:
        reader = MessageReader(os.fdopen(read_end, "rb"))
        got = []
        while True:
            header = await reader.readline()
            if not header:
                return got
            length = int(header.split(b":")[1])
            assert await reader.readline() == b"\r\n"
            got.append(header + b"\r\n" + await reader.readexactly(length))

    writer = threading.Thread(target=write)
    writer.start()
    received = asyncio.run(read_all())
    writer.join()
    assert received == messages


def test_messages_read_before_the_loop_runs_wait_and_the_hook_sees_them() -> None:
    messages = [frame({"id": i, "method": "textDocument/didOpen"}) for i in range(3)]
    seen: list[bytes] = []
    read_end, write_end = os.pipe()
    with os.fdopen(write_end, "wb") as out:
        out.write(b"".join(messages))
    reader = MessageReader(os.fdopen(read_end, "rb"), early=seen.append)
    reader.start()  # reads all three, and the end of the stream, before any loop exists
    deadline = time.monotonic() + 10
    while len(seen) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert seen == messages

    async def read_all() -> bytes:
        got = b""
        while line := await reader.readline():
            got += line
            if line == b"\r\n":
                length = int(got.rsplit(b"Content-Length: ", 1)[1].split(b"\r\n")[0])
                got += await reader.readexactly(length)
        return got

    assert asyncio.run(read_all()) == b"".join(messages)
