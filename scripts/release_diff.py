"""What changed, for hflint's rules, between two transformers releases: a readable list.

Each release's sources are read the way hflint reads them (`knowledge_extract.extract`,
nothing imported): the installed package for `installed`, else its wheel, fetched with
`pip download --no-deps` (or reused from `--wheels`). `make test-latest` runs it between the
locked release and the newest one the supported range allows.

    python scripts/release_diff.py 5.23.0 5.25.0
    python scripts/release_diff.py 5.23.0 installed
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from snapshot_knowledge import wheel_for

from hflint.analyzers import knowledge_extract

# The fields users meet first, in this order, with the names the list gives them.
TITLES = {
    "config_mapping": "model types",
    "tasks": "pipeline tasks",
    "task_aliases": "pipeline task aliases",
    "removed_tasks": "pipeline tasks removed (with transformers' message)",
    "auto_classes": "Auto classes",
    "deprecated_auto_classes": "deprecated Auto classes",
    "exported_names": "names `from transformers import` accepts",
    "training_args_fields": "TrainingArguments fields",
    "training_args_deprecated": "deprecated TrainingArguments fields",
    "trainer_init_params": "Trainer parameters",
    "trainer_deprecated_kwargs": "deprecated Trainer keywords",
    "pipeline_params": "pipeline() parameters",
    "generation_config_fields": "GenerationConfig fields",
    "generative_classes": "classes with generate()",
    "tokenizer_names": "tokenizer classes",
}
SHOWN = 40  # items listed per section before "... and N more"


def knowledge_of(release: str, wheels: list[Path], work: Path) -> dict[str, Any]:
    if release == "installed":
        package = knowledge_extract.find_transformers()
        if package is None:
            raise SystemExit("transformers is not installed here")
        return knowledge_extract.extract(package)
    wheel = wheel_for(release, wheels, work)
    unpacked = work / f"src-{release}"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(
            unpacked, [m for m in archive.namelist() if m.startswith("transformers/")]
        )
    return knowledge_extract.extract(unpacked / "transformers")


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return {str(k) for k in value}
    if isinstance(value, list | tuple | set | frozenset):
        return {str(v) for v in value}
    return set()


def _listed(title: str, names: Iterable[str]) -> list[str]:
    names = sorted(names)
    if not names:
        return []
    shown = ", ".join(names[:SHOWN])
    more = f" ... and {len(names) - SHOWN} more" if len(names) > SHOWN else ""
    return [f"  {title} ({len(names)}): {shown}{more}"]


def differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """One block per field that changed: added, removed, and changed entries."""
    lines: list[str] = []
    fields = [*TITLES, *sorted((set(old) | set(new)) - set(TITLES) - {"version"})]
    for name in fields:
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        block = _listed("added", _keys(after) - _keys(before))
        block += _listed("removed", _keys(before) - _keys(after))
        if isinstance(before, dict) and isinstance(after, dict):
            changed = {k for k in before.keys() & after.keys() if before[k] != after[k]}
            block += _listed("changed", map(str, changed))
        if not block:
            block = [f"  {before!r} -> {after!r}"]
        lines += [f"{TITLES.get(name, name)}:", *block]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", help="a release, e.g. 5.23.0, or `installed`")
    parser.add_argument("new", help="a release, e.g. 5.25.0, or `installed`")
    parser.add_argument("--wheels", type=Path, action="append", default=[], help="wheel folder")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        old = knowledge_of(args.old, args.wheels, Path(tmp))
        new = knowledge_of(args.new, args.wheels, Path(tmp))
    print(f"What changed for hflint between transformers {old['version']} and {new['version']}:")
    lines = differences(old, new)
    print("\n".join(lines) if lines else "  nothing hflint reads")
    return 0


if __name__ == "__main__":
    sys.exit(main())
