"""Facts about a checkpoint, offline first: local folder, HF cache, hub (opt-in), bundled table.

Unknown is an answer: a lookup that finds nothing returns None, never a guess from the name.
A wrong fact turns into a false positive in some rule, so every reader here skips what it
cannot parse instead of filling in a plausible value, and every fact names its source.

The Hub and its cache are reached through `hub_access`, which imports huggingface_hub only
when it is installed and needed: importing this module must stay cheap for the language
server, and must never pull in transformers or torch.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any, Literal

from hflint.analyzers.hub_access import (
    FACT_FILES,
    FileGetter,
    cache_getter,
    download_facts_files,
    repo_folder,
    run_with_deadline,
)

Source = Literal["local", "cache", "hub", "bundled"]

TABLE_PATH = Path(__file__).with_name("data") / "checkpoints.json"
# Composite configs set is_encoder_decoder in __init__, so their config.json may omit it.
COMPOSITE_TYPES = frozenset({"encoder-decoder", "vision-encoder-decoder", "speech-encoder-decoder"})
# Tokenizer classes with no default special tokens: a pad token they lack is really absent.
# Model-specific classes (BertTokenizer -> "[PAD]", T5Tokenizer -> "<pad>") bring their own.
GENERIC_TOKENIZERS = frozenset(
    {"PreTrainedTokenizerFast", "TokenizersBackend", "PreTrainedTokenizer"}
)
# huggingface_hub's validate_repo_id, minus the legacy exceptions it no longer accepts.
_REPO_ID = re.compile(r"^(?:[A-Za-z0-9_.-]+/)?[A-Za-z0-9_.-]{1,96}$")
_TOKENIZER_HEAD = 65536  # "padding" comes third in tokenizer.json, right after "version"
_MAX_ADAPTER_DEPTH = 4


@dataclass(frozen=True)
class CheckpointFacts:
    name: str  # as written in the code (after constant resolution)
    source: Source
    location: str  # folder, cache snapshot path, URL, or "bundled table (hflint X)"
    model_type: str | None = None
    architectures: tuple[str, ...] = ()
    is_encoder_decoder: bool | None = None
    id2label: dict[int, str] | None = None  # None: the config has no label map
    pad_token_id: int | None = None  # model config
    vocab_size: int | None = None
    auto_map: dict[str, str] = field(default_factory=dict)
    # tokenizer files (tokenizer_config.json / special_tokens_map.json); None: not known
    tokenizer_pad_token: str | None = None
    tokenizer_has_pad_token: bool | None = None
    tokenizer_padding_side: str | None = None
    generation_config: dict[str, Any] | None = None
    base_model: str | None = None  # PEFT adapter_config.json base_model_name_or_path
    config: dict[str, Any] = field(default_factory=dict)  # raw config.json
    # tokenizer_config.json tokenizer_class: its __init__ defaults fill in absent special tokens
    tokenizer_class: str | None = None
    # tokens tokenizer_config.json / special_tokens_map.json name (special tokens, additional
    # special tokens, added_tokens_decoder), sorted; None when neither file was read
    tokenizer_tokens: tuple[str, ...] | None = None
    # tokenizer_config.json do_lower_case (WordPiece tokenizers); None when absent or not read
    tokenizer_do_lower_case: bool | None = None
    # config.json problem_type of a fine-tuned classifier ("multi_label_classification", ...)
    problem_type: str | None = None
    # label count when only that is known (bundled entries that list no label names)
    label_count: int | None = None
    # for an adapter without config.json: the base model's own facts, with their source
    base: CheckpointFacts | None = None
    revision: str | None = None
    note: str | None = None  # bundled table remark

    @property
    def num_labels(self) -> int | None:
        return len(self.id2label) if self.id2label is not None else self.label_count


def is_repo_id(name: str) -> bool:
    """`name` or `org/name` in the hub's character set: only these can be looked up remotely."""
    return (
        bool(_REPO_ID.match(name))
        and "--" not in name
        and ".." not in name
        and not name.endswith(".git")
        and not name.startswith(("-", "."))
    )


def hub_cache_dir() -> Path:
    """The hub cache as huggingface_hub would compute it from the environment right now.

    huggingface_hub reads these variables once, at import; a long-lived server must not.
    """
    env = os.environ
    key = tuple(env.get(v) for v in _CACHE_VARS)
    found = _CACHE_DIRS.get(key)
    if found is None:
        found = _CACHE_DIRS[key] = _hub_cache_dir(env)
    return found


_CACHE_VARS = ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME", "HOME")
_CACHE_DIRS: dict[tuple[str | None, ...], Path] = {}


def _hub_cache_dir(env: Mapping[str, str]) -> Path:
    def expand(value: str) -> Path:
        return Path(os.path.expandvars(os.path.expanduser(value)))

    for var in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if env.get(var):
            return expand(env[var])
    if env.get("HF_HOME"):
        return expand(env["HF_HOME"]) / "hub"
    xdg = env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return expand(xdg) / "huggingface" / "hub"


def hub_endpoint() -> str:
    return os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")


def offline_env() -> bool:
    """HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE as huggingface_hub parses them, read now."""
    raw = os.environ.get("HF_HUB_OFFLINE") or os.environ.get("TRANSFORMERS_OFFLINE") or ""
    return raw.strip().upper() in {"1", "ON", "YES", "TRUE"}


def read_json(path: Path | None) -> dict[str, Any] | None:
    """A JSON object from `path`; None when missing, unreadable, broken or not an object."""
    if path is None:
        return None
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _token_text(value: object) -> str | None:
    """A special token as written: a plain string or an AddedToken dict {"content": ...}."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("content"), str):
        return str(value["content"])
    return None


def parse_id2label(value: object) -> dict[int, str] | None:
    if not isinstance(value, dict):
        return None
    labels: dict[int, str] = {}
    for key, label in value.items():
        try:
            labels[int(key)] = str(label)
        except (TypeError, ValueError):
            return None
    return labels


def _auto_map(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    out: dict[str, str] = {}
    for key, ref in value.items():
        refs = ref if isinstance(ref, list) else [ref]
        first = next((r for r in refs if isinstance(r, str)), None)
        if first is not None:
            out[str(key)] = first
    return out


def _tokenizer_json_padding(path: Path | None) -> tuple[bool, str | None, str | None] | None:
    """(has padding, pad token, side) from tokenizer.json's padding block; None: not known.

    Only the head of the file is read: tokenizer.json can be tens of MB, and the tokenizers
    library writes "padding" before the vocabulary.
    """
    if path is None:
        return None
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            head = fh.read(_TOKENIZER_HEAD)
    except OSError:
        return None
    match = re.search(r'"padding"\s*:\s*(null|\{)', head)
    if match is None:
        return None
    if match.group(1) == "null":
        return (False, None, None)
    rest = head[match.end() : match.end() + 2000]
    token = re.search(r'"pad_token"\s*:\s*"((?:[^"\\]|\\.)*)"', rest)
    side = re.search(r'"direction"\s*:\s*"(Left|Right)"', rest)
    try:
        text = json.loads(f'"{token.group(1)}"') if token else None
    except ValueError:
        text = None
    return (True, text if isinstance(text, str) else None, side.group(1).lower() if side else None)


@dataclass(frozen=True)
class _TokenizerFacts:
    pad_token: str | None = None
    has_pad_token: bool | None = None
    padding_side: str | None = None
    tokenizer_class: str | None = None
    tokens: tuple[str, ...] | None = None
    do_lower_case: bool | None = None


_SPECIAL_KEYS = (
    "bos_token",
    "eos_token",
    "unk_token",
    "sep_token",
    "pad_token",
    "cls_token",
    "mask_token",
)


def _named_tokens(*files: dict[str, Any] | None) -> tuple[str, ...]:
    """The special and added tokens tokenizer files name."""
    found: set[str] = set()
    for data in files:
        if not data:
            continue
        for key in _SPECIAL_KEYS:
            text = _token_text(data.get(key))
            if text is not None:
                found.add(text)
        for key in ("additional_special_tokens", "extra_special_tokens"):
            extra = data.get(key)
            values = list(extra.values()) if isinstance(extra, dict) else extra
            for value in values if isinstance(values, list) else ():
                text = _token_text(value)
                if text is not None:
                    found.add(text)
        decoder = data.get("added_tokens_decoder")
        for value in decoder.values() if isinstance(decoder, dict) else ():
            text = _token_text(value)
            if text is not None:
                found.add(text)
    return tuple(sorted(found))


def tokenizer_facts(get: FileGetter) -> _TokenizerFacts | None:
    """Pad token and padding side as transformers 5 would resolve them, or None if no files.

    transformers takes pad_token from tokenizer_config.json, then special_tokens_map.json,
    then tokenizer.json's padding block, then the tokenizer class's __init__ default. The
    last one is only known for the generic classes, so absence elsewhere stays unknown.
    """
    tok_config = read_json(get("tokenizer_config.json"))
    special = read_json(get("special_tokens_map.json"))
    if tok_config is None and special is None:
        return None
    tok_config = tok_config or {}
    tokenizer_class = tok_config.get("tokenizer_class")
    tokenizer_class = tokenizer_class if isinstance(tokenizer_class, str) else None
    padding = _tokenizer_json_padding(get("tokenizer.json"))
    pad = _token_text(tok_config.get("pad_token")) or _token_text((special or {}).get("pad_token"))
    if pad is None and padding is not None and padding[0]:
        pad = padding[1]
    side = tok_config.get("padding_side")
    side = side if side in ("left", "right") else None
    if side is None and padding is not None:
        side = padding[2]
    has_pad: bool | None = True if pad is not None else None
    generic = tokenizer_class is not None and tokenizer_class in GENERIC_TOKENIZERS
    explicit_none = "pad_token" in tok_config and tok_config["pad_token"] is None
    if pad is None and (padding is None or not padding[0]) and (generic or explicit_none):
        has_pad = False
    if side is None and generic:
        side = "right"
    lower = tok_config.get("do_lower_case")
    added = read_json(get("added_tokens.json")) or {}  # older checkpoints: {"<tok>": id}
    named = _named_tokens(tok_config, special)
    return _TokenizerFacts(
        pad,
        has_pad,
        side,
        tokenizer_class,
        tuple(sorted({*named, *(k for k in added if isinstance(k, str))})),
        lower if isinstance(lower, bool) else None,
    )


def facts_from_files(
    name: str, source: Source, location: str, get: FileGetter
) -> CheckpointFacts | None:
    """Facts from the files `get` finds; None when it finds none of them."""
    config = read_json(get("config.json"))
    adapter = read_json(get("adapter_config.json"))
    tokenizer = tokenizer_facts(get)
    generation = read_json(get("generation_config.json"))
    if config is None and adapter is None and tokenizer is None and generation is None:
        return None
    base = (adapter or {}).get("base_model_name_or_path")
    tok = tokenizer or _TokenizerFacts()
    facts = CheckpointFacts(
        name=name,
        source=source,
        location=location,
        generation_config=generation,
        base_model=base if isinstance(base, str) and base else None,
        tokenizer_pad_token=tok.pad_token,
        tokenizer_has_pad_token=tok.has_pad_token,
        tokenizer_padding_side=tok.padding_side,
        tokenizer_class=tok.tokenizer_class,
        tokenizer_tokens=tok.tokens,
        tokenizer_do_lower_case=tok.do_lower_case,
    )
    return facts if config is None else with_config(facts, config)


def with_config(facts: CheckpointFacts, config: dict[str, Any]) -> CheckpointFacts:
    model_type = config.get("model_type")
    model_type = model_type if isinstance(model_type, str) else None
    archs = config.get("architectures")
    enc_dec = config.get("is_encoder_decoder")
    return replace(
        facts,
        config=config,
        model_type=model_type,
        architectures=tuple(a for a in archs if isinstance(a, str))
        if isinstance(archs, list)
        else (),
        is_encoder_decoder=enc_dec if isinstance(enc_dec, bool) else model_type in COMPOSITE_TYPES,
        id2label=parse_id2label(config.get("id2label")),
        pad_token_id=_int(config.get("pad_token_id")),
        vocab_size=_int(config.get("vocab_size")),
        auto_map=_auto_map(config.get("auto_map")),
        problem_type=problem if isinstance(problem := config.get("problem_type"), str) else None,
    )


def folder_getter(folder: Path) -> FileGetter:
    def get(filename: str) -> Path | None:
        path = folder / filename
        return path if path.is_file() else None

    return get


def _snapshot_of(path: Path, subfolder: str | None) -> Path:
    depth = len(Path(subfolder).parts) if subfolder else 0
    folder = path.parent
    for _ in range(depth):
        folder = folder.parent
    return folder


@cache
def bundled_table(path: Path = TABLE_PATH) -> dict[str, dict[str, Any]]:
    """Bundled entries by casefolded id (aliases included); {} when the table is unreadable."""
    data = read_json(path) or {}
    entries = data.get("checkpoints")
    table: dict[str, dict[str, Any]] = {}
    if not isinstance(entries, dict):
        return table
    for key, entry in entries.items():
        if not isinstance(entry, dict):
            continue
        aliases = entry.get("aliases")
        names: Iterable[object] = [key, *(aliases if isinstance(aliases, list) else [])]
        for alias in names:
            if isinstance(alias, str):
                table[alias.casefold()] = entry
    return table


@cache
def table_version(path: Path = TABLE_PATH) -> str:
    data = read_json(path) or {}
    return str(data.get("date", "?"))


def bundled_facts(name: str, path: Path = TABLE_PATH) -> CheckpointFacts | None:
    entry = bundled_table(path).get(name.casefold())
    if entry is None:
        return None
    archs = entry.get("architectures")
    enc_dec = entry.get("is_encoder_decoder")
    side = entry.get("padding_side")
    has_pad = entry.get("tokenizer_has_pad_token")
    pad = entry.get("tokenizer_pad_token")
    note = entry.get("note")
    lower = entry.get("do_lower_case")
    tokenizer_class = entry.get("tokenizer_class")
    model_type = entry.get("model_type")
    return CheckpointFacts(
        name=name,
        source="bundled",
        location=f"bundled table ({path.name}, {table_version(path)})",
        model_type=model_type if isinstance(model_type, str) else None,
        architectures=tuple(a for a in archs if isinstance(a, str))
        if isinstance(archs, list)
        else (),
        is_encoder_decoder=enc_dec if isinstance(enc_dec, bool) else None,
        id2label=parse_id2label(entry.get("id2label")),
        label_count=_int(entry.get("num_labels")),
        pad_token_id=_int(entry.get("pad_token_id")),
        vocab_size=_int(entry.get("vocab_size")),
        tokenizer_pad_token=pad if isinstance(pad, str) else None,
        tokenizer_has_pad_token=has_pad if isinstance(has_pad, bool) else None,
        tokenizer_padding_side=side if side in ("left", "right") else None,
        tokenizer_do_lower_case=lower if isinstance(lower, bool) else None,
        tokenizer_class=tokenizer_class if isinstance(tokenizer_class, str) else None,
        note=note if isinstance(note, str) else None,
    )


class CheckpointResolver:
    """Looks checkpoints up; results are cached per (name, revision, subfolder, base dir).

    Order: a local folder, the HF cache, the hub (only when `online`), the bundled table.
    The first that knows the checkpoint answers; the bundled table is the last resort
    because it describes the hub's main branch, not what this machine would load.
    """

    def __init__(self, online: bool = False, hub_timeout: float = 3.0, cwd: Path | None = None):
        self.online = online
        self.hub_timeout = hub_timeout
        self.cwd = cwd
        self.table_path = TABLE_PATH
        self._cache: dict[tuple[str, ...], CheckpointFacts | None] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()

    def lookup(
        self,
        name: str,
        *,
        revision: str | None = None,
        subfolder: str | None = None,
        file_dir: Path | None = None,
    ) -> CheckpointFacts | None:
        return self._lookup(name, revision, subfolder or None, file_dir, 0)

    def _lookup(
        self,
        name: str,
        revision: str | None,
        subfolder: str | None,
        file_dir: Path | None,
        depth: int,
    ) -> CheckpointFacts | None:
        if not name or depth > _MAX_ADAPTER_DEPTH:
            return None
        cwd = self.cwd if self.cwd is not None else Path.cwd()
        cache_dir = hub_cache_dir()
        key = (name, revision or "", subfolder or "", str(file_dir or ""), str(cwd), str(cache_dir))
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        facts = self._resolve(name, revision, subfolder, file_dir, cwd, cache_dir)
        if facts is not None and facts.base_model and not facts.config:
            facts = self._with_base(facts, file_dir, depth)
        with self._lock:
            self._cache[key] = facts
        return facts

    def _resolve(
        self,
        name: str,
        revision: str | None,
        subfolder: str | None,
        file_dir: Path | None,
        cwd: Path,
        cache_dir: Path,
    ) -> CheckpointFacts | None:
        folder = local_folder(name, file_dir, cwd)
        if folder is not None:
            # transformers loads an existing folder and never falls back to the hub.
            inner = folder / subfolder if subfolder else folder
            return facts_from_files(name, "local", str(inner), folder_getter(inner))
        if not is_repo_id(name):
            return None
        cached = self._from_cache(name, revision, subfolder, cache_dir)
        facts = cached if cached is None or _has_model_files(cached) else None
        if facts is None and self.online and not offline_env():
            facts = self._from_hub(name, revision, subfolder, cache_dir)
        if facts is None and subfolder is None:
            facts = bundled_facts(name, self.table_path)
            if facts is not None and revision not in (None, "main"):
                facts = replace(facts, location=f"{facts.location}; main branch, not {revision}")
        if cached is not None and (facts is None or facts.source == "bundled"):
            facts = _tokenizer_over(cached, facts)
        return replace(facts, revision=revision) if facts is not None else None

    def _from_cache(
        self, name: str, revision: str | None, subfolder: str | None, cache_dir: Path
    ) -> CheckpointFacts | None:
        if not repo_folder(cache_dir, name).is_dir():
            return None
        get = cache_getter(name, cache_dir, revision, subfolder)
        found = next((p for p in map(get, FACT_FILES) if p is not None), None)
        if found is None:
            return None
        location = str(_snapshot_of(found, subfolder) / (subfolder or ""))
        return facts_from_files(name, "cache", location.rstrip("/"), get)

    def _from_hub(
        self, name: str, revision: str | None, subfolder: str | None, cache_dir: Path
    ) -> CheckpointFacts | None:
        endpoint = hub_endpoint()
        deadline = time.monotonic() + self.hub_timeout

        def fetch() -> dict[str, Path]:
            return download_facts_files(
                name,
                revision=revision,
                subfolder=subfolder,
                cache_dir=cache_dir,
                endpoint=endpoint,
                deadline=deadline,
            )

        files: dict[str, Path] | None = run_with_deadline(fetch, self.hub_timeout)
        if not files:
            return None
        cached = cache_getter(name, cache_dir, revision, subfolder)

        def get(filename: str) -> Path | None:
            return files.get(filename) or cached(filename)

        url = f"{endpoint}/{name}/resolve/{revision or 'main'}"
        url = f"{url}/{subfolder.strip('/')}" if subfolder else url
        return facts_from_files(name, "hub", url, get)

    def _with_base(
        self, adapter: CheckpointFacts, file_dir: Path | None, depth: int
    ) -> CheckpointFacts:
        """An adapter without config.json: the model facts are its base model's."""
        assert adapter.base_model is not None
        base = self._lookup(adapter.base_model, None, None, file_dir, depth + 1)
        if base is None:
            return adapter
        own_tokenizer = adapter.tokenizer_has_pad_token is not None or adapter.tokenizer_class
        tokenizer_from = adapter if own_tokenizer else base
        return replace(
            base,
            name=adapter.name,
            source=adapter.source,
            location=f"{adapter.location} (adapter; model facts of {adapter.base_model} "
            f"from {base.source}: {base.location})",
            base_model=adapter.base_model,
            base=base,
            revision=adapter.revision,
            tokenizer_pad_token=tokenizer_from.tokenizer_pad_token,
            tokenizer_has_pad_token=tokenizer_from.tokenizer_has_pad_token,
            tokenizer_padding_side=tokenizer_from.tokenizer_padding_side,
            tokenizer_class=tokenizer_from.tokenizer_class,
            tokenizer_tokens=tokenizer_from.tokenizer_tokens,
            tokenizer_do_lower_case=tokenizer_from.tokenizer_do_lower_case,
            generation_config=adapter.generation_config or base.generation_config,
        )


def _has_model_files(facts: CheckpointFacts) -> bool:
    return bool(facts.config) or facts.base_model is not None


def _tokenizer_over(cached: CheckpointFacts, model: CheckpointFacts | None) -> CheckpointFacts:
    """Cached tokenizer files without config.json: model facts come from a later source."""
    if model is None:
        return cached
    return replace(
        model,
        location=f"{model.location}; tokenizer files from the cache: {cached.location}",
        tokenizer_pad_token=cached.tokenizer_pad_token,
        tokenizer_has_pad_token=cached.tokenizer_has_pad_token,
        tokenizer_padding_side=cached.tokenizer_padding_side,
        tokenizer_class=cached.tokenizer_class,
        tokenizer_tokens=cached.tokenizer_tokens,
        tokenizer_do_lower_case=cached.tokenizer_do_lower_case,
        generation_config=cached.generation_config or model.generation_config,
    )


def local_folder(name: str, file_dir: Path | None, cwd: Path) -> Path | None:
    """The folder `name` names: relative to the analysed file, then to cwd, or absolute."""
    try:
        path = Path(name).expanduser()
    except (RuntimeError, ValueError):
        return None
    if path.is_absolute():
        candidates = [path]
    else:
        candidates = [base / path for base in (file_dir, cwd) if base is not None]
    for candidate in candidates:
        try:
            if candidate.is_dir():
                return candidate
        except (OSError, ValueError):
            continue
    return None
