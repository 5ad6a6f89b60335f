"""The `hflint` command: `check` files, explain a `rule`, or start the language `server`.

Exit codes, as Ruff's: 0 no findings remain, 1 findings remain, 2 a usage error, a bad
configuration (an unknown key, or a rule code no rule has), a path that does not exist, or an
internal error (one file's failure still lets the other files be checked and reported). A path
that does not exist, like a bad configuration, is reported before anything is checked, and
nothing goes to stdout. A file that cannot be read (binary, not decodable, a broken notebook) is
reported as Ruff reports E902: a finding, HF002, in the chosen output format (so exit code 1),
plus a warning on stderr. Too-large files are skipped with a warning.

`hflint check -` (or `--stdin-filename PATH`) checks the buffer read from stdin, as the file
PATH would be checked (configuration, per-file-ignores, a notebook by its suffix, the name in
the output); with `--fix`, stdout gets the fixed source and the findings go to stderr, as in Ruff.

Only argparse is imported up front: `hflint --version` and the cached path of `hflint check`
must start fast, and nothing here may import torch or transformers.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from hflint.server.validate_cli import add_validate_parser, run_validate

if TYPE_CHECKING:
    from hflint.server.config import ConfigFinder
    from hflint.server.discovery import SourcePath
    from hflint.server.runner import FileResult, RunOptions

FORMATS = ("text", "json", "sarif", "github")
FORMAT_ENV = "HFLINT_OUTPUT_FORMAT"

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    from hflint import __version__

    parser = argparse.ArgumentParser(
        prog="hflint",
        description="A linter for code that uses Hugging Face transformers.",
    )
    parser.add_argument("--version", action="version", version=f"hflint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser("check", help="check files and folders (default: .)")
    check.add_argument(
        "paths", nargs="*", metavar="PATH", help="files or folders to check; `-` reads stdin"
    )
    check.add_argument(
        "--output-format",
        choices=FORMATS,
        default=None,
        help=f"text (default), json, sarif or github; also ${FORMAT_ENV}",
    )
    check.add_argument("--select", help="comma-separated codes or prefixes to enable (HF1,HF204)")
    check.add_argument("--extend-select", help="codes or prefixes to enable on top of `select`")
    check.add_argument("--ignore", help="comma-separated codes or prefixes to disable")
    check.add_argument("--fix", action="store_true", help="apply safe fixes")
    check.add_argument(
        "--unsafe-fixes", action="store_true", help="also apply (or show) unsafe fixes"
    )
    check.add_argument(
        "--diff", action="store_true", help="print the fixes as a diff and write nothing"
    )
    check.add_argument(
        "--online", action="store_true", help="let checkpoint lookups read config.json from the Hub"
    )
    check.add_argument(
        "--exit-zero", action="store_true", help="exit with 0 even when findings remain"
    )
    check.add_argument(
        "--target-version",
        metavar="VERSION",
        help="the transformers version removal rules speak for (default: the project's pin, "
        "else the installed one)",
    )
    check.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
    check.add_argument("--config", metavar="PATH", help="use this pyproject.toml only")
    check.add_argument(
        "--force-exclude",
        action="store_true",
        help="apply exclusions even to files named on the command line",
    )
    check.add_argument(
        "--respect-gitignore",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="skip files that .gitignore / .ignore files ignore (default: the "
        "respect-gitignore setting, true); --no-respect-gitignore checks them",
    )
    add_python_argument(check)
    check.add_argument("-q", "--quiet", action="store_true", help="print findings only")
    check.add_argument("--statistics", action="store_true", help="count findings per rule")
    check.add_argument("--show-fixes", action="store_true", help="list what --fix fixed")
    check.add_argument(
        "--stdin-filename",
        metavar="PATH",
        help="check stdin as this file (configuration, per-file-ignores, notebook, output name)",
    )

    rule = commands.add_parser("rule", help="explain a rule, or list them all")
    rule.add_argument("code", nargs="?", help="a rule code, e.g. HF101")
    rule.add_argument("--all", action="store_true", help="list every rule")
    rule.add_argument("--output-format", choices=("text", "json"), default="text")

    add_validate_parser(commands)

    from hflint.server.lsp import add_server_arguments  # argparse only: pygls loads on start

    serve = commands.add_parser("server", help="start the language server (LSP)")
    add_server_arguments(serve)
    add_python_argument(serve)
    return parser


def add_python_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--python",
        metavar="PATH",
        help="the project's interpreter (or its environment's folder): the rules speak for its "
        "transformers, read from its files without running it (default: hflint's own, the "
        "activated environment, a .venv in the folder, python3 on PATH)",
    )


def _use_python(args: argparse.Namespace) -> bool:
    """Records `--python` for this process and the ones it starts; False if it does not exist."""
    from hflint.analyzers import environment

    python = getattr(args, "python", None)
    if python is None:
        return True
    if not os.path.exists(os.path.expanduser(python)):
        _error(f"--python {python}: no such interpreter or environment folder")
        return False
    environment.set_interpreter(os.path.abspath(os.path.expanduser(python)))
    return True


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not _use_python(args):
        return EXIT_ERROR
    try:
        if args.command == "check":
            return check(args)
        if args.command == "rule":
            return rule(args, parser)
        if args.command == "validate":
            return run_validate(args)
    except BrokenPipeError:
        # `hflint check | head`: the reader left; say nothing more, and no traceback at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FINDINGS
    if args.command == "server":
        return server(args)
    parser.print_help(sys.stderr)
    return EXIT_ERROR


def _error(message: str) -> None:
    print(f"hflint: error: {message}", file=sys.stderr)


def check(args: argparse.Namespace) -> int:
    from hflint.server.config import (
        ConfigError,
        ConfigFinder,
        Overrides,
        parse_selectors,
        parse_target_version,
    )
    from hflint.server.discovery import discover
    from hflint.server.runner import RunOptions, run

    stdin = _reads_stdin(args)
    if stdin is None:
        return EXIT_ERROR
    output_format = args.output_format or os.environ.get(FORMAT_ENV, "").lower() or "text"
    if output_format not in FORMATS:
        _error(f"${FORMAT_ENV}={output_format!r} is not one of {', '.join(FORMATS)}")
        return EXIT_ERROR
    cwd = Path.cwd()
    try:
        overrides = Overrides(
            select=parse_selectors(args.select, "--select") if args.select else None,
            extend_select=parse_selectors(args.extend_select or "", "--extend-select"),
            ignore=parse_selectors(args.ignore or "", "--ignore"),
            online=args.online,
            target_version=(
                parse_target_version(args.target_version, "--target-version")
                if args.target_version
                else None
            ),
        )
        finder = ConfigFinder(cwd, overrides, Path(args.config) if args.config else None)
        docs_url = finder.for_directory(cwd).docs_url  # rule links: one page for the whole run
        if stdin:
            source = _stdin_source(args.stdin_filename, finder, cwd)
        else:
            found = discover(
                args.paths or ["."], finder, cwd, args.force_exclude, args.respect_gitignore
            )
    except ConfigError as error:
        _error(str(error))
        return EXIT_ERROR
    if not stdin and found.missing:  # as a bad configuration: before anything is checked
        for missing in found.missing:
            _error(f"Failed to lint {missing}: No such file or directory")
        return EXIT_ERROR
    options = RunOptions(
        cwd=cwd,
        fix=args.fix and not args.diff,
        unsafe_fixes=args.unsafe_fixes,
        diff=args.diff,
        use_cache=not args.no_cache,
    )
    out: TextIO = sys.stdout
    if stdin:
        content = sys.stdin.buffer.read()
        results = _check_stdin(source, content, options, args.force_exclude)
        if args.fix and not args.diff:  # the fixed source is the output; the findings go aside
            sys.stdout.buffer.write(results[0].new_content or content)
            sys.stdout.flush()
            out = sys.stderr
    else:
        results = run(found.files, options)
    failed = _report_problems(results, cwd, args.quiet)
    if args.diff:
        return _print_diff(results, failed)
    if args.fix and not stdin:
        failed = _write_fixes(results, cwd) or failed
    _print_findings(results, output_format, args, cwd, out, docs_url)
    if failed:
        return EXIT_ERROR
    remaining = any(r.findings for r in results)
    return EXIT_FINDINGS if remaining and not args.exit_zero else EXIT_CLEAN


def _reads_stdin(args: argparse.Namespace) -> bool | None:
    """Whether to check stdin (Ruff's rule: `-` alone, or any `--stdin-filename`); None when
    `-` comes with other paths (an error, said here)."""
    if args.stdin_filename is not None:
        for path in args.paths:
            if path != "-":
                print(f"hflint: warning: ignoring {path} in favour of stdin", file=sys.stderr)
        return True
    if "-" in args.paths and len(args.paths) > 1:
        _error("`-` (stdin) cannot be combined with other paths")
        return None
    return bool(args.paths == ["-"])


def _stdin_source(name: str | None, finder: ConfigFinder, cwd: Path) -> SourcePath:
    """The file stdin stands for: `--stdin-filename` (which need not exist), else `-` here."""
    from hflint.server.discovery import SourcePath

    path = Path(name) if name else Path("-")
    path = Path(os.path.normpath(path if path.is_absolute() else cwd / path))
    return SourcePath(path, finder.for_file(path))


def _check_stdin(
    source: SourcePath, content: bytes, options: RunOptions, force_exclude: bool
) -> list[FileResult]:
    from hflint.server.discovery import is_excluded
    from hflint.server.runner import FileResult, run_stdin

    if force_exclude and is_excluded(source.path, source.config):
        return [FileResult(source.path)]  # as Ruff: an excluded stdin file has no findings
    return [run_stdin(source, content, options)]


def _report_problems(results: list[FileResult], cwd: Path, quiet: bool) -> bool:
    from hflint.server.runner import display

    failed = False
    for result in results:
        name = display(result.path, cwd)
        if not quiet:
            for warning in result.warnings:
                print(f"hflint: warning: {name}: {warning}", file=sys.stderr)
        for error in result.errors:
            _error(f"{name}: {error}")
            failed = True
    return failed


def _print_diff(results: list[FileResult], failed: bool) -> int:
    diffs = [r for r in results if r.diff]
    for result in diffs:
        sys.stdout.write(result.diff)
    fixes = sum(len(r.fixed) for r in diffs)
    if fixes:
        noun = "finding" if fixes == 1 else "findings"
        print(f"Would fix {fixes} {noun}.", file=sys.stderr)
    else:
        print("No findings would be fixed.", file=sys.stderr)
    if failed:
        return EXIT_ERROR
    return EXIT_FINDINGS if diffs else EXIT_CLEAN


def _write_fixes(results: list[FileResult], cwd: Path) -> bool:
    from hflint.server.fixes import write_atomic
    from hflint.server.runner import display

    failed = False
    for result in results:
        if result.new_content is None:
            continue
        try:
            write_atomic(result.path, result.new_content)
        except OSError as error:
            _error(f"{display(result.path, cwd)}: cannot write the fixes: {error}")
            failed = True
    return failed


def _print_findings(
    results: list[FileResult],
    output_format: str,
    args: argparse.Namespace,
    cwd: Path,
    out: TextIO,
    docs_url: str | None = None,
) -> None:
    from hflint import __version__
    from hflint.server import output
    from hflint.server.runner import display

    files = [
        output.FileFindings(r.path, display(r.path, cwd), r.findings, r.cell_map, r.fixed)
        for r in results
    ]
    unsafe = args.unsafe_fixes
    if output_format == "json":
        out.write(output.format_json(files, docs_url))
    elif output_format == "sarif":
        out.write(output.format_sarif(files, cwd, __version__, docs_url))
    elif output_format == "github":
        out.write(output.format_github(files))
    elif args.statistics:
        out.write(output.statistics(files, unsafe))
    else:
        out.write(output.format_text(files, unsafe))
        if args.show_fixes:
            out.write(output.fixed_report(files))
        if not args.quiet:
            out.write(output.summary(files, unsafe))


@dataclass(frozen=True)
class _RuleEntry:
    code: str
    name: str
    severity: str
    summary: str
    url: str | None
    explanation: str


def _rule_entries(docs_url: str | None = None) -> list[_RuleEntry]:
    """The registry's rules, after the findings the engine and CLI make themselves."""
    from hflint.analyzers.findings import Severity
    from hflint.rules.registry import all_rules
    from hflint.server.output import BUILTIN_RULES, BUILTIN_SEVERITY

    entries = []
    for code, (name, short, full) in BUILTIN_RULES.items():
        severity = BUILTIN_SEVERITY.get(code, Severity.ERROR).value
        explanation = (
            f"# {name} ({code})\n\nDefault severity: {severity}\n\n## What it does\n{full}\n"
        )
        entries.append(_RuleEntry(code, name, severity, short, None, explanation))
    entries += [
        _RuleEntry(r.code, r.name, r.severity.value, r.summary, r.url(docs_url), r.docs())
        for r in all_rules()
    ]
    return entries


def rule(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    import json
    from dataclasses import asdict

    entries = _rule_entries(_docs_url_here())
    if args.all:
        if args.output_format == "json":
            data = [asdict(e) for e in entries]
            sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        else:
            width = max(len(e.name) for e in entries)
            for e in entries:
                print(f"{e.code}  {e.name:<{width}}  {e.severity:<8} {e.summary}")
        return EXIT_CLEAN
    if not args.code:
        parser.error("rule: give a rule code (e.g. `hflint rule HF101`) or --all")
    found = next((e for e in entries if e.code == args.code.upper()), None)
    if found is None:
        _error(f"unknown rule code `{args.code}` (see `hflint rule --all`)")
        return EXIT_ERROR
    if args.output_format == "json":
        sys.stdout.write(json.dumps(asdict(found), indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(found.explanation)
    return EXIT_CLEAN


def _docs_url_here() -> str | None:
    """`docs-url` of the configuration of the working directory; explaining a rule needs no
    configuration, so a broken one is a warning here."""
    from hflint.server.config import ConfigError, ConfigFinder

    try:
        return ConfigFinder(Path.cwd()).for_directory(Path.cwd()).docs_url
    except ConfigError as error:
        print(f"hflint: warning: {error}", file=sys.stderr)
        return None


def server(args: argparse.Namespace) -> int:
    from hflint.server.lsp import main as serve

    return serve(args)
