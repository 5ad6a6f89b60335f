"""Family K, inference hygiene: predictions made while the model is still in train mode.

`from_pretrained` returns a model in eval mode, but `Trainer.train()` and `model.train()` leave
it in train mode, and nothing switches it back until `model.eval()`, `trainer.evaluate()` or
`trainer.predict()`. Inference in between runs with dropout: no error, just noisy outputs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import libcst as cst

from hflint.analyzers.facts import CallFact, FunctionFact, Kind, ModuleFacts, ObjectFact
from hflint.analyzers.findings import Finding, Fix, Related, Severity
from hflint.analyzers.values import Const, ObjRef
from hflint.analyzers.walk import walk
from hflint.rules.base import Example, Rule
from hflint.rules.context import RuleContext
from hflint.rules.statement_order import (
    Interpreter,
    Trail,
    comes_after,
    enclosing_loops,
    insert_line_before,
    insertion_point,
    scope_body,
)
from hflint.rules.trainer_facts import TrainerCall, all_trainers, setting, unwrap

_GRAD_OFF = frozenset({"torch.no_grad", "torch.inference_mode", "torch.set_grad_enabled"})
_TRAINER_EVAL_METHODS = frozenset({"evaluate", "predict"})


@dataclass(eq=False)
class _Event:
    kind: str  # "train", "eval", "forward", "backward"
    call: CallFact
    keys: tuple[int, ...] = ()  # ids of the models (and trainers) whose mode it sets or reads
    what: str = ""  # how the message names the call, e.g. "`trainer.train()`"
    by_trainer: bool = False  # a trainer's train(), not the model's own


@dataclass(eq=False)
class _TrainMark:
    event: _Event
    trail: Trail


@dataclass(eq=False)
class _Forward:
    event: _Event
    mark: _TrainMark
    trail: Trail
    grad_off: bool
    logits_read: bool = False
    loss_read: bool = False


@dataclass
class _Scope:
    """The calls that matter in one function (or the module body), found from the flat facts."""

    events: dict[int, _Event] = field(default_factory=dict)  # id(call node) -> event
    grad_off: set[int] = field(default_factory=set)  # ids of torch.no_grad()... call nodes


class _Models:
    """Which mode-setting calls touch which models: a trainer's `train()` moves its model too."""

    def __init__(self, facts: ModuleFacts) -> None:
        self.facts = facts
        self.trainer_model: dict[int, ObjectFact] = {}
        self.trainers_of: dict[int, list[ObjectFact]] = {}
        self.trainer_names: dict[str, ObjectFact] = {}
        self.evaluating: set[int] = set()  # trainers whose train() ends with an evaluation
        for trainer in all_trainers(facts):
            obj = trainer.obj
            if _ends_evaluating(trainer, facts):
                self.evaluating.add(id(obj))
            if obj.call.target:
                self.trainer_names[obj.call.target] = obj
            model = trainer.model()
            if model is not None:
                root = unwrap(model)
                self.trainer_model[id(obj)] = root
                self.trainers_of.setdefault(id(root), []).append(obj)

    def model_keys(self, model: ObjectFact) -> tuple[int, ...]:
        root = unwrap(model)
        return (id(root), *(id(t) for t in self.trainers_of.get(id(root), [])))

    def trainer_keys(self, trainer: ObjectFact) -> tuple[int, ...]:
        model = self.trainer_model.get(id(trainer))
        return (id(trainer),) if model is None else (id(trainer), *self.model_keys(model))

    def trainer_of_model_attr(self, node: cst.BaseExpression) -> ObjectFact | None:
        """`trainer.model` written out, for `trainer.model.eval()` / `trainer.model(...)`."""
        if (
            isinstance(node, cst.Attribute)
            and node.attr.value == "model"
            and isinstance(node.value, cst.Name)
        ):
            return self.trainer_names.get(node.value.value)
        return None

    def classify(self, call: CallFact) -> _Event | None:
        method = call.method
        if method is None:
            return None
        recv = call.receiver.obj if isinstance(call.receiver, ObjRef) else None
        func = call.node.func
        if method == "backward":
            return _Event("backward", call)
        if recv is not None and recv.kind is Kind.MODEL:
            if method == "eval" or (method == "train" and _train_off(call)):
                return _Event("eval", call, self.model_keys(recv))
            if method == "train":
                return _Event("train", call, self.model_keys(recv), f"`{_code(func)}()`")
            if method in ("__call__", "forward"):
                return _Event("forward", call, self.model_keys(recv))
            return None
        if recv is not None and recv.kind is Kind.TRAINER:
            if method == "train" and id(recv) in self.evaluating:
                return _Event("eval", call, self.trainer_keys(recv))
            if method == "train":
                what = f"`{_code(func)}()`"
                return _Event("train", call, self.trainer_keys(recv), what, by_trainer=True)
            if method in _TRAINER_EVAL_METHODS:
                return _Event("eval", call, self.trainer_keys(recv))
            if method == "model":  # trainer.model(**batch)
                return _Event("forward", call, (id(recv),))
            return None
        if isinstance(func, cst.Attribute):
            trainer = self.trainer_of_model_attr(func.value)
            if trainer is not None:
                if method == "eval" or (method == "train" and _train_off(call)):
                    return _Event("eval", call, self.trainer_keys(trainer))
                if method == "train":
                    return _Event("train", call, self.trainer_keys(trainer), f"`{_code(func)}()`")
                if method == "forward":
                    return _Event("forward", call, (id(trainer),))
        return None


def _ends_evaluating(trainer: TrainerCall, facts: ModuleFacts) -> bool:
    """`Trainer.train()` evaluates last when its arguments evaluate (`eval_strategy` "steps"
    or "epoch": 5.23's DefaultFlowCallback evaluates at the final step too) and it has an
    `eval_dataset`; the evaluation loop leaves the model in eval mode (observed)."""
    args = trainer.args()
    if (
        args is None
        or trainer.passes("eval_dataset") is not True
        or "eval_delay" in args.call.kwargs
    ):
        return False
    if trainer.overrides("evaluate", "evaluation_loop", "_maybe_log_save_evaluate", "train"):
        return False
    strategy = setting(args, "eval_strategy", facts, default="no")
    return (
        strategy is not None
        and not strategy.assumed
        and isinstance(strategy.value, str)
        and strategy.value.lower() in ("steps", "epoch")
    )


def _train_off(call: CallFact) -> bool:
    """`model.train(False)` / `model.train(mode=False)`: eval mode."""
    arg = call.arg(0, "mode")
    return arg is not None and isinstance(arg.value, Const) and arg.value.value is False


_MODULE = cst.Module(body=())


def _code(node: cst.CSTNode) -> str:
    return _MODULE.code_for_node(node)


def _scopes(facts: ModuleFacts) -> dict[int, tuple[FunctionFact | None, list[CallFact]]]:
    out: dict[int, tuple[FunctionFact | None, list[CallFact]]] = {}
    for call in facts.calls:
        key = id(call.function) if call.function is not None else 0
        out.setdefault(key, (call.function, []))[1].append(call)
    return out


class _ExprEvents:
    """Reads one statement (or header expression) in evaluation order: the scope's events and
    the `.logits` / `.loss` reads, skipping lambdas and nested definitions."""

    def __init__(self, scope: _Scope) -> None:
        self.scope = scope
        self.found: list[tuple[str, object]] = []

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def leave_Call(self, node: cst.Call) -> None:
        event = self.scope.events.get(id(node))
        if event is not None:
            self.found.append(("event", event))

    def leave_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value in ("logits", "loss"):
            self.found.append((node.attr.value, node.value))

    def leave_Subscript(self, node: cst.Subscript) -> None:
        if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            key = node.slice[0].slice.value
            if isinstance(key, cst.SimpleString) and key.evaluated_value in ("logits", "loss"):
                self.found.append((str(key.evaluated_value), node.value))


_State = dict[int, _TrainMark | None]


class _ModeRun(Interpreter[_State]):
    """Tracks, per model, the train-mode call that is still in force (None: eval or unknown).

    Paths join pessimistically: a model trained on one branch may be in train mode after it."""

    def __init__(self, scope: _Scope, decorated_grad_off: bool) -> None:
        super().__init__()
        self.scope = scope
        self.decorated_grad_off = decorated_grad_off
        self.forwards: list[_Forward] = []
        self.by_call: dict[int, _Forward] = {}
        self.result_names: dict[str, _Forward] = {}  # `out = model(**x)` -> that forward
        self.backward_trails: list[Trail] = []

    def copy(self, state: _State) -> _State:
        return dict(state)

    def merge(self, a: _State, b: _State) -> _State:
        return {k: a.get(k) or b.get(k) for k in set(a) | set(b)}

    def header(self, stmt: cst.BaseCompoundStatement, state: _State, trail: Trail) -> _State:
        exprs: list[cst.CSTNode] = []
        if isinstance(stmt, (cst.If, cst.While)):
            exprs.append(stmt.test)
        elif isinstance(stmt, cst.For):
            exprs.append(stmt.iter)
        elif isinstance(stmt, cst.With):
            exprs.extend(item.item for item in stmt.items)
        elif isinstance(stmt, cst.Match):
            exprs.append(stmt.subject)
        for expr in exprs:
            state = self._apply(expr, state, trail)
        return state

    def simple(
        self, line: cst.SimpleStatementLine | cst.SimpleStatementSuite, state: _State, trail: Trail
    ) -> _State:
        for small in line.body:
            state = self._apply(small, state, trail)
            self._bind_results(small)
        return state

    def _apply(self, node: cst.CSTNode, state: _State, trail: Trail) -> _State:
        reader = _ExprEvents(self.scope)
        walk(node, reader)
        for what, item in reader.found:
            if what == "event":
                assert isinstance(item, _Event)
                self._event(item, state, trail)
            elif isinstance(item, cst.BaseExpression):
                forward = self._forward_of(item)
                if forward is not None:
                    if what == "logits":
                        forward.logits_read = True
                    else:
                        forward.loss_read = True
        return state

    def _event(self, event: _Event, state: _State, trail: Trail) -> None:
        if event.kind == "train":
            mark = _TrainMark(event, trail)
            for key in event.keys:
                state[key] = mark
        elif event.kind == "eval":
            for key in event.keys:
                state[key] = None
        elif event.kind == "backward":
            self.backward_trails.append(trail)
        elif event.kind == "forward":
            found = next((m for m in (state.get(k) for k in event.keys) if m is not None), None)
            if found is not None:
                forward = _Forward(event, found, trail, self._grad_off(trail))
                self.forwards.append(forward)
                self.by_call[id(event.call.node)] = forward

    def _grad_off(self, trail: Trail) -> bool:
        if self.decorated_grad_off:
            return True
        return any(
            isinstance(s, cst.With) and any(id(i.item) in self.scope.grad_off for i in s.items)
            for s in trail
        )

    def _forward_of(self, expr: cst.BaseExpression) -> _Forward | None:
        if isinstance(expr, cst.Call):
            return self.by_call.get(id(expr))
        if isinstance(expr, cst.Name):
            return self.result_names.get(expr.value)
        return None

    def _bind_results(self, small: cst.BaseSmallStatement) -> None:
        targets: list[cst.BaseExpression] = []
        value: cst.BaseExpression | None = None
        if isinstance(small, cst.Assign):
            targets = [t.target for t in small.targets]
            value = small.value
        elif isinstance(small, cst.AnnAssign):
            targets, value = [small.target], small.value
        forward = self.by_call.get(id(value)) if isinstance(value, cst.Call) else None
        for target in targets:
            if isinstance(target, cst.Name):
                if forward is not None:
                    self.result_names[target.value] = forward
                else:
                    self.result_names.pop(target.value, None)


class InferenceInTrainMode(Rule):
    code = "HF971"
    name = "inference-in-train-mode"
    severity = Severity.INFO
    summary = "Inference after trainer.train() / model.train() without model.eval()"
    what = (
        "Checks, statement by statement within one function (or the module body), for a "
        "forward pass that runs inference (`model(**x)` or `model.forward(...)` whose `.logits` "
        "are read, or any forward pass inside `torch.no_grad()` / `torch.inference_mode()`) "
        "after `trainer.train()` or `model.train()`, with no `model.eval()`, "
        "`model.train(False)`, `trainer.evaluate()` or `trainer.predict()` in between.\n\n"
        "An explicit `model.train()` counts only in a scope that also trains by hand "
        "(`loss.backward()`): without one, train mode may be deliberate (Monte Carlo dropout). "
        "Left alone: forward passes whose `.loss` is read or that share a loop with "
        "`loss.backward()` (training steps), models fresh from `from_pretrained` (already in "
        "eval mode), mutually exclusive branches (`if do_train: ... else: ...`), and calls in "
        "other functions. `generate()` is not checked by this rule."
    )
    why = (
        "`Trainer.train()` leaves the model in train mode: with transformers 5.23.0, "
        "`model.training` is `False` after `from_pretrained` and `True` after `trainer.train()` "
        "(observed; `trainer.evaluate()` and `trainer.predict()` set it back to `False`). In "
        "train mode dropout stays active, so two forward passes on the same input give "
        "different logits and predictions are noisier than the model is. Nothing is printed.\n\n"
        "`generate()` does not switch modes either (five greedy generations of a dropout-heavy "
        "model in train mode gave five different outputs), but this rule does not report it."
    )
    example = """
trainer.train()
logits = model(**tok(texts, return_tensors="pt", padding=True)).logits
"""
    use_instead = """
trainer.train()
model.eval()
with torch.inference_mode():
    logits = model(**tok(texts, return_tensors="pt", padding=True)).logits
"""
    fix_safety = (
        "Safe when the scope has no training step of its own (`loss.backward()`): the fix "
        "inserts `model.eval()` before the first inference, and `Trainer.train()` switches back "
        "to train mode by itself. In a hand-written loop the fix is offered only when the "
        "loop's own `model.train()` runs again before the next training step; otherwise there "
        "is no fix, because later training would run in eval mode."
    )
    references = (
        "https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.eval",
        "transformers/modeling_utils.py (from_pretrained: `model.eval()`); "
        "transformers/trainer.py (`model.train()` in the training loop)",
    )
    triggers = (
        Example(
            """from transformers import AutoModelForSequenceClassification, AutoTokenizer, Trainer

tok = AutoTokenizer.from_pretrained("distilbert-base-uncased")
model = AutoModelForSequenceClassification.from_pretrained("distilbert-base-uncased")
trainer = Trainer(model=model, train_dataset=train_ds)
trainer.train()
logits = model(**tok(texts, return_tensors="pt", padding=True)).logits
""",
            note="the catalogue's example",
            fixed="""from transformers import AutoModelForSequenceClassification, AutoTokenizer, Trainer

tok = AutoTokenizer.from_pretrained("distilbert-base-uncased")
model = AutoModelForSequenceClassification.from_pretrained("distilbert-base-uncased")
trainer = Trainer(model=model, train_dataset=train_ds)
trainer.train()
model.eval()
logits = model(**tok(texts, return_tensors="pt", padding=True)).logits
""",
        ),
        Example(
            """from transformers import Trainer
from transformers.models.auto import AutoModelForTokenClassification


def main(train_ds, texts, tok):
    model = AutoModelForTokenClassification.from_pretrained("dslim/bert-base-NER")
    trainer = Trainer(model=model, train_dataset=train_ds)
    trainer.train()
    for text in texts:
        enc = tok(text, return_tensors="pt")
        outputs = model(**enc)
        print(outputs.logits.argmax(-1))
""",
            note="deep import, inside a function, logits read through a variable in a loop",
            fixed="""from transformers import Trainer
from transformers.models.auto import AutoModelForTokenClassification


def main(train_ds, texts, tok):
    model = AutoModelForTokenClassification.from_pretrained("dslim/bert-base-NER")
    trainer = Trainer(model=model, train_dataset=train_ds)
    trainer.train()
    model.eval()
    for text in texts:
        enc = tok(text, return_tensors="pt")
        outputs = model(**enc)
        print(outputs.logits.argmax(-1))
""",
        ),
        Example(
            """import torch
import transformers as tf

model = tf.AutoModelForSequenceClassification.from_pretrained("bert-base-cased", num_labels=3)
optimizer = torch.optim.AdamW(model.parameters(), lr=2e-5)

for epoch in range(3):
    model.train()
    for batch in train_loader:
        loss = model(**batch).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    with torch.no_grad():
        for batch in val_loader:
            preds = model(**batch).logits.argmax(-1)
""",
            note="hand-written loop: validation under no_grad but still in train mode",
            fixed="""import torch
import transformers as tf

model = tf.AutoModelForSequenceClassification.from_pretrained("bert-base-cased", num_labels=3)
optimizer = torch.optim.AdamW(model.parameters(), lr=2e-5)

for epoch in range(3):
    model.train()
    for batch in train_loader:
        loss = model(**batch).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    model.eval()
    with torch.no_grad():
        for batch in val_loader:
            preds = model(**batch).logits.argmax(-1)
""",
        ),
        Example(
            """import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer

base = AutoModelForCausalLM.from_pretrained("gpt2")
model = get_peft_model(base, LoraConfig(task_type="CAUSAL_LM"))
trainer = Trainer(model=model, train_dataset=ds)
trainer.train()
with torch.inference_mode():
    out = trainer.model(**batch)
""",
            note="PEFT wrapper, forward through `trainer.model` under inference_mode",
            fixed="""import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer

base = AutoModelForCausalLM.from_pretrained("gpt2")
model = get_peft_model(base, LoraConfig(task_type="CAUSAL_LM"))
trainer = Trainer(model=model, train_dataset=ds)
trainer.train()
trainer.model.eval()
with torch.inference_mode():
    out = trainer.model(**batch)
""",
        ),
        Example(
            """import torch
from transformers import AutoModelForSequenceClassification

model = AutoModelForSequenceClassification.from_pretrained("roberta-base", num_labels=2)
model.train()
for batch in loader:
    out = model(**batch)
    out.loss.backward()

probs = torch.softmax(model(**test_batch).logits, dim=-1)
""",
            note="after a hand-written training loop, outside it",
            fixed="""import torch
from transformers import AutoModelForSequenceClassification

model = AutoModelForSequenceClassification.from_pretrained("roberta-base", num_labels=2)
model.train()
for batch in loader:
    out = model(**batch)
    out.loss.backward()

model.eval()
probs = torch.softmax(model(**test_batch).logits, dim=-1)
""",
        ),
    )
    near_misses = (
        Example(
            """from transformers import AutoModelForSequenceClassification, Trainer

model = AutoModelForSequenceClassification.from_pretrained("distilbert-base-uncased")
trainer = Trainer(model=model, train_dataset=train_ds, eval_dataset=val_ds)
trainer.train()
print(trainer.evaluate())
logits = model(**batch).logits
""",
            note="trainer.evaluate() puts the model back in eval mode",
        ),
        Example(
            """from transformers import AutoModelForSequenceClassification, Trainer, TrainingArguments

model = AutoModelForSequenceClassification.from_pretrained("distilbert-base-uncased")
args = TrainingArguments("out", eval_strategy="epoch", save_strategy="epoch")
trainer = Trainer(model=model, args=args, train_dataset=train_ds, eval_dataset=val_ds)
trainer.train()
logits = model(**batch).logits
""",
            note="train() evaluates at the end of its last epoch, leaving eval mode",
        ),
        Example(
            """from transformers import AutoModelForSequenceClassification

model = AutoModelForSequenceClassification.from_pretrained("distilbert-base-uncased")
logits = model(**batch).logits
""",
            note="from_pretrained already returns the model in eval mode",
        ),
        Example(
            """from transformers import AutoModelForSeq2SeqLM, Seq2SeqTrainer

model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")
trainer = Seq2SeqTrainer(model=model, train_dataset=ds)
trainer.train()
ids = model.generate(**inputs, max_new_tokens=64)
""",
            note="generate() is not checked",
        ),
        Example(
            """from transformers import AutoModelForCausalLM

model = AutoModelForCausalLM.from_pretrained("gpt2")
model.train()
for batch in loader:
    outputs = model(**batch)
    outputs.loss.backward()
    optimizer.step()
""",
            note="a training step: the loss is read and back-propagated",
        ),
        Example(
            """from transformers import AutoModelForSequenceClassification, Trainer

model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased")
trainer = Trainer(model=model, train_dataset=ds)
if args.do_train:
    trainer.train()
else:
    logits = model(**batch).logits
""",
            note="exclusive branches",
        ),
        Example(
            """import torch
from transformers import AutoModelForSequenceClassification, Trainer

model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased")
trainer = Trainer(model=model, train_dataset=ds)
trainer.train()
model.eval()
with torch.no_grad():
    logits = model(**batch).logits
""",
        ),
        Example(
            """from transformers import AutoModelForSequenceClassification, Trainer

model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased")
trainer = Trainer(model=model, train_dataset=ds)
trainer.train()
trainer.save_model("out")
model = AutoModelForSequenceClassification.from_pretrained("out")
logits = model(**batch).logits
""",
            note="reloaded from disk: a new model, in eval mode",
        ),
        Example(
            """from transformers import AutoModelForSequenceClassification, Trainer

model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased")
trainer = Trainer(model=model, train_dataset=ds)

def train():
    trainer.train()

def predict(batch):
    return model(**batch).logits
""",
            note="different functions: the order they run in is not known",
        ),
        Example(
            """from transformers import AutoModelForSequenceClassification

model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased")
model.train()
for batch in loader:
    model(**batch).loss.backward()
model.train(False)
logits = model(**batch).logits
""",
            note="train(False) is eval mode",
        ),
        Example(
            """import torch
from transformers import AutoModelForSequenceClassification

model = AutoModelForSequenceClassification.from_pretrained("my-finetuned-model")
model.train()  # keep dropout on: Monte Carlo dropout
with torch.no_grad():
    samples = torch.stack([model(**batch).logits.softmax(-1) for _ in range(20)])
""",
            note="train mode on purpose: nothing in the scope trains",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        models: _Models | None = None
        for fn, calls in _scopes(ctx.facts).values():
            if not _may_apply(calls):
                continue
            if models is None:
                models = _Models(ctx.facts)
            scope = _Scope()
            trained = False
            # by hand, train() may be deliberate (Monte Carlo dropout) unless the scope trains
            hand_training = any(c.method == "backward" for c in calls)
            for call in calls:
                event = models.classify(call)
                if event is not None and event.kind == "train" and not event.by_trainer:
                    event = event if hand_training else None
                if event is not None and (trained or event.kind == "train"):
                    trained = trained or event.kind == "train"
                    scope.events[id(call.node)] = event
                if _is_grad_off(call):
                    scope.grad_off.add(id(call.node))
            if not any(e.kind == "forward" for e in scope.events.values()):
                continue
            yield from self._check_scope(ctx, fn, scope)

    def _check_scope(
        self, ctx: RuleContext, fn: FunctionFact | None, scope: _Scope
    ) -> Iterator[Finding]:
        decorated = fn is not None and any(
            id(d.decorator) in scope.grad_off for d in fn.node.decorators
        )
        runner = _ModeRun(scope, decorated)
        node: cst.Module | cst.FunctionDef = ctx.module if fn is None else fn.node
        runner.run(scope_body(node), {})
        backward_loops = {id(loop) for t in runner.backward_trails for loop in enclosing_loops(t)}
        reported: set[int] = set()
        for forward in runner.forwards:
            if id(forward.mark) in reported or not _is_inference(forward, runner, backward_loops):
                continue
            reported.add(id(forward.mark))
            yield self._report(ctx, forward, runner)

    def _report(self, ctx: RuleContext, forward: _Forward, runner: _ModeRun) -> Finding:
        call = forward.event.call
        mark = forward.mark.event
        recv = _receiver_code(call)
        line = ctx.range(mark.call.node).start.line
        why = (
            "`Trainer.train()` leaves the model in train mode (`model.training` stays `True`; "
            "only `model.eval()`, `trainer.evaluate()` or `trainer.predict()` switch it back)"
            if mark.by_trainer
            else f"{mark.what} switched it to train mode and nothing switched it back"
        )
        how = "under a no-grad context" if forward.grad_off else "its `.logits` are read"
        message = (
            f"`{_code(call.node.func)}(...)` runs inference ({how}) after {mark.what} on line "
            f"{line}, with no `{recv}.eval()` in between: {why}. Dropout is still active, so "
            f"the outputs are noisy and change from run to run. Call `{recv}.eval()` before "
            "inference."
        )
        fix = self._fix(ctx, forward, runner, recv)
        related = [Related(f"train mode set here by {mark.what}", ctx.range(mark.call.node))]
        return ctx.report(self, call.node, message, fix=fix, related=related)

    @staticmethod
    def _fix(ctx: RuleContext, forward: _Forward, runner: _ModeRun, recv: str) -> Fix | None:
        """`model.eval()` on a line of its own before the statement that leads to the first
        inference; none when a training step could run after it without `train()` again."""
        at = insertion_point(forward.mark.trail, forward.trail)
        if at is None:
            return None
        index = forward.trail.index(at)
        at_trail = forward.trail[: index + 1]
        loops_around = {id(s) for s in enclosing_loops(forward.trail[:index])}
        mark_trail = {id(s) for s in forward.mark.trail}
        for trail in runner.backward_trails:
            # a training step that would run after the inserted line, in eval mode
            if at in trail or comes_after(runner, trail, at_trail):
                return None
            again = [s for s in enclosing_loops(trail) if id(s) in loops_around]
            if any(id(s) not in mark_trail for s in again):
                return None  # the loop comes back to it without calling train() again
        edit = insert_line_before(ctx, at, f"{recv}.eval()")
        if edit is None:
            return None
        return ctx.fix(f"Call `{recv}.eval()` before inference", [edit], safe=True)


def _may_apply(calls: list[CallFact]) -> bool:
    """Cheap test on the flat call list: a `.train()` call followed by a possible forward."""
    seen_train = False
    for call in calls:
        if call.method == "train":
            seen_train = True
        elif seen_train and call.method in ("__call__", "forward", "model"):
            return True
    return False


def _is_grad_off(call: CallFact) -> bool:
    if call.qualname not in _GRAD_OFF:
        return False
    if call.qualname == "torch.set_grad_enabled":
        arg = call.arg(0, "mode")
        return arg is not None and isinstance(arg.value, Const) and arg.value.value is False
    return True


def _is_inference(forward: _Forward, runner: _ModeRun, backward_loops: set[int]) -> bool:
    if forward.grad_off:
        return True
    if not forward.logits_read or forward.loss_read:
        return False
    loops = enclosing_loops(forward.trail)
    if loops:
        return id(loops[-1]) not in backward_loops
    return not any(comes_after(runner, t, forward.trail) for t in runner.backward_trails)


def _receiver_code(call: CallFact) -> str:
    func = call.node.func
    if call.method == "forward" and isinstance(func, cst.Attribute):
        return _code(func.value)
    return _code(func)
