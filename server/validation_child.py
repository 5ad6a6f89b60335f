"""The validation child: config, Auto class, meta-device build, safetensors headers, load report.

It runs in its own interpreter (started by validation.py), so importing torch, a hang, a crash
or running out of memory never touches the language server. It reads one JSON request on stdin
and writes JSON lines on a private copy of stdout: {"progress": step} while working, then
{"result": {...}}. Whatever else gets printed (transformers, remote code) goes to stderr.
An interpreter without transformers (or, for a model, torch) answers "unavailable" at once,
naming what is missing, before anything is imported.

Only the standard library is imported at module level, and nothing from hflint: the child may
run under the project's interpreter, where hflint is not installed.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import struct
import sys
import time
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

SLEEP_ENV = "HFLINT_VALIDATION_TEST_SLEEP"  # tests: sleep this long inside the first step
MAX_HEADER = 100 * 1024 * 1024
MAX_ROWS = 12
# Governed by the request's own fields, never taken from config_overrides.
RESERVED_KWARGS = frozenset(
    {
        "trust_remote_code",
        "revision",
        "subfolder",
        "code_revision",
        "token",
        "use_auth_token",
        "cache_dir",
        "local_files_only",
        "force_download",
        "proxies",
    }
)
# Notes of transformers 5.x's load report (utils/loading_report.py), quoted so users recognise them.
NOTES = {
    "UNEXPECTED": "can be ignored when loading from different task/architecture; "
    "not ok if you expect identical arch.",
    "MISSING": "those params were newly initialized because missing from the checkpoint. "
    "Consider training on your downstream task.",
    "MISMATCH": "ckpt weights were loaded, but they did not match the original empty weight shapes.",
}
MISMATCH_RAISES = (
    "RuntimeError: You set `ignore_mismatched_sizes` to `False`, thus raising an error. "
    "For details look at the above report!"
)
NO_PAD = (
    "ValueError: Asking to pad but the tokenizer does not have a padding token. Please select a "
    "token to use as `pad_token` `(tokenizer.pad_token = tokenizer.eos_token e.g.)` or add a new "
    "pad token via `tokenizer.add_special_tokens({'pad_token': '[PAD]'})`."
)
NOT_RUN = "not run: needs trust_remote_code, which your settings do not allow"
_OOM = ("failed to map segment", "cannot allocate memory", "can't allocate memory", "out of memory")
# What transformers raises for a bad checkpoint, class or argument: findings, not crashes.
_FINDINGS = (OSError, ValueError, KeyError, TypeError, RuntimeError, ImportError, AttributeError)
_TOKENIZER = re.compile(r"(Tokenizer|TokenizerFast)$")
PACKAGES = ("transformers", "torch")


class Stop(Exception):
    """Ends the validation with status "error"; the diagnostic is already recorded."""


class NotRun(Exception):
    """The checkpoint needs custom code and trust_remote_code is not allowed."""


def is_oom(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, MemoryError) or any(marker in text for marker in _OOM)


@dataclass
class Run:
    request: dict[str, Any]
    channel: TextIO
    diagnostics: list[dict[str, str]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    current: str = "starting"
    _started: float = field(default_factory=time.monotonic)

    @property
    def name(self) -> str:
        return str(self.request["checkpoint"])

    @property
    def path(self) -> str:
        """What from_pretrained gets: the resolved local folder, or the repo id."""
        return str(self.request.get("path") or self.name)

    @property
    def trust(self) -> bool:
        return bool(self.request.get("trust_remote_code"))

    @property
    def hub(self) -> dict[str, str]:
        return {k: str(self.request[k]) for k in ("revision", "subfolder") if self.request.get(k)}

    def send(self, message: dict[str, Any]) -> None:
        self.channel.write(json.dumps(message, default=str) + "\n")
        self.channel.flush()

    def step(self, text: str) -> None:
        self._close_step()
        self.current, self._started = text, time.monotonic()
        self.send({"progress": text})

    def _close_step(self) -> None:
        if self.current != "starting":
            timings = self.details.setdefault("timings", {})
            timings[self.current] = round(time.monotonic() - self._started, 3)

    def add(self, severity: str, message: str) -> None:
        self.diagnostics.append({"severity": severity, "message": message})

    def fail(self, message: str) -> Stop:
        self.add("error", message)
        return Stop(message)

    @contextmanager
    def guard(self, hint: str = "") -> Iterator[None]:
        """Turns what transformers raises into an error finding; memory errors propagate."""
        try:
            yield
        except _FINDINGS as exc:
            if is_oom(exc):
                raise
            raise self.fail(f"{type(exc).__name__}: {exc}{hint}") from exc

    def result(self, status: str, summary: str) -> dict[str, Any]:
        self._close_step()
        return {
            "status": status,
            "summary": summary,
            "diagnostics": self.diagnostics,
            "details": self.details,
        }


def _test_sleep() -> None:
    seconds = os.environ.get(SLEEP_ENV)
    if seconds:
        time.sleep(float(seconds))


def _offline_hint(run: Run) -> str:
    if run.request.get("allow_online"):
        return ""
    return " (validation runs offline: allow online lookups, or download the checkpoint first)"


# --- the model path ----------------------------------------------------------------------------


def load_config(run: Run, transformers: Any) -> tuple[Any, dict[str, Any]]:
    """The config, as AutoConfig.from_pretrained gives it, plus the unused load kwargs."""
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING

    with run.guard(_offline_hint(run)):
        raw, _ = transformers.PretrainedConfig.get_config_dict(run.path, **run.hub)
    auto_map = raw.get("auto_map") or {}
    if "AutoConfig" in auto_map and raw.get("model_type") not in CONFIG_MAPPING and not run.trust:
        raise NotRun(f"its config class is custom code ({auto_map['AutoConfig']})")
    given = dict(run.request.get("config_overrides") or {})
    ignored = sorted(k for k in given if k in RESERVED_KWARGS)
    overrides = {k: v for k, v in given.items() if k not in RESERVED_KWARGS}
    for key in ("torch_dtype", "dtype"):  # from_pretrained drops "auto" before AutoConfig sees it
        if overrides.get(key) == "auto":
            del overrides[key]
    if ignored:
        run.details["ignored_overrides"] = ignored
    with run.guard():
        config, unused = transformers.AutoConfig.from_pretrained(
            run.path,
            return_unused_kwargs=True,
            trust_remote_code=run.trust,
            **run.hub,
            **overrides,
        )
    run.details.update(
        model_type=getattr(config, "model_type", None),
        architectures=list(getattr(config, "architectures", None) or []),
        config_class=type(config).__name__,
    )
    return config, dict(unused)


def candidate_classes(run: Run, transformers: Any, config: Any) -> tuple[str, list[Any]]:
    """(what the user asked for, the classes transformers would try, in its order)."""
    task = run.request.get("task")
    arch_classes = [
        cls
        for arch in (getattr(config, "architectures", None) or [])
        if (cls := getattr(transformers, arch, None)) is not None
    ]
    if task:
        from transformers.pipelines import check_task

        try:
            _, targeted, _ = check_task(task)
        except KeyError as exc:
            raise run.fail(str(exc.args[0]) if exc.args else str(exc)) from exc
        # pipelines/base.py::load_model tries the task's classes, then config.architectures.
        return f"pipeline {task!r}", [*targeted.get("pt", ()), *arch_classes]
    name = run.request.get("auto_class") or (
        arch_classes[0].__name__ if arch_classes else "AutoModel"
    )
    cls = getattr(transformers, name, None)
    if cls is None:
        raise run.fail(f"transformers {transformers.__version__} has no class named {name}")
    if getattr(cls, "_model_mapping", None) is None and not issubclass_safe(
        cls, transformers.PreTrainedModel
    ):
        raise run.fail(f"{name} is not a model class: validation loads models and tokenizers")
    return name, [cls]


def issubclass_safe(cls: Any, parent: Any) -> bool:
    return isinstance(cls, type) and issubclass(cls, parent)


def accepts(run: Run, cls: Any, config: Any) -> tuple[str | None, str | None]:
    """(the model class `cls` builds for `config`, or None and transformers' own error)."""
    import torch

    mapping = getattr(cls, "_model_mapping", None)
    if mapping is None:
        expected = getattr(getattr(cls, "config_class", None), "model_type", "")
        if expected and expected != getattr(config, "model_type", expected):
            run.add(
                "warning",
                f"You are using a model of type {config.model_type} to instantiate a model of "
                f"type {expected}. This is not supported for all configurations of models and "
                "can yield errors.",
            )
        return str(cls.__name__), None
    auto_map = getattr(config, "auto_map", None) or {}
    remote = cls.__name__ in auto_map
    local = type(config) in mapping
    if remote and not local and not run.trust:
        raise NotRun(f"{cls.__name__} maps to custom code ({auto_map[cls.__name__]})")
    if remote and run.trust:
        return str(auto_map[cls.__name__]), None
    if local:
        from transformers.models.auto.auto_factory import _get_model_class

        return str(_get_model_class(config, mapping).__name__), None  # type: ignore[no-untyped-call]
    try:  # no row for this config class: let transformers word the error
        with torch.device("meta"):
            cls.from_config(config)
    except ValueError as exc:
        return None, f"ValueError: {exc}"
    return None, f"{cls.__name__} cannot build a model for {type(config).__name__}"


def choose_class(run: Run, transformers: Any, config: Any) -> tuple[str, Any, str]:
    """(label, the class to build with, the model class it builds)."""
    label, classes = candidate_classes(run, transformers, config)
    run.step(f"checking that {label} accepts {type(config).__name__}")
    errors: list[str] = []
    for cls in classes:
        built, error = accepts(run, cls, config)
        if built is not None:
            run.details.update(auto_class=cls.__name__, model_class=built)
            return label, cls, built
        errors.append(f"{cls.__name__}: {error}" if len(classes) > 1 else str(error))
    if len(classes) == 1:
        raise run.fail(errors[0])
    names = ", ".join(c.__name__ for c in classes)
    tried = "\n".join(errors)
    raise run.fail(
        f"ValueError: Could not load model {run.name} with any of the following classes: "
        f"({names}).\n{tried}"
    )


def build_on_meta(run: Run, cls: Any, config: Any, model_class: str) -> Any:
    import torch

    run.step(f"building {model_class} on the meta device")
    started = time.monotonic()
    with run.guard(), torch.device("meta"):
        if getattr(cls, "_model_mapping", None) is not None:
            model = cls.from_config(config, trust_remote_code=run.trust)
        else:
            model = cls._from_config(config)
    run.details["meta_build_s"] = round(time.monotonic() - started, 3)
    run.details["parameters"] = sum(p.numel() for p in model.parameters())
    run.details["model_class"] = type(model).__name__
    return model


# --- weights ------------------------------------------------------------------------------------


def weight_files(folder: Path) -> tuple[list[Path], str | None]:
    """The safetensors files from_pretrained would read in `folder`, or why there are none."""
    single, index = folder / "model.safetensors", folder / "model.safetensors.index.json"
    if single.is_file():
        return [single], None
    if index.is_file():
        with open(index, encoding="utf-8") as fh:
            weight_map = json.load(fh).get("weight_map") or {}
        shards = sorted(set(weight_map.values()))
        absent = [s for s in shards if not (folder / s).is_file()]
        if absent:
            return [], f"{len(absent)} of {len(shards)} safetensors shards are not at hand"
        return [folder / s for s in shards], None
    if any((folder / f).is_file() for f in ("pytorch_model.bin", "pytorch_model.bin.index.json")):
        return [], "only PyTorch .bin weights are at hand, and their keys cannot be read cheaply"
    return [], "no weights at hand"


def read_header(path: Path) -> dict[str, tuple[int, ...]]:
    """Tensor name -> shape, from the safetensors header alone (8-byte length, then JSON)."""
    with open(path, "rb") as fh:
        head = fh.read(8)
        (length,) = struct.unpack("<Q", head) if len(head) == 8 else (-1,)
        if not 0 < length <= MAX_HEADER:
            raise ValueError(f"{path.name}: implausible header length {length}")
        header = json.loads(fh.read(length))
    return {k: tuple(v["shape"]) for k, v in header.items() if k != "__metadata__"}


@dataclass
class Report:
    missing: list[str]
    unexpected: list[str]
    mismatched: list[tuple[str, tuple[int, ...], tuple[int, ...]]]


def _renamer(model: Any, expected: dict[str, Any]) -> Any:
    """A key renamer that does what 5.x from_pretrained does (renamings, converters, prefix)."""
    prefix = getattr(model, "base_model_prefix", "") or ""
    try:
        from transformers.conversion_mapping import get_model_conversion_mapping
        from transformers.core_model_loading import (
            WeightConverter,
            WeightRenaming,
            rename_source_key,
        )
    except ImportError:
        return lambda key: (_prefixed(key, prefix, expected), None)
    mapping = get_model_conversion_mapping(model, None, None)
    renamings = [m for m in mapping if isinstance(m, WeightRenaming)]
    converters = [m for m in mapping if isinstance(m, WeightConverter)]
    by_pattern = {p: c for c in converters for p in c.source_patterns}

    def rename(key: str) -> tuple[str, list[str] | None]:
        target, pattern = rename_source_key(key, renamings, converters, prefix, expected)
        if target not in expected and key in expected:
            target, pattern = rename_source_key(key, [], [], prefix, expected)
        if pattern is None:
            return target, None
        targets = by_pattern[pattern].target_patterns
        return target, [target.replace(targets[0], t) for t in targets]

    return rename


def _prefixed(key: str, prefix: str, expected: dict[str, Any]) -> str:
    if prefix and key.startswith(prefix + ".") and key[len(prefix) + 1 :] in expected:
        return key[len(prefix) + 1 :]
    if prefix and f"{prefix}.{key}" in expected:
        return f"{prefix}.{key}"
    return key


def _tie(model: Any, missing: set[str]) -> None:
    """PreTrainedModel.tie_weights(missing_keys=...): a tied weight present once is not missing."""
    tied = list((getattr(model, "all_tied_weights_keys", None) or {}).items())
    for i, (target, source) in enumerate(tied):
        source_there, target_there = source not in missing, target not in missing
        if source_there and target_there:
            continue
        if not source_there and target_there:
            target, source = source, target
        elif not source_there:
            backup = next((t for t, s in tied[i + 1 :] if s == source and t not in missing), None)
            if backup is None:
                continue
        missing.discard(target)


def _ignored(model: Any, missing: set[str], unexpected: set[str]) -> None:
    """PreTrainedModel._adjust_missing_and_unexpected_keys: the model's own ignore patterns."""
    buffers = [name for name, _ in model.named_buffers()]
    extra = set()
    if any(b.endswith("rotary_emb.inv_freq") for b in buffers):
        extra.add(r"rotary_emb\.inv_freq")
    if any(b.endswith("position_ids") for b in buffers):
        extra.add(r"(^|\.)position_ids$")
    for keys, patterns in (
        (missing, set(getattr(model, "_keys_to_ignore_on_load_missing", None) or ())),
        (unexpected, set(getattr(model, "_keys_to_ignore_on_load_unexpected", None) or ()) | extra),
    ):
        if patterns:
            regex = re.compile("|".join(f"({p})" for p in patterns))
            keys.difference_update({k for k in keys if regex.search(k)})


def compare(model: Any, checkpoint: dict[str, tuple[int, ...]]) -> Report:
    """Which weights from_pretrained would report MISSING, UNEXPECTED or MISMATCH."""
    state = model.state_dict()
    shapes = {k: tuple(v.shape) for k, v in state.items()}
    rename = _renamer(model, state)
    missing, unexpected = set(shapes), set[str]()
    mismatched: list[tuple[str, tuple[int, ...], tuple[int, ...]]] = []
    for key in sorted(checkpoint, key=_natural):
        target, targets = rename(key)
        if target not in shapes:
            unexpected.update(targets or [target])
            continue
        missing.difference_update(targets or [target])
        if targets is None and checkpoint[key] != shapes[target]:
            mismatched.append((target, checkpoint[key], shapes[target]))
    _tie(model, missing)
    _ignored(model, missing, unexpected)
    order = {k: i for i, k in enumerate(shapes)}
    mismatched.sort(key=lambda row: order[row[0]])
    return Report([k for k in shapes if k in missing], sorted(unexpected, key=_natural), mismatched)


def _natural(key: str) -> list[Any]:
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in key.split(".")]


def _collapse(keys: Iterable[str]) -> list[str]:
    """layers.0.x, layers.1.x -> layers.{0, 1}.x, as transformers' load report writes them."""
    keys = list(keys)
    try:
        from transformers.utils.loading_report import update_key_name
    except ImportError:
        return keys
    return [str(k) for k in update_key_name(keys)]  # type: ignore[arg-type]


def _size(shape: Iterable[int]) -> str:
    return f"torch.Size([{', '.join(map(str, shape))}])"


def _rows(rows: list[str]) -> str:
    shown = rows[:MAX_ROWS]
    more = [f"... and {len(rows) - MAX_ROWS} more"] if len(rows) > MAX_ROWS else []
    return "\n".join(shown + more)


def report_diagnostics(
    run: Run, report: Report, model_class: str, total: int, ignore: bool
) -> None:
    if report.mismatched:
        rows = [
            f"{k} | MISMATCH | Reinit due to size mismatch - ckpt: {_size(c)} vs model:{_size(m)}"
            for k, c, m in report.mismatched
        ]
        head = f"{len(rows)} weights of {model_class} have another shape in the checkpoint:"
        tail = f"MISMATCH:\t{NOTES['MISMATCH']}"
        if ignore:
            run.add(
                "warning",
                f"{head}\n{_rows(rows)}\n{tail}\n(reinitialised: ignore_mismatched_sizes=True)",
            )
        else:
            run.add("error", f"{head}\n{_rows(rows)}\n{tail}\n{MISMATCH_RAISES}")
    if report.missing:
        rows = [f"{k} | MISSING" for k in _collapse(report.missing)]
        run.add(
            "warning",
            f"{len(report.missing)} weights of {model_class} are not in the checkpoint:\n"
            f"{_rows(rows)}\nMISSING:\t{NOTES['MISSING']}",
        )
    if report.unexpected:
        rows = [f"{k} | UNEXPECTED" for k in _collapse(report.unexpected)]
        # Dropping a large part of the checkpoint (an encoder) usually means the wrong class.
        severity = "warning" if 4 * len(report.unexpected) >= total else "information"
        run.add(
            severity,
            f"{len(report.unexpected)} of {total} checkpoint tensors are not used by "
            f"{model_class}:\n{_rows(rows)}\nUNEXPECTED:\t{NOTES['UNEXPECTED']}",
        )


def check_weights(run: Run, model: Any, model_class: str, ignore: bool) -> Report | None:
    folder = run.request.get("weights_dir")
    try:
        files, why = weight_files(Path(folder)) if folder else ([], "no weights at hand")
    except (OSError, ValueError, AttributeError) as exc:
        files, why = [], f"the safetensors index cannot be read ({exc})"
    if not files:
        run.details["weights"] = why
        run.add("information", f"Weights not compared: {why}.")
        return None
    run.step(f"reading the safetensors headers of {len(files)} file(s)")
    checkpoint: dict[str, tuple[int, ...]] = {}
    with run.guard():
        for path in files:
            checkpoint.update(read_header(path))
    run.details["weights"] = [str(p) for p in files]
    run.step(f"comparing {len(checkpoint)} checkpoint tensors with {model_class}")
    report = compare(model, checkpoint)
    run.details.update(
        checkpoint_tensors=len(checkpoint),
        missing=report.missing,
        unexpected=report.unexpected,
        mismatched=[[k, list(c), list(m)] for k, c, m in report.mismatched],
    )
    report_diagnostics(run, report, model_class, len(checkpoint), ignore)
    return report


def real_load(run: Run, cls: Any, config: Any, model_class: str, ignore: bool) -> Report | None:
    """from_pretrained for real, with output_loading_info=True: its own lists are the truth."""
    run.step(f"loading {model_class} with its weights")
    kwargs: dict[str, Any] = {"config": config, "output_loading_info": True, **run.hub}
    if getattr(cls, "_model_mapping", None) is not None:
        kwargs["trust_remote_code"] = run.trust
    try:
        _, info = cls.from_pretrained(run.path, ignore_mismatched_sizes=ignore, **kwargs)
    except _FINDINGS as exc:
        if is_oom(exc):
            raise
        run.details["real_load"] = {"error": f"{type(exc).__name__}: {exc}"}
        run.add("error", f"from_pretrained raised {type(exc).__name__}: {exc}")
        return None
    report = Report(
        sorted(info["missing_keys"], key=_natural),
        sorted(info["unexpected_keys"], key=_natural),
        [(k, tuple(c), tuple(m)) for k, c, m in sorted(info["mismatched_keys"])],
    )
    run.details["real_load"] = {
        "missing": report.missing,
        "unexpected": report.unexpected,
        "mismatched": [[k, list(c), list(m)] for k, c, m in report.mismatched],
    }
    return report


def _keys(keys: list[str]) -> str:
    shown = _collapse(keys)
    return ", ".join(shown[:3]) + (", ..." if len(shown) > 3 else "")


def model_summary(run: Run, label: str, model_class: str, report: Report | None) -> str:
    head = f"{run.name}: {label} builds {model_class}"
    if report is None:
        return f"{head}; weights not compared"
    parts = []
    if report.mismatched:
        keys = _keys([k for k, _, _ in report.mismatched])
        parts.append(f"{len(report.mismatched)} weights mismatched ({keys})")
    if report.missing:
        parts.append(f"{len(report.missing)} weights newly initialised ({_keys(report.missing)})")
    if report.unexpected:
        parts.append(f"{len(report.unexpected)} checkpoint tensors unused")
    return f"{head}; " + ("; ".join(parts) if parts else "every weight found in the checkpoint")


def validate_model(run: Run) -> dict[str, Any]:
    run.step("loading the config")
    _test_sleep()
    import transformers

    config, unused = load_config(run, transformers)
    run.details["transformers"] = transformers.__version__
    if run.request.get("auto_class") == "AutoConfig":
        return run.result("ok", f"{run.name}: AutoConfig loads {type(config).__name__}")
    label, cls, model_class = choose_class(run, transformers, config)
    model = build_on_meta(run, cls, config, model_class)
    model_class = type(model).__name__
    ignore = bool(unused.get("ignore_mismatched_sizes"))
    report = check_weights(run, model, model_class, ignore)
    if run.request.get("real_load"):
        del model
        loaded = real_load(run, cls, config, model_class, ignore)
        if report is None and loaded is not None:
            report_diagnostics(run, loaded, model_class, 0, ignore)
            report = loaded
    status = "error" if any(d["severity"] == "error" for d in run.diagnostics) else "ok"
    return run.result(status, model_summary(run, label, model_class, report))


# --- the tokenizer path -------------------------------------------------------------------------


def validate_tokenizer(run: Run) -> dict[str, Any]:
    run.step("loading the tokenizer")
    _test_sleep()
    import transformers

    name = str(run.request["auto_class"])
    cls = getattr(transformers, name, None)
    if cls is None:
        raise run.fail(f"transformers {transformers.__version__} has no class named {name}")
    try:
        tok = cls.from_pretrained(run.path, trust_remote_code=run.trust, **run.hub)
    except ValueError as exc:
        if "trust_remote_code" in str(exc) and not run.trust:
            raise NotRun("the tokenizer is custom code") from exc
        raise run.fail(f"ValueError: {exc}") from exc
    except _FINDINGS as exc:
        if is_oom(exc):
            raise
        raise run.fail(f"{type(exc).__name__}: {exc}{_offline_hint(run)}") from exc
    pad, side, eos = tok.pad_token, tok.padding_side, tok.eos_token
    run.details.update(
        transformers=transformers.__version__,
        tokenizer_class=type(tok).__name__,
        pad_token=pad,
        pad_token_id=tok.pad_token_id,
        padding_side=side,
        eos_token=eos,
    )
    head = f"{run.name}: {name} loads {type(tok).__name__}"
    if pad is None:
        hint = f" (here {eos!r})" if eos is not None else ""
        run.add(
            "warning",
            f"{type(tok).__name__} has no pad token: padding raises {NO_PAD} "
            f"A decoder-only model usually pads with its eos token{hint}.",
        )
        return run.result("ok", f"{head}; no pad token; padding side {side}")
    run.add("information", f"pad token {pad!r} (id {tok.pad_token_id}); padding side {side}")
    return run.result("ok", f"{head}; pad token {pad!r}; padding side {side}")


# --- entry --------------------------------------------------------------------------------------


def validate(run: Run) -> dict[str, Any]:
    try:
        if _TOKENIZER.search(str(run.request.get("auto_class") or "")):
            return validate_tokenizer(run)
        return validate_model(run)
    except Stop as stop:
        return run.result("error", f"{run.name}: {str(stop).splitlines()[0]}")
    except NotRun as exc:
        run.details["needs_trust_remote_code"] = True
        run.add("warning", f"{NOT_RUN}: {exc}.")
        return run.result("error", f"{run.name}: {NOT_RUN}")


def needed_packages(request: dict[str, Any]) -> list[str]:
    """What the request imports: a tokenizer or a config needs no torch, a model does."""
    auto_class = str(request.get("auto_class") or "")
    if _TOKENIZER.search(auto_class) or auto_class == "AutoConfig":
        return ["transformers"]
    return list(PACKAGES)


def missing_packages(names: Iterable[str]) -> list[str]:
    """Those of `names` this interpreter cannot import, found without importing them."""
    missing = []
    for name in names:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        # a namespace package (no origin) is a folder left behind by an uninstall
        if spec is None or spec.origin in (None, "namespace"):
            missing.append(name)
    return missing


def unavailable(run: Run, needed: list[str], missing: list[str]) -> dict[str, Any]:
    """The answer of an interpreter that lacks transformers or torch; the parent words it."""
    run.details.update(
        missing=missing,
        needed=needed,
        executable=sys.executable,
        python=sys.version.split()[0],
    )
    return run.result(
        "unavailable",
        f"{run.name}: cannot validate: {' and '.join(missing)} not installed in {sys.executable}",
    )


def _missing_module(exc: BaseException) -> str | None:
    if isinstance(exc, ModuleNotFoundError):
        root = (exc.name or "").partition(".")[0]
        return root if root in PACKAGES else None
    return None


def limit_memory(megabytes: object) -> None:
    """RLIMIT_AS, set before torch is imported, so a load too big fails here, not the machine."""
    if not isinstance(megabytes, int) or megabytes <= 0:
        return
    try:
        import resource
    except ImportError:  # not on this platform
        return
    limit = megabytes * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def peak_rss_mb() -> float | None:
    try:
        import resource
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def crashed(run: Run, exc: Exception) -> dict[str, Any]:
    if is_oom(exc):
        limit = run.request.get("memory_mb")
        summary = f"{run.name}: crashed: out of memory while {run.current}"
        summary += f" (memory limit {limit} MB)" if limit else ""
        run.add("warning", f"{summary}: {type(exc).__name__}: {exc}")
    else:
        summary = f"{run.name}: crashed while {run.current}: {type(exc).__name__}: {exc}"
        run.add("warning", summary)
        run.details["traceback"] = traceback.format_exc()
    return run.result("crashed", summary.splitlines()[0])


def main() -> None:
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # stray prints (transformers, remote code) must not corrupt the protocol
    request = json.loads(sys.stdin.read())
    limit_memory(request.get("memory_mb"))
    run = Run(request, channel)
    needed = needed_packages(request)
    try:
        missing = missing_packages(needed)
        result = unavailable(run, needed, missing) if missing else validate(run)
    except Exception as exc:
        module = _missing_module(exc)
        result = unavailable(run, needed, [module]) if module else crashed(run, exc)
    result["details"]["peak_rss_mb"] = peak_rss_mb()
    run.send({"result": result})
    channel.close()
    sys.stderr.flush()
    os._exit(0)  # skip interpreter teardown: torch's can be slow, and the answer is out


if __name__ == "__main__":
    main()
