"""Make the bundled knowledge snapshots of transformers releases (analyzers/data/knowledge/).

For each release: fetch its wheel from PyPI (`pip download --no-deps`, or reuse one found in
`--wheels`), unpack only the `transformers/` sources, read them with
`knowledge_extract.extract` (nothing is imported) and write `transformers-X.json.gz`. The
output is byte-for-byte reproducible: sorted JSON, gzip without a timestamp.

    python scripts/snapshot_knowledge.py                    # the default releases, bundled
    python scripts/snapshot_knowledge.py 4.44.2 --to-cache  # one more, into your own cache

Run it again whenever `knowledge_extract.FORMAT_VERSION` changes (a test checks the bundled
files are current).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from hflint.analyzers import knowledge_extract
from hflint.analyzers.snapshots import snapshot_bytes, version_cache_dir

# the source tree's folder (an editable install links files; this is where they are kept)
BUNDLED = Path(__file__).resolve().parents[1] / "analyzers" / "data" / "knowledge"

# The releases the removal rules turn on: 4.40 (only `evaluation_strategy`), 4.41 (it warns,
# `eval_strategy` added), 4.46 (Trainer's `tokenizer=` deprecated), 4.51 (`evaluation_strategy`
# gone), 4.56 (`torch_dtype` deprecated for `dtype`), 4.57.6 (the last 4.x), 5.0.0.
DEFAULT_RELEASES = ("4.40.2", "4.41.2", "4.46.3", "4.51.3", "4.56.2", "4.57.6", "5.0.0")


def wheel_for(version: str, search: list[Path], download_to: Path) -> Path:
    name = f"transformers-{version}-py3-none-any.whl"
    for folder in search:
        if (folder / name).is_file():
            return folder / name
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "-q"]
    command += [f"transformers=={version}", "-d", str(download_to)]
    subprocess.run(command, check=True)
    return download_to / name


def snapshot(version: str, search: list[Path], work: Path) -> bytes:
    wheel = wheel_for(version, search, work)
    unpacked = work / f"src-{version}"
    with zipfile.ZipFile(wheel) as archive:
        members = [m for m in archive.namelist() if m.startswith("transformers/")]
        archive.extractall(unpacked, members)
    data = knowledge_extract.extract(unpacked / "transformers")
    if data["version"] != version:
        raise SystemExit(f"{wheel.name} says it is transformers {data['version']}")
    return snapshot_bytes(data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("versions", nargs="*", default=list(DEFAULT_RELEASES))
    parser.add_argument("--wheels", action="append", default=[], help="folder of wheels to reuse")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--out", type=Path, default=BUNDLED, help=f"default: {BUNDLED}")
    where.add_argument("--to-cache", action="store_true", help="write to your hflint cache")
    parser.add_argument(
        "--prune", action="store_true", help="delete snapshots of releases not named"
    )
    args = parser.parse_args(argv)
    out: Path = version_cache_dir() if args.to_cache else args.out
    out.mkdir(parents=True, exist_ok=True)
    suffix = f".f{knowledge_extract.FORMAT_VERSION}.json.gz" if args.to_cache else ".json.gz"
    search = [Path(w) for w in args.wheels]
    with tempfile.TemporaryDirectory(prefix="hflint-snapshot-") as tmp:
        for version in args.versions:
            data = snapshot(version, search, Path(tmp))
            path = out / f"transformers-{version}{suffix}"
            path.write_bytes(data)
            print(f"{path}  {len(data) / 1024:.0f} KiB")
    if args.prune and not args.to_cache:
        keep = {f"transformers-{v}.json.gz" for v in args.versions}
        for old in out.glob("transformers-*.json.gz"):
            if old.name not in keep:
                old.unlink()
                print(f"removed {old}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
