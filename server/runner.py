"""One `hflint check` run over many files: cache, analysis (in a process pool when it pays), fixes.

Per file: read -> cached result, or analyse -> suppression comments -> per-file-ignores -> fixes.
A file that cannot be read becomes an HF002 finding (Ruff's E902), so it shows in every output
format and in the exit code. An exception while analysing one file becomes an internal error
for that file only; the others are still checked.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import partial
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from hflint.analyzers.files import (
    MAX_BYTES,
    MAX_NOTEBOOK_BYTES,
    ReadError,
    decode_source,
    too_large,
)
from hflint.analyzers.files import read_bytes as read_file_bytes
from hflint.analyzers.findings import Finding, Position, Range, Severity
from hflint.analyzers.notebook import CellMap, Notebook, parse_notebook
from hflint.analyzers.settings import Settings
from hflint.analyzers.suppression import (
    INVALID_SUPPRESSION_CODE,
    filter_suppressed,
    invalid_suppressions,
    skips_file,
)
from hflint.server.cache import (
    CacheEntry,
    LookupTuple,
    ResultCache,
    cache_dir,
    cache_key,
    lookups_still_valid,
    lookups_to_tuples,
)
from hflint.server.config import Config, known_codes
from hflint.server.discovery import SourcePath
from hflint.server.fixes import Document, applicable, fix_document, unified_diff

if TYPE_CHECKING:
    from hflint.analyzers.checkpoints import CheckpointResolver
    from hflint.analyzers.lookups import Lookup

IO_ERROR_CODE = "HF002"
IO_ERROR_NAME = "io-error"
POOL_THRESHOLD = 50  # files to analyse before a process pool pays for its start-up
POOL_WORKERS = 2


@dataclass(frozen=True)
class RunOptions:
    cwd: Path
    fix: bool = False
    unsafe_fixes: bool = False
    diff: bool = False
    use_cache: bool = True


@dataclass
class FileResult:
    path: Path
    findings: list[Finding] = field(default_factory=list)
    cell_map: CellMap | None = None
    fixed: list[Finding] = field(default_factory=list)
    new_content: bytes | None = None  # what --fix writes
    diff: str = ""  # what --diff prints
    errors: list[str] = field(default_factory=list)  # internal errors: exit code 2
    warnings: list[str] = field(default_factory=list)  # skipped files, unreadable files


@dataclass(frozen=True)
class _Job:
    path: Path
    content: bytes
    config: Config
    options: RunOptions
    key: str | None


@dataclass
class _Analysed:
    result: FileResult
    lookups: list[Lookup] = field(default_factory=list)
    cacheable: bool = False


def run(files: Sequence[SourcePath], options: RunOptions) -> list[FileResult]:
    """Results in the order of `files`."""
    results: dict[Path, FileResult] = {}
    jobs: list[_Job] = []
    caches: dict[Path, ResultCache] = {}
    for source in files:
        limit = MAX_NOTEBOOK_BYTES if source.path.suffix == ".ipynb" else MAX_BYTES
        content = read_file_bytes(source.path, limit)
        if isinstance(content, ReadError):
            results[source.path] = unreadable(source.path, content, source.config)
            continue
        key = None
        if options.use_cache:
            key = cache_key(source.path, content, source.config.settings)
            hit = _cache_for(caches, source.config).get(
                key, partial(_still_valid, settings=source.config.settings)
            )
            if hit is not None and not (
                (options.fix or options.diff)
                and any(applicable(f, options.unsafe_fixes) for f in hit.findings)
            ):
                results[source.path] = FileResult(source.path, hit.findings, hit.cell_map)
                continue
        jobs.append(_Job(source.path, content, source.config, options, key))
    for job, analysed in zip(jobs, _analyse_all(jobs), strict=True):
        results[job.path] = analysed.result
        if job.key is not None and analysed.cacheable:
            content = analysed.result.new_content or job.content
            key = cache_key(job.path, content, job.config.settings)
            entry = CacheEntry(
                analysed.result.findings,
                lookups_to_tuples(analysed.lookups),
                analysed.result.cell_map,
            )
            _cache_for(caches, job.config).put(key, entry)
    return [results[source.path] for source in files]


def _still_valid(lookups: list[LookupTuple], settings: Settings) -> bool:
    return lookups_still_valid(lookups, resolver_for(settings))


def _cache_for(caches: dict[Path, ResultCache], config: Config) -> ResultCache:
    folder = cache_dir(config.root)
    if folder not in caches:
        caches[folder] = ResultCache(folder)
    return caches[folder]


def _analyse_all(jobs: list[_Job]) -> Iterable[_Analysed]:
    if len(jobs) <= POOL_THRESHOLD or (os.cpu_count() or 1) < 2:
        return [analyse_job(job) for job in jobs]
    # fork keeps start-up cheap (no re-import) where it is safe; elsewhere the platform default.
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else None)
    try:
        with ProcessPoolExecutor(max_workers=POOL_WORKERS, mp_context=context) as pool:
            return list(pool.map(analyse_job, jobs, chunksize=8))
    except Exception:  # a broken pool (killed worker, no semaphores): do it here instead
        return [analyse_job(job) for job in jobs]


_RESOLVERS: dict[tuple[bool, float], CheckpointResolver] = {}


def resolver_for(settings: Settings) -> CheckpointResolver:
    """One resolver per process and setting, so each checkpoint is looked up once per run."""
    key = (settings.online, settings.hub_timeout)
    if key not in _RESOLVERS:
        from hflint.analyzers.checkpoints import CheckpointResolver

        _RESOLVERS[key] = CheckpointResolver(online=key[0], hub_timeout=key[1])
    return _RESOLVERS[key]


def check_text(
    text: str, path: Path, config: Config, document_key: str | None = None
) -> tuple[list[Finding], list[Lookup]]:
    """What every front-end reports for one module's text: the engine's findings, less the
    ones suppressed by comments or per-file-ignores. The CLI and the language server both call
    this, so they never disagree."""
    from hflint.analyzers.engine import analyze_source

    settings = config.settings
    analysis = analyze_source(
        text,
        path=path,
        settings=settings,
        resolver=resolver_for(settings),
        document_key=document_key,
    )
    kept = filter_suppressed(analysis.findings, text)
    if settings.is_enabled(INVALID_SUPPRESSION_CODE):
        invalid = [  # not filtered: the comment they are about would hide them
            f.with_severity(settings.severity_for(f.code, f.severity))
            for f in invalid_suppressions(text, known_codes())
        ]
        if invalid:
            kept = sorted([*kept, *invalid], key=lambda f: (f.range.start, f.code))
    ignored = per_file_ignores(path, config)
    return [f for f in kept if not ignored or not _starts(f.code, ignored)], analysis.lookups


def run_stdin(source: SourcePath, content: bytes, options: RunOptions) -> FileResult:
    """`hflint check -`: the buffer read from standard input, checked as the file `source.path`
    would be (its suffix tells a notebook; its folder, the configuration). Never cached."""
    limit = MAX_NOTEBOOK_BYTES if source.path.suffix == ".ipynb" else MAX_BYTES
    if len(content) > limit:
        return unreadable(source.path, too_large(len(content), limit), source.config)
    return analyse_job(_Job(source.path, content, source.config, options, None)).result


def analyse_job(job: _Job) -> _Analysed:
    path, options = job.path, job.options
    document: Document
    cell_map = None
    if path.suffix == ".ipynb":
        try:
            text = job.content.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            bad = ReadError(f"notebook is not valid UTF-8 (byte offset {error.start})")
            return _Analysed(unreadable(path, bad, job.config))
        notebook = parse_notebook(text)
        if isinstance(notebook, ReadError):
            return _Analysed(unreadable(path, notebook, job.config))
        document, cell_map = notebook, notebook.cell_map
    else:
        source = decode_source(job.content)
        if isinstance(source, ReadError):
            return _Analysed(unreadable(path, source, job.config))
        document = source
    result = FileResult(path, cell_map=cell_map)
    if skips_file(document.text):
        return _Analysed(result, cacheable=True)
    lookups: list[Lookup] = []

    def analyse(text: str) -> list[Finding]:
        findings, made = check_text(text, path, job.config)
        lookups[:] = made
        return findings

    try:
        if options.fix or options.diff:
            outcome = fix_document(document, analyse, options.unsafe_fixes)
            if outcome.error is not None:
                result.errors.append(outcome.error)
            result.findings, result.fixed = outcome.findings, outcome.fixed
            if outcome.fixed:
                if options.diff:
                    name = display(path, options.cwd)
                    result.diff = unified_diff(name, document, outcome.document)
                else:
                    result.new_content = outcome.document.render()
                if isinstance(outcome.document, Notebook):
                    result.cell_map = outcome.document.cell_map
            cacheable = outcome.error is None and not (options.diff and outcome.fixed)
            return _Analysed(result, list(lookups), cacheable)
        result.findings = analyse(document.text)
    except Exception as error:  # one file's failure must not end the run
        result.errors.append(f"internal error while checking: {type(error).__name__}: {error}")
        result.findings = []
        return _Analysed(result)
    return _Analysed(result, list(lookups), cacheable=True)


def display(path: Path, cwd: Path) -> str:
    """`path` as shown to the user: relative to the working directory when below it."""
    try:
        return path.relative_to(cwd).as_posix()
    except ValueError:
        return str(path)


def per_file_ignores(path: Path, config: Config) -> list[str]:
    """Codes `per-file-ignores` drops for `path` (globs match the relative path or the name)."""
    table = config.settings.per_file_ignores
    if not table:
        return []
    try:
        relative = PurePosixPath(path.relative_to(config.root)).as_posix()
    except ValueError:
        relative = path.as_posix()
    codes: list[str] = []
    for glob, ignored in table.items():
        pattern = glob[2:] if glob.startswith("./") else glob
        if fnmatchcase(relative, pattern) or fnmatchcase(path.name, pattern):
            codes.extend(ignored)
    return codes


def _starts(code: str, prefixes: list[str]) -> bool:
    return any(p.upper() == "ALL" or code.startswith(p.upper()) for p in prefixes)


def unreadable(path: Path, error: ReadError, config: Config) -> FileResult:
    result = FileResult(path, warnings=[error.message])
    ignored = per_file_ignores(path, config)
    if (
        not error.skipped
        and config.settings.is_enabled(IO_ERROR_CODE)
        and not _starts(IO_ERROR_CODE, ignored)
    ):
        start = Position(1, 0)
        result.findings.append(
            Finding(
                code=IO_ERROR_CODE,
                name=IO_ERROR_NAME,
                severity=Severity.ERROR,
                message=f"Cannot check this file: {error.message}",
                range=Range(start, start),
            )
        )
    return result
