"""Which pipeline task to suggest for a misspelt one: a task that fits the model, when known.

Spelling alone suggests `image-text-to-text` for `speech-to-text`; with the model's checkpoint
known, only tasks whose Auto classes build its `model_type` are candidates, and among them the
ones that list the checkpoint's own head (`WhisperForConditionalGeneration` ->
`AutoModelForSpeechSeq2Seq` -> `automatic-speech-recognition`) come first.
"""

from __future__ import annotations

import difflib

from hflint.analyzers.knowledge import UNKNOWN, Knowledge
from hflint.rules.context import Checkpoint, RuleContext
from hflint.rules.pipeline_facts import PipelineTask

# Tasks any base model serves: never suggested on the model's account alone.
_GENERIC_TASKS = frozenset(
    {"feature-extraction", "image-feature-extraction", "zero-shot-audio-classification"}
)


def _fitting(kn: Knowledge, ckpt: Checkpoint, names: list[str]) -> tuple[list[str], list[str]]:
    """(tasks whose Auto classes build the checkpoint's model type, those of them that list
    the checkpoint's own head), each a subset of `names` (aliases included)."""
    model_type = ckpt.facts.model_type or ""
    heads = {kn.head_of(a) for a in ckpt.facts.architectures} - {None}
    fits: list[str] = []
    own: list[str] = []
    for name in names:
        info = kn.tasks.get(kn.task_aliases.get(name, name))
        if info is None:
            continue
        built = [
            kn.resolve(model_type, auto, ckpt.facts.architectures) for auto in info.auto_classes
        ]
        if not any(b not in (None, UNKNOWN) for b in built):
            continue
        fits.append(name)
        if heads & set(info.auto_classes) and name not in _GENERIC_TASKS:
            own.append(name)
    return fits, own


def suggest_task(ctx: RuleContext, task: PipelineTask, names: list[str]) -> list[str]:
    """The task to suggest for `task.name` (at most one), or none.

    Without a known checkpoint: the closest name by spelling. With one: the closest fitting
    task by spelling; else the fitting task of the checkpoint's own head closest in spelling;
    else nothing (a spelling match the model cannot serve is no help)."""
    kn = ctx.target_knowledge
    close = difflib.get_close_matches(task.name, names, n=1, cutoff=0.6)
    ckpt = ctx.checkpoint(task.obj)
    if ckpt is None or not ckpt.facts.model_type or ckpt.facts.model_type not in kn.config_mapping:
        return close
    fits, own = _fitting(kn, ckpt, names)
    if not fits:
        return close
    spelled = difflib.get_close_matches(task.name, fits, n=1, cutoff=0.6)
    if spelled and spelled[0] not in _GENERIC_TASKS:
        return spelled
    if own:
        return difflib.get_close_matches(task.name, own, n=1, cutoff=0.0)
    return []
