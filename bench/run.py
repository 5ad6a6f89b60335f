"""hflint's speed, measured: prints numbers, asserts nothing. Run with `make bench`.

Measures the knowledge load (cold and cached), a bare libcst parse of a generated corpus, the
engine over it (files/s), `hflint check` on it cold and with a warm result cache, one
2,000-line file, and the CLI's import time (with torch absent from sys.modules).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import libcst as cst

sys.path.insert(0, str(Path(__file__).parent))
import contextlib

from corpus import generate, long_file

HERE = Path(__file__).parent


def timed(label: str, fn, *args):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn(*args)
    elapsed = time.perf_counter() - start
    print(f"{label:<58} {elapsed * 1000:10.1f} ms")
    return result, elapsed


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="hflint-bench-"))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HFLINT_CACHE_DIR": str(work / "cache")}
    os.environ.update({"HF_HUB_OFFLINE": "1", "HFLINT_CACHE_DIR": str(work / "cache")})
    corpus = work / "corpus"
    files = generate(corpus, 1000)
    size = sum(p.stat().st_size for p in files)
    print(f"corpus: {len(files)} files, {size / 1e6:.1f} MB in {corpus}")

    from hflint.analyzers import knowledge

    _, _cold = timed(
        "knowledge: extract from transformers sources (cold)", _knowledge_cold, knowledge
    )
    _, _warm = timed("knowledge: load from the per-version cache", _knowledge_cached, knowledge)

    py_texts = [p.read_text() for p in files if p.suffix == ".py"]
    _, parse = timed(f"bare libcst.parse_module of {len(py_texts)} .py files", _parse_all, py_texts)

    from hflint.analyzers.engine import check_source

    _, engine = timed(
        f"engine (in-process, one core) over the same {len(py_texts)} files",
        _check_all,
        check_source,
        py_texts,
    )
    print(f"{'  engine / bare parse':<58} {engine / parse:10.2f} x")

    cmd = [
        sys.executable,
        "-m",
        "hflint",
        "check",
        str(corpus),
        "--exit-zero",
        "--output-format",
        "json",
    ]
    _, cli_cold = timed("hflint check corpus/ (cold result cache)", _run, cmd, env)
    print(f"{'  files/s':<58} {len(files) / cli_cold:10.1f}")
    _, _cli_warm = timed("hflint check corpus/ (warm result cache, unchanged tree)", _run, cmd, env)

    big = long_file(work / "long.py", 2000)
    text = big.read_text()
    timed(f"engine on one {text.count(chr(10))}-line file", check_source, text)

    probe = (
        "import sys, time; t = time.perf_counter(); import hflint.server.cli; "
        "print(f'{(time.perf_counter() - t) * 1000:.1f}', 'torch' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env
    ).stdout.split()
    print(f"{'import hflint.server.cli (ms), torch imported?':<58} {out[0]:>10} {out[1]}")
    shutil.rmtree(work, ignore_errors=True)


def _knowledge_cold(knowledge):  # type: ignore[no-untyped-def]
    """Extract from the transformers sources: no cache file, no in-process memo."""
    shutil.rmtree(Path(os.environ["HFLINT_CACHE_DIR"]), ignore_errors=True)
    knowledge.load_knowledge.cache_clear()
    return knowledge.load_knowledge()


def _knowledge_cached(knowledge):  # type: ignore[no-untyped-def]
    """Read the per-version cache file written by the cold load (in-process memo cleared)."""
    knowledge.load_knowledge.cache_clear()
    return knowledge.load_knowledge()


def _parse_all(texts: list[str]) -> None:
    for text in texts:
        with contextlib.suppress(cst.ParserSyntaxError):
            cst.parse_module(text)


def _check_all(check_source, texts: list[str]) -> None:  # type: ignore[no-untyped-def]
    for text in texts:
        check_source(text)


def _run(cmd: list[str], env: dict[str, str]) -> None:
    subprocess.run(cmd, env=env, check=False, stdout=subprocess.DEVNULL)


if __name__ == "__main__":
    main()
