"""The `hflint` command: `check` files, explain a `rule`, or start the language `server`.

Exit codes, as Ruff's: 0 no findings remain, 1 findings remain, 2 a usage error, a bad
configuration, a path that does not exist, or an internal error (one file's failure still lets
the other files be checked and reported). A file that cannot be read (binary, not decodable,
a broken notebook) is reported as Ruff reports E902: a finding, HF002, in the chosen output
format (so exit code 1), plus a warning on stderr. Too-large files are skipped with a warning.

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
    from hflint.server.runner import FileResult

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
    check.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to check")
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
    check.add_argument("-q", "--quiet", action="store_true", help="print findings only")
    check.add_argument("--statistics", action="store_true", help="count findings per rule")
    check.add_argument("--show-fixes", action="store_true", help="list what --fix fixed")

    rule = commands.add_parser("rule", help="explain a rule, or list them all")
    rule.add_argument("code", nargs="?", help="a rule code, e.g. HF101")
    rule.add_argument("--all", action="store_true", help="list every rule")
    rule.add_argument("--output-format", choices=("text", "json"), default="text")

    add_validate_parser(commands)

    from hflint.server.lsp import add_server_arguments  # argparse only: pygls loads on start

    add_server_arguments(commands.add_parser("server", help="start the language server (LSP)"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
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
        found = discover(args.paths or ["."], finder, cwd, args.force_exclude)
    except ConfigError as error:
        _error(str(error))
        return EXIT_ERROR
    failed = False
    for missing in found.missing:
        _error(f"{missing}: No such file or directory")
        failed = True
    options = RunOptions(
        cwd=cwd,
        fix=args.fix and not args.diff,
        unsafe_fixes=args.unsafe_fixes,
        diff=args.diff,
        use_cache=not args.no_cache,
    )
    results = run(found.files, options)
    failed = _report_problems(results, cwd, args.quiet) or failed
    if args.diff:
        return _print_diff(results, failed)
    if args.fix:
        failed = _write_fixes(results, cwd) or failed
    _print_findings(results, output_format, args, cwd)
    if failed:
        return EXIT_ERROR
    remaining = any(r.findings for r in results)
    return EXIT_FINDINGS if remaining and not args.exit_zero else EXIT_CLEAN


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
        noun = "error" if fixes == 1 else "errors"
        print(f"Would fix {fixes} {noun}.", file=sys.stderr)
    else:
        print("No errors would be fixed.", file=sys.stderr)
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
    results: list[FileResult], output_format: str, args: argparse.Namespace, cwd: Path
) -> None:
    from hflint import __version__
    from hflint.server import output
    from hflint.server.runner import display

    files = [
        output.FileFindings(r.path, display(r.path, cwd), r.findings, r.cell_map, r.fixed)
        for r in results
    ]
    out: TextIO = sys.stdout
    unsafe = args.unsafe_fixes
    if output_format == "json":
        out.write(output.format_json(files))
    elif output_format == "sarif":
        out.write(output.format_sarif(files, cwd, __version__))
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


def _rule_entries() -> list[_RuleEntry]:
    """The registry's rules, after the two findings the engine and CLI make themselves."""
    from hflint.rules.registry import all_rules
    from hflint.server.output import BUILTIN_RULES

    entries = [
        _RuleEntry(
            code,
            name,
            "error",
            short,
            None,
            f"# {name} ({code})\n\nDefault severity: error\n\n## What it does\n{full}\n",
        )
        for code, (name, short, full) in BUILTIN_RULES.items()
    ]
    entries += [
        _RuleEntry(r.code, r.name, r.severity.value, r.summary, r.url(), r.docs())
        for r in all_rules()
    ]
    return entries


def rule(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    import json
    from dataclasses import asdict

    entries = _rule_entries()
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


def server(args: argparse.Namespace) -> int:
    from hflint.server.lsp import main as serve

    return serve(args)
