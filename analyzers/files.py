"""Reading a file for checking: bytes -> text, or a clear reason why not.

A linter meets binary files, legacy encodings and generated giants in any real tree; each must
become one readable message, never a traceback. Encodings follow Python's own rules (PEP 263:
a BOM or a coding cookie in the first two lines, else UTF-8), so hflint reads a file exactly as
the interpreter would, and writes it back in the same encoding and with the same BOM.
"""

from __future__ import annotations

import codecs
import io
import tokenize
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hflint.analyzers.findings import Edit
from hflint.analyzers.source import apply_edits

MAX_BYTES = 5 * 1024 * 1024
# Notebooks carry outputs (images, tables) next to the code: allow more bytes on disk.
MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024
BINARY_SNIFF = 8192


@dataclass(frozen=True)
class ReadError:
    """Why a file was not checked. `skipped`: a deliberate skip (too large), not a failure."""

    message: str
    skipped: bool = False


@dataclass(frozen=True)
class SourceFile:
    """Decoded text plus what is needed to write it back byte-compatible."""

    text: str
    encoding: str = "utf-8"  # codec name; "utf-8-sig" when the file starts with a BOM

    @property
    def newline(self) -> str:
        """The file's line break, taken from its first line ("\\n" when it has none)."""
        first = self.text.find("\n")
        return "\r\n" if first > 0 and self.text[first - 1] == "\r" else "\n"

    def encode(self, text: str) -> bytes:
        return text.encode(self.encoding)

    # ---- as a document that fixes edit (see server/fixes.py) ----------------------------
    def accepts(self, edits: Sequence[Edit]) -> bool:
        return True

    def apply(self, edits: Sequence[Edit]) -> SourceFile:
        """The text with `edits` applied; inserted line breaks follow the file's own."""
        newline = self.newline
        if newline != "\n":
            edits = [
                Edit(e.range, e.content.replace("\r\n", "\n").replace("\n", newline)) for e in edits
            ]
        return SourceFile(apply_edits(self.text, list(edits)), self.encoding)

    def render(self) -> bytes:
        return self.encode(self.text)


def too_large(size: int, limit: int) -> ReadError:
    return ReadError(
        f"file is {size / 1048576:.1f} MB, larger than the {limit // 1048576} MB limit, skipped",
        skipped=True,
    )


def decode_source(data: bytes) -> SourceFile | ReadError:
    """Decode Python source bytes the way the interpreter does (BOM, PEP 263 cookie, UTF-8)."""
    nul = data.find(b"\0", 0, BINARY_SNIFF)
    if nul != -1:
        return ReadError(f"binary file (NUL byte at offset {nul}), skipped")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        # detect_encoding also fails on a first line that is not UTF-8: name the byte instead.
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as bad:
            return ReadError(_decode_message("utf-8", bad))
        return ReadError(f"invalid encoding declaration: {error}")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        return ReadError(_decode_message(encoding, error))
    except LookupError:
        return ReadError(f"unknown encoding `{encoding}` in the coding declaration")
    return SourceFile(text, _canonical(encoding))


def read_source(path: Path, max_bytes: int = MAX_BYTES) -> SourceFile | ReadError:
    data = read_bytes(path, max_bytes)
    return data if isinstance(data, ReadError) else decode_source(data)


def read_bytes(path: Path, max_bytes: int) -> bytes | ReadError:
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except IsADirectoryError:
        return ReadError("is a directory")
    except OSError as error:
        return ReadError(error.strerror or str(error))
    if len(data) > max_bytes:
        try:
            size = path.stat().st_size
        except OSError:
            size = len(data)
        return too_large(size, max_bytes)
    return data


def _decode_message(encoding: str, error: UnicodeDecodeError) -> str:
    byte = error.object[error.start : error.start + 1].hex()
    if _canonical(encoding) in ("utf-8", "utf-8-sig"):
        return (
            f"invalid UTF-8 at byte offset {error.start} (byte 0x{byte}); "
            "declare the file's encoding with a `# -*- coding: ... -*-` line or save it as UTF-8"
        )
    return f"cannot decode as {encoding} (its declared encoding) at byte offset {error.start}"


def _canonical(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return encoding
