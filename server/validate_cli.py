"""`hflint validate CHECKPOINT`: prove a load works by loading it in a child process.

Progress goes to stderr, the result to stdout (text or json). Exit codes: 0 the load works
(warnings allowed), 1 it fails (error findings, or custom code that may not run), 2 a timeout,
a crash, a cancellation, an interpreter without transformers or torch (status "unavailable",
the summary saying what to install) or a usage error, such as a path to no folder (on stderr,
nothing on stdout). Importing this module imports neither torch nor transformers: the child
does that.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hflint.server.validation import ValidationResult

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def add_validate_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Adds the `validate` command to `subparsers` (from ArgumentParser.add_subparsers)."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "validate",
        help="prove a load works: config, Auto class, meta-device build, weight names",
        description="Load CHECKPOINT's config, check the Auto class accepts it, build the model "
        "on the meta device and compare it with the safetensors headers, in a child process.",
    )
    configure_parser(parser)
    return parser


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "checkpoint",
        metavar="CHECKPOINT",
        help="a local folder or a hub repo id (name or org/name). Read as a folder when it "
        "starts with '.', '/' or '~', has two slashes or more, or exists on disk (org/name "
        "too), and then it must be a folder that exists; anything else is a hub repo id",
    )
    parser.add_argument("--class", dest="auto_class", metavar="CLASS", help="e.g. AutoModelForX")
    parser.add_argument("--task", help="a pipeline task, e.g. text-classification")
    parser.add_argument("--revision", help="branch, tag or commit")
    parser.add_argument("--subfolder", help="folder inside the checkpoint")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a from_pretrained keyword, VALUE as JSON (num_labels=5, ignore_mismatched_sizes=true)",
    )
    parser.add_argument("--timeout", type=float, default=60.0, metavar="S", help="default 60")
    parser.add_argument(
        "--memory-mb", type=int, default=4096, metavar="N", help="address space limit, 0: none"
    )
    parser.add_argument("--online", action="store_true", help="allow the child to use the Hub")
    parser.add_argument(
        "--trust-remote-code", action="store_true", help="allow the checkpoint's custom code to run"
    )
    parser.add_argument(
        "--real-load", action="store_true", help="also load the weights for real (small models)"
    )
    parser.add_argument(
        "--interpreter",
        metavar="PYTHON",
        help="the Python to load with; it needs transformers and torch, as `hflint[validate]` "
        "installs them (default: the one hflint runs in)",
    )
    parser.add_argument("--output-format", choices=("text", "json"), default="text")


def parse_overrides(items: Sequence[str]) -> dict[str, Any]:
    """KEY=VALUE pairs; VALUE is JSON when it parses, else a plain string."""
    overrides: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.isidentifier():
            raise ValueError(f"--set {item!r}: expected KEY=VALUE")
        try:
            overrides[key] = json.loads(value)
        except ValueError:
            overrides[key] = value
    return overrides


def run_validate(args: argparse.Namespace) -> int:
    from hflint.server.validation import ValidationRequest, folder_problem, start_validation

    if args.auto_class and args.task:
        print("hflint: error: give --class or --task, not both", file=sys.stderr)
        return EXIT_ERROR
    try:
        overrides = parse_overrides(args.overrides)
    except ValueError as exc:
        print(f"hflint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    problem = folder_problem(args.checkpoint)
    if problem is not None:
        print(f"hflint: error: {args.checkpoint}: {problem}", file=sys.stderr)
        return EXIT_ERROR
    request = ValidationRequest(
        checkpoint=args.checkpoint,
        auto_class=args.auto_class,
        task=args.task,
        revision=args.revision,
        subfolder=args.subfolder,
        timeout_s=args.timeout,
        memory_mb=args.memory_mb or None,
        allow_online=args.online,
        trust_remote_code=args.trust_remote_code,
        real_load=args.real_load,
        config_overrides=overrides,
        interpreter=args.interpreter or None,
        interpreter_setting="--interpreter",
    )

    def progress(step: str) -> None:
        print(f"hflint: {step}", file=sys.stderr, flush=True)

    try:
        result = start_validation(request, progress)
    except KeyboardInterrupt:  # the child is already gone: start_validation kills it on the way out
        print("hflint: interrupted", file=sys.stderr)
        return EXIT_ERROR
    if args.output_format == "json":
        print(json.dumps(result.to_json(), indent=2, default=str))
    else:
        print(format_text(result))
    return {"ok": EXIT_OK, "error": EXIT_FINDINGS}.get(result.status, EXIT_ERROR)


def format_text(result: ValidationResult) -> str:
    lines = [result.summary]
    for diagnostic in result.diagnostics:
        first, *rest = diagnostic.message.splitlines() or [""]
        lines.append(f"{diagnostic.severity}: {first}")
        lines.extend(f"    {line}" for line in rest)
    peak = result.details.get("peak_rss_mb")
    elapsed = result.details.get("elapsed_s")
    lines.append(
        f"status: {result.status}"
        + (f"; {elapsed:g} s" if isinstance(elapsed, (int, float)) else "")
        + (f"; peak RSS {peak:g} MB" if isinstance(peak, (int, float)) else "")
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m hflint.server.validate_cli ...`, the same as `hflint validate ...`."""
    parser = argparse.ArgumentParser(prog="hflint validate")
    configure_parser(parser)
    return run_validate(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
