"""HF951: `trust_remote_code=True` on a Hub checkpoint whose code revision is not pinned.

The flag runs Python files from the repository. A full commit hash in `revision=` (and in
`code_revision=` when the config's `auto_map` points at another repository) fixes which code
runs; a branch or tag name does not. Local folders are exempt: their code is on disk.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import libcst as cst

from hflint.analyzers.checkpoints import is_repo_id, local_folder
from hflint.analyzers.facts import Arg, Kind, ObjectFact
from hflint.analyzers.findings import Edit, Finding, Fix, Related, Severity
from hflint.analyzers.knowledge import UNKNOWN
from hflint.analyzers.values import Const, const_str, const_value
from hflint.rules.base import Example, Rule
from hflint.rules.context import Checkpoint, RuleContext
from hflint.rules.remote_code_facts import (
    auto_classes_for,
    builtin_note,
    builtin_overridden,
    callee,
    finding_at,
    in_call,
    native_classes,
)

PLACEHOLDER = "<commit-sha>"
_SHA = re.compile(r"[0-9a-f]{40}", re.IGNORECASE)
NEW_VERSION_WARNING = (
    "A new version of the following files was downloaded from https://huggingface.co/{repo}:\n"
    "- modeling_x.py\n. Make sure to double-check they do not contain any added malicious "
    "code. To avoid downloading new versions of the code file, you can pin a revision."
)
# The same, on one line for a diagnostic: the list of files is elided.
NEW_VERSION_LOG = (
    "A new version of the following files was downloaded from https://huggingface.co/{repo}: "
    "[...]. Make sure to double-check they do not contain any added malicious code. To avoid "
    "downloading new versions of the code file, you can pin a revision."
)
CUSTOM_CODE_ERROR = (
    "The repository {repo} contains custom code which must be executed to correctly load the "
    "model. You can inspect the repository content at https://hf.co/{repo} ."
)
_REMOTE_KINDS = (Kind.MODEL, Kind.CONFIG, Kind.TOKENIZER, Kind.PROCESSOR, Kind.PIPELINE)


def pinned(value: str) -> bool:
    return _SHA.fullmatch(value) is not None


def looks_local(name: str) -> bool:
    """Paths as written: `./x`, `../x`, `/x`, `~/x`, `C:\\x`, or a name no repo id can have."""
    return (
        name.startswith((".", "/", "~", "\\"))
        or re.match(r"[A-Za-z]:[\\/]", name) is not None
        or not is_repo_id(name)
    )


def _checkpoint_arg(obj: ObjectFact) -> Arg | None:
    if obj.kind is Kind.PIPELINE:
        return obj.call.arg(1, "model")
    if obj.method == "from_pretrained":
        return obj.call.arg(0, "pretrained_model_name_or_path")
    return None


class TrustRemoteCodeUnpinned(Rule):
    code = "HF951"
    name = "trust-remote-code-unpinned"
    severity = Severity.WARNING
    summary = "trust_remote_code=True on a Hub repo without a pinned commit"
    what = (
        "Checks for `trust_remote_code=True` in `from_pretrained(...)` or `pipeline(...)` when "
        "the checkpoint is a Hub repository (`org/name`, not a local folder) and `revision=` "
        "is missing or not a full 40-character commit hash; also when the config's `auto_map` "
        "takes the code from another repository (`other/repo--modeling.Class`) and "
        "`code_revision=` is not pinned. When the checkpoint's config is known, has no "
        "`auto_map` and its `model_type` is built into transformers, the flag is reported as "
        "unnecessary instead (hint)."
    )
    why = (
        "The flag downloads and runs the repository's Python files with your permissions. "
        "Without a pinned commit, every load runs whatever the repository holds now, and "
        "transformers only logs:\n\n"
        f"    {NEW_VERSION_WARNING.format(repo='<repo>')}\n\n"
        '(with `revision="main"` it does not even log that). A branch or tag can be moved '
        "to other code at any time; a commit hash cannot. Without the flag a custom-code "
        "repository refuses to load: "
        f"`ValueError: {CUSTOM_CODE_ERROR.format(repo='<repo>')}`, which is why the flag gets "
        "added in a hurry."
    )
    example = (
        "from transformers import AutoModel\n"
        'model = AutoModel.from_pretrained("someorg/custom-arch", trust_remote_code=True)'
    )
    use_instead = (
        "from transformers import AutoModel\n"
        "model = AutoModel.from_pretrained(\n"
        '    "someorg/custom-arch",\n'
        "    trust_remote_code=True,\n"
        '    revision="0123456789abcdef0123456789abcdef01234567",  # the commit you reviewed\n'
        ")"
    )
    fix_safety = (
        f'Unsafe: the fix inserts `revision="{PLACEHOLDER}"` (or `code_revision=`), a '
        "placeholder that fails to load until you replace it with the hash of the commit you "
        "reviewed. For an unnecessary flag the fix removes it; unsafe, because a later "
        "revision of the repository could start shipping code."
    )
    references = (
        "https://huggingface.co/docs/transformers/custom_models#using-a-model-with-custom-code",
        "transformers/dynamic_module_utils.py (get_cached_module_file, "
        "get_class_from_dynamic_module, resolve_trust_remote_code)",
    )
    triggers = (
        Example(
            "from transformers import AutoModel\n"
            'model = AutoModel.from_pretrained("someorg/custom-arch", trust_remote_code=True)\n',
            fixed="from transformers import AutoModel\n"
            'model = AutoModel.from_pretrained("someorg/custom-arch", trust_remote_code=True, '
            f'revision="{PLACEHOLDER}")\n',
        ),
        Example(
            "import transformers as tf\n"
            'MODEL_ID = "microsoft/phi-1_5"\n'
            "model = tf.AutoModelForCausalLM.from_pretrained(\n"
            '    MODEL_ID, trust_remote_code=True, revision="main"\n'
            ")\n",
            note="a branch is not a commit",
            fixed="import transformers as tf\n"
            'MODEL_ID = "microsoft/phi-1_5"\n'
            "model = tf.AutoModelForCausalLM.from_pretrained(\n"
            f'    MODEL_ID, trust_remote_code=True, revision="{PLACEHOLDER}"\n'
            ")\n",
        ),
        Example(
            "from transformers import pipeline\n"
            "def make():\n"
            "    return pipeline(\n"
            '        "text-generation", model="tiiuae/falcon-7b", trust_remote_code=True\n'
            "    )\n",
        ),
        Example(
            "import argparse\n"
            "from transformers import AutoTokenizer\n"
            "parser = argparse.ArgumentParser()\n"
            'parser.add_argument("--model", default="Qwen/Qwen-7B-Chat")\n'
            "args = parser.parse_args()\n"
            "tok = AutoTokenizer.from_pretrained(args.model, trust_remote_code=True)\n",
            note="an argparse default: reported one step lower",
        ),
    )
    near_misses = (
        Example(
            "from transformers import AutoModel\n"
            'REVISION = "4f3c2a1b9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a"\n'
            "model = AutoModel.from_pretrained(\n"
            '    "someorg/custom-arch", trust_remote_code=True, revision=REVISION\n'
            ")\n",
            note="pinned through a constant",
        ),
        Example(
            "from transformers import AutoModelForCausalLM\n"
            'model = AutoModelForCausalLM.from_pretrained("./checkpoint-500", trust_remote_code=True)\n',
            note="a local folder",
        ),
        Example(
            "import os\n"
            "from transformers import AutoModel\n"
            'model = AutoModel.from_pretrained(os.environ["MODEL"], trust_remote_code=True)\n',
            note="unknown checkpoint",
        ),
        Example(
            "from transformers import AutoModel\n"
            'model = AutoModel.from_pretrained("someorg/custom-arch", trust_remote_code=False)\n',
        ),
        Example(
            "from transformers import AutoModel\n"
            "def load(rev):\n"
            '    return AutoModel.from_pretrained("someorg/x", trust_remote_code=True, revision=rev)\n',
            note="a revision chosen by the caller",
        ),
        Example(
            "from transformers import AutoModel\n"
            'model = AutoModel.from_pretrained("~/models/custom", trust_remote_code=True)\n',
            note="a home-relative path",
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for obj in ctx.facts.objects:
            flag = obj.kw("trust_remote_code")
            if (
                flag is None
                or obj.kind not in _REMOTE_KINDS
                or not isinstance(flag.value, Const)
                or flag.value.value is not True
            ):
                continue
            arg = _checkpoint_arg(obj)
            name = const_str(arg.value) if arg is not None else None
            if arg is None or name is None or self._local(ctx, name):
                continue
            assumed = [
                v.origin or "a default"
                for v in (arg.value, flag.value)
                if isinstance(v, Const) and v.overridable
            ]
            offline = obj.kw("local_files_only")
            if offline is not None and const_value(offline.value) is True:
                assumed.append("the cache already holds code you reviewed (local_files_only=True)")
            finding = self._judge(ctx, obj, flag, name, arg, assumed)
            if finding is not None:
                yield finding

    @staticmethod
    def _local(ctx: RuleContext, name: str) -> bool:
        if looks_local(name) or "/" not in name:
            # one-segment ids are the legacy canonical repos (gpt2, bert-base-uncased), all
            # built into transformers; a custom-code repo always has an owner
            return True
        if any(saved.path == name.rstrip("/") for saved in ctx.facts.saved_paths):
            return True
        file_dir = ctx.path.parent if ctx.path is not None else None
        return local_folder(name, file_dir, Path.cwd()) is not None

    def _judge(
        self,
        ctx: RuleContext,
        obj: ObjectFact,
        flag: Arg,
        name: str,
        arg: Arg,
        assumed: list[str],
    ) -> Finding | None:
        ckpt = ctx.checkpoint_of_value(arg.value, obj)
        if ckpt is not None and self._needless(ctx, obj, ckpt):
            return self._needless_finding(ctx, obj, flag, ckpt)
        download = getattr(obj, "downloaded", None)  # the engine's snapshot_download link
        if download is not None:
            # snapshot_download always fetches from the Hub, whatever repository it is given
            origin = arg.value.origin if isinstance(arg.value, Const) else ""
            assumed = [a for a in assumed if a != (origin or "a default")]
            return self._downloaded(ctx, obj, flag, name, download, ckpt, assumed)
        builtin = builtin_overridden(ctx, obj, ckpt) if ckpt is not None else None
        if ckpt is not None and builtin is not None:
            return self._overrides_builtin(ctx, obj, flag, ckpt, builtin, assumed)
        severity = self.severity.lowered() if assumed else self.severity
        suffix = f" (Assuming {', '.join(assumed)}.)" if assumed else ""
        revision = obj.kw("revision")
        explicit_none = (
            revision is not None
            and isinstance(revision.value, Const)
            and revision.value.value is None
        )
        if revision is None or explicit_none:
            message = (
                f"`trust_remote_code=True` runs the Python files of the Hub repository `{name}`, "
                "and no `revision=` pins them: every load runs whatever the repository holds "
                "at that moment, and when the files change transformers only logs `"
                + NEW_VERSION_LOG.format(repo=name)
                + "`. Pin `revision=` to the full commit hash you reviewed."
                + self._native_note(ctx, obj, ckpt)
                + suffix
            )
            fix = None
            if revision is not None and in_call(obj, revision):
                fix = self._pin_fix(
                    ctx, "revision", [ctx.replace(revision.expr, f'"{PLACEHOLDER}"')]
                )
            elif revision is None and not obj.call.has_star_kwargs:
                fix = self._pin_fix(
                    ctx, "revision", [ctx.add_kwarg(obj.node, f'revision="{PLACEHOLDER}"')]
                )
            return ctx.report(self, finding_at(obj, flag), message, fix=fix, severity=severity)
        value = const_str(revision.value) if isinstance(revision.value, Const) else None
        if value is None:
            return None  # chosen at run time: cannot be judged here
        if isinstance(revision.value, Const) and revision.value.overridable:
            severity = self.severity.lowered()
            suffix += f" (Assuming {revision.value.origin or 'a default'}.)"
        if not pinned(value):
            what = "a placeholder" if value == PLACEHOLDER else f"`{value}`, a name that can move"
            message = (
                f"`trust_remote_code=True` runs the Python files of the Hub repository `{name}` "
                f"at revision {what}, not a commit: the code that runs can change without "
                "notice (and with an explicit revision transformers does not even log the "
                "download). Pin `revision=` to the full 40-character commit hash you reviewed."
                + suffix
            )
            fix_pin = None
            if value != PLACEHOLDER and in_call(obj, revision):
                edit = ctx.replace(revision.expr, f'"{PLACEHOLDER}"')
                fix_pin = self._pin_fix(ctx, "revision", [edit])
            elif not in_call(obj, revision):
                message += " The revision is chosen where the load's arguments are written."
            at: cst.CSTNode = revision.expr if in_call(obj, revision) else obj.node.func
            return ctx.report(self, at, message, fix=fix_pin, severity=severity)
        upstream = self._upstream(ckpt)
        if upstream is None:
            return None
        code_rev = obj.kw("code_revision")
        code_value = const_str(code_rev.value) if code_rev is not None else None
        if code_rev is not None and (code_value is None or pinned(code_value)):
            return None
        message = (
            f"`{name}` is pinned, but its config's `auto_map` takes the code from another "
            f"repository, `{upstream}`, which `revision=` does not pin: transformers loads "
            f"that code at `code_revision` (its `main` when unset). Pin `code_revision=` to a "
            "commit of that repository." + suffix
        )
        node: cst.CSTNode
        if code_rev is None:
            edits = [ctx.add_kwarg(obj.node, f'code_revision="{PLACEHOLDER}"')]
            node = finding_at(obj, flag)
        else:
            edits = [ctx.replace(code_rev.expr, f'"{PLACEHOLDER}"')]
            node = finding_at(obj, code_rev)
        fix = self._pin_fix(ctx, "code_revision", edits) if node is not obj.node.func else None
        return ctx.report(self, node, message, fix=fix, severity=severity)

    def _downloaded(
        self,
        ctx: RuleContext,
        obj: ObjectFact,
        flag: Arg,
        name: str,
        download: Any,
        ckpt: Checkpoint | None,
        assumed: list[str],
    ) -> Finding:
        """A load of a folder `snapshot_download` filled without a pinned revision."""
        call = download.call
        line = ctx.range(call.node).start.line
        message = (
            f"`trust_remote_code=True` runs the Python files of a folder that "
            f"`{callee(call)}` (line {line}) fills from the Hub repository `{name}` without "
            "a pinned revision: they are whatever the repository held when it was downloaded, "
            "and a local folder is never checked again. Pin `revision=` of the download to the "
            "full commit hash you reviewed."
        )
        if ckpt is not None:
            builtin = builtin_overridden(ctx, obj, ckpt)
            if builtin is not None:
                message += " " + builtin_note(ctx, ckpt, builtin)
            elif native := native_classes(ctx, ckpt):
                message += " " + native
        severity = self.severity
        if assumed:
            severity = severity.lowered()
            message += f" (Assuming {', '.join(assumed)}.)"
        revision = call.kw("revision")
        edit = (
            ctx.replace(revision.expr, f'"{PLACEHOLDER}"')
            if revision is not None
            else ctx.add_kwarg(call.node, f'revision="{PLACEHOLDER}"')
        )
        fix = self._pin_fix(ctx, "revision", [edit])
        related = [Related("downloaded here", ctx.range(call.node))]
        return ctx.report(
            self, finding_at(obj, flag), message, fix=fix, severity=severity, related=related
        )

    def _overrides_builtin(
        self,
        ctx: RuleContext,
        obj: ObjectFact,
        flag: Arg,
        ckpt: Checkpoint,
        builtin: tuple[str, str],
        assumed: list[str],
    ) -> Finding:
        revision = obj.kw("revision")
        rev = const_str(revision.value) if revision is not None else None
        message = (
            f"`trust_remote_code=True` makes transformers run the Python files of "
            f"{ckpt.describe()} instead of its built-in implementation: "
            f"{builtin_note(ctx, ckpt, builtin)}"
        )
        if rev is None or not pinned(rev):
            message += (
                " The repository's files are not pinned either: every load runs whatever it "
                "holds at that moment."
            )
        severity = self.severity
        if assumed:
            severity = severity.lowered()
            message += f" (Assuming {', '.join(assumed)}.)"
        fix = None
        if in_call(obj, flag):
            edit = ctx.remove_arg(obj.node, flag.node)
            fix = ctx.fix(
                "Remove trust_remote_code=True (use the built-in class)", [edit], safe=False
            )
        return ctx.report(self, finding_at(obj, flag), message, fix=fix, severity=severity)

    @staticmethod
    def _native_note(ctx: RuleContext, obj: ObjectFact, ckpt: Checkpoint | None) -> str:
        """When the load's own class cannot build the type but another built-in one can."""
        if ckpt is None or not ckpt.facts.model_type:
            return ""
        for auto in auto_classes_for(ctx, obj):
            if ctx.knowledge.resolve(ckpt.facts.model_type, auto) not in (None, UNKNOWN):
                return ""
        note = native_classes(ctx, ckpt)
        return f" Or drop the flag: {note}" if note else ""

    @staticmethod
    def _upstream(ckpt: Checkpoint | None) -> str | None:
        """The other repository `auto_map` takes code from (`repo--module.Class`), if any."""
        if ckpt is None:
            return None
        for ref in ckpt.facts.auto_map.values():
            if "--" in ref:
                repo = ref.split("--", 1)[0]
                if repo != ckpt.name:
                    return repo
        return None

    @staticmethod
    def _needless(ctx: RuleContext, obj: ObjectFact, ckpt: Checkpoint) -> bool:
        """The config was read, has no `auto_map` (nor custom pipelines) and names a model type
        this transformers builds: nothing remote would run. Tokenizer and processor code is
        declared in files not read here, so those loads are never called needless."""
        config = ckpt.facts.config
        return (
            obj.kind in (Kind.MODEL, Kind.CONFIG)
            and bool(config)
            and "auto_map" not in config
            and "custom_pipelines" not in config
            and ckpt.facts.base_model is None
            and ckpt.facts.model_type in ctx.knowledge.config_mapping
        )

    def _needless_finding(
        self, ctx: RuleContext, obj: ObjectFact, flag: Arg, ckpt: Checkpoint
    ) -> Finding:
        message = (
            f"`trust_remote_code=True` is not needed: {ckpt.describe()} has no `auto_map` in its "
            f"config, and model type `{ckpt.facts.model_type}` is built into transformers, so "
            "no repository code runs today. The flag only widens what a future revision of the "
            "repository could run; drop it."
        )
        fix = None
        if in_call(obj, flag):
            edit = ctx.remove_arg(obj.node, flag.node)
            fix = ctx.fix("Remove trust_remote_code=True", [edit], safe=False)
        return ctx.report(self, finding_at(obj, flag), message, fix=fix, severity=Severity.HINT)

    @staticmethod
    def _pin_fix(ctx: RuleContext, what: str, edits: Sequence[Edit | None]) -> Fix:
        return ctx.fix(
            f"Pin {what}= (replace {PLACEHOLDER} with the 40-character hash you reviewed)",
            edits,
            safe=False,
        )
