"""What the pipeline() rules (HF701-HF706) share: the calls, their task, and its fate.

A task name is judged the way `transformers.pipeline()` of the target version judges it:
`_resolve_deprecated_task` (redirects, removed tasks, parametrised `translation_xx_to_yy`)
first, then `PIPELINE_REGISTRY.check_task` (aliases, then SUPPORTED_TASKS). Every list comes
from the target's sources (Knowledge); none is written here.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from hflint.analyzers.facts import Arg, CallFact, Kind, ObjectFact
from hflint.analyzers.knowledge import Knowledge
from hflint.analyzers.values import Const, ObjRef, const_str, const_value
from hflint.rules.context import RuleContext
from hflint.rules.generation_facts import receiver_is_stable

PIPELINE = "transformers.pipeline"


class TaskState(enum.Enum):
    SUPPORTED = "supported"  # a SUPPORTED_TASKS key (or a parametrised form of one)
    ALIAS = "alias"  # TASK_ALIASES: sentiment-analysis -> text-classification
    REDIRECTED = "redirected"  # 5.x: image-to-text -> image-text-to-text, with a warning
    REMOVED = "removed"  # REMOVED_TASKS (KeyError)
    UNKNOWN = "unknown"  # KeyError: Unknown task


@dataclass(frozen=True)
class TaskFate:
    state: TaskState
    resolved: str  # the SUPPORTED_TASKS / REMOVED_TASKS key, or the redirect's target


def task_fate(kn: Knowledge, task: str) -> TaskFate:
    """What `pipeline(task)` of the version `kn` was read from does with this name."""
    if task in kn.task_redirects:
        return TaskFate(TaskState.REDIRECTED, kn.task_redirects[task])
    base = next((t for p, t in kn.task_prefixes.items() if task.startswith(p)), task)
    if base in kn.removed_tasks:
        return TaskFate(TaskState.REMOVED, base)
    if task in kn.task_aliases:
        return TaskFate(TaskState.ALIAS, kn.task_aliases[task])
    if base in kn.tasks:
        return TaskFate(TaskState.SUPPORTED, base)
    return TaskFate(TaskState.UNKNOWN, task)


@dataclass(frozen=True)
class PipelineTask:
    """The task argument of one `pipeline(...)` call, when it is a constant string."""

    obj: ObjectFact
    arg: Arg
    name: str
    assumed: str = ""  # e.g. "the argparse default of `--task`": the command line may differ
    pattern: str = ""  # an f-string's constant start (`translation_`): `name` is its template

    @property
    def certain(self) -> bool:
        return not self.assumed

    @property
    def decides(self) -> str:
        """The name `task_fate` judges: the task, or an f-string's constant start."""
        return self.pattern or self.name

    @property
    def literal(self) -> cst.SimpleString | None:
        """The string literal written in the call, when the task is one (fixes edit it)."""
        expr = self.arg.expr
        if isinstance(expr, cst.SimpleString) and "b" not in expr.prefix.lower():
            return expr
        return None

    def assumption(self) -> str:
        return f" (assuming {self.assumed})" if self.assumed else ""


def transformers_pipelines(ctx: RuleContext) -> Iterator[ObjectFact]:
    """`transformers.pipeline(...)` calls, however imported; not a project's own `pipeline`."""
    for obj in ctx.objects(Kind.PIPELINE):
        if obj.qualname != PIPELINE or obj.user_class is not None:
            continue
        if any(a.star == "*" for a in obj.node.args):
            continue  # pipeline(*spec): which argument is the task is not known
        yield obj


def pipeline_calls(ctx: RuleContext) -> list[tuple[CallFact, ObjectFact]]:
    """Calls of transformers' pipelines (`pipe(inputs, ...)`), with the pipeline called."""
    return ctx.shared_list(_pipeline_calls)


def _pipeline_calls(ctx: RuleContext) -> Iterator[tuple[CallFact, ObjectFact]]:
    pipes = {id(obj) for obj in transformers_pipelines(ctx)}
    for call in ctx.facts.calls_to("__call__") if pipes else ():
        receiver = call.receiver.obj if isinstance(call.receiver, ObjRef) else None
        stable = receiver is not None and id(receiver) in pipes
        if stable and receiver is not None and receiver_is_stable(ctx, call, receiver):
            yield call, receiver


def task_of(obj: ObjectFact) -> PipelineTask | None:
    arg = obj.call.arg(0, "task")
    if arg is None or not isinstance(arg.value, Const) or not isinstance(arg.value.value, str):
        return None
    assumed = ""
    if arg.value.overridable:
        assumed = arg.value.origin or "a default the command line can change"
    return PipelineTask(obj, arg, arg.value.value, assumed)


def task_pattern_of(kn: Knowledge, obj: ObjectFact) -> PipelineTask | None:
    """An f-string task whose constant start already decides the task, whatever its fields
    hold: `f"translation_{src}_to_{tgt}"` is a `translation_` task (removed in 5.x). The
    name is the f-string's text (`translation_{src}_to_{tgt}`); None for other tasks."""
    arg = obj.call.arg(0, "task")
    expr = arg.expr if arg is not None else None
    if arg is None or not isinstance(expr, cst.FormattedString):
        return None  # (whatever its fields resolve to: the start decides)
    head = ""
    for part in expr.parts:
        if not isinstance(part, cst.FormattedStringText):
            break
        head += part.value
    if not any(head.startswith(prefix) for prefix in kn.task_prefixes):
        return None
    code = cst.Module(body=[]).code_for_node
    name = "".join(
        p.value if isinstance(p, cst.FormattedStringText) else f"{{{code(p.expression)}}}"
        for p in expr.parts
        if isinstance(p, (cst.FormattedStringText, cst.FormattedStringExpression))
    )
    return PipelineTask(obj, arg, name, pattern=head)


def registered_tasks(ctx: RuleContext) -> set[str]:
    """Tasks the project adds with `PIPELINE_REGISTRY.register_pipeline(...)`."""
    return ctx.shared(_registered_tasks)


def _registered_tasks(ctx: RuleContext) -> set[str]:
    tasks = set(ctx.registrations.pipeline_tasks)
    for call in ctx.facts.calls_to("register_pipeline"):
        arg = call.arg(0, "task")
        name = const_str(arg.value) if arg is not None else None
        if name:
            tasks.add(name)
    return tasks


def given(obj: ObjectFact, name: str) -> Arg | None:
    """A keyword passed with a value other than a literal None."""
    arg = obj.kw(name)
    if arg is None or (isinstance(arg.value, Const) and arg.value.value is None):
        return None
    return arg


def is_false(arg: Arg | None) -> bool:
    return arg is not None and const_value(arg.value, default=True) is False


def quoted(literal: cst.SimpleString, text: str) -> str:
    """`text` as a string literal written like `literal` (same prefix and quotes)."""
    return f"{literal.prefix}{literal.quote}{text}{literal.quote}"
