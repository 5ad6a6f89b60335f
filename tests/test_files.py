"""Reading files for checking: encodings, BOMs, binary and huge files, unreadable paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from hflint.analyzers.files import ReadError, SourceFile, decode_source, read_source
from hflint.analyzers.findings import Edit, Range


def test_plain_utf8() -> None:
    result = decode_source("x = 'é'\n".encode())
    assert result == SourceFile("x = 'é'\n", "utf-8")


def test_bom_is_stripped_and_written_back() -> None:
    data = b"\xef\xbb\xbfimport transformers\n"
    result = decode_source(data)
    assert isinstance(result, SourceFile)
    assert result.text == "import transformers\n"
    assert result.encoding == "utf-8-sig"
    assert result.render() == data


def test_coding_cookie_is_honoured_and_round_trips() -> None:
    data = b"# -*- coding: latin-1 -*-\nname = '\xe9t\xe9'\n"
    result = decode_source(data)
    assert isinstance(result, SourceFile)
    assert "name = 'été'" in result.text
    assert result.render() == data


def test_cookie_on_second_line_after_shebang() -> None:
    data = b"#!/usr/bin/env python\n# coding: cp1252\nx = '\x80'\n"
    result = decode_source(data)
    assert isinstance(result, SourceFile)
    assert "x = '€'" in result.text


def test_invalid_utf8_names_the_byte_offset() -> None:
    result = decode_source(b"import transformers\nx = '\xff'\n")
    assert isinstance(result, ReadError)
    assert "invalid UTF-8 at byte offset 25" in result.message
    assert "0xff" in result.message
    assert not result.skipped


def test_invalid_utf8_on_the_first_line() -> None:
    result = decode_source(b"\xfe\xff oops\n")
    assert isinstance(result, ReadError)
    assert "invalid UTF-8 at byte offset 0" in result.message


def test_wrong_declared_encoding() -> None:
    result = decode_source(b"# coding: ascii\nx = '\xc3\xa9'\n")
    assert isinstance(result, ReadError)
    assert "ascii" in result.message and "byte offset 21" in result.message


def test_unknown_encoding_declaration() -> None:
    result = decode_source(b"# -*- coding: klingon -*-\nx = 1\n")
    assert isinstance(result, ReadError)
    assert "klingon" in result.message


def test_binary_file_is_reported() -> None:
    result = decode_source(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert isinstance(result, ReadError)
    assert result.message.startswith("binary file")
    assert "skipped" in result.message


def test_nul_after_the_sniffed_prefix_is_a_decode_matter() -> None:
    result = decode_source(b"x = 1\n" * 2000 + b"\x00")
    assert isinstance(result, SourceFile)


def test_huge_file_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "big.py"
    path.write_bytes(b"x = 1\n" * 1000)
    result = read_source(path, max_bytes=1024)
    assert isinstance(result, ReadError)
    assert result.skipped
    assert "limit" in result.message and "skipped" in result.message


def test_missing_file_and_directory(tmp_path: Path) -> None:
    missing = read_source(tmp_path / "nope.py")
    assert isinstance(missing, ReadError)
    assert "No such file" in missing.message
    folder = read_source(tmp_path)
    assert isinstance(folder, ReadError)
    assert folder.message == "is a directory"


def test_crlf_files_keep_their_line_breaks_when_edited() -> None:
    source = decode_source(b"import transformers\r\nx = 1\r\n")
    assert isinstance(source, SourceFile)
    assert source.newline == "\r\n"
    edit = Edit(Range.of(2, 0, 2, 0), "from transformers import AutoModel\n")
    fixed = source.apply([edit])
    assert (
        fixed.render() == b"import transformers\r\nfrom transformers import AutoModel\r\nx = 1\r\n"
    )


@pytest.mark.parametrize("text", ["", "x = 1", "x = 1\n"])
def test_newline_defaults_to_lf(text: str) -> None:
    assert SourceFile(text).newline == "\n"
