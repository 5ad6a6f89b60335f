"""Hover text for what only hflint knows: Auto and model classes, checkpoints, pipeline tasks,
and rule codes in suppression comments. Everywhere else the answer is None, so the editor's
Python server speaks alone.

Every fact comes from the installed transformers (Knowledge) or the checkpoint resolver; the
only hand-written text is what a head outputs, which trainer fits, and the decision tree
quoted from the seed documents (with their removed class names marked as such).
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from pathlib import Path

from hflint.analyzers.checkpoints import (
    COMPOSITE_TYPES,
    CheckpointFacts,
    CheckpointResolver,
    hub_cache_dir,
    is_repo_id,
    local_folder,
    offline_env,
)
from hflint.analyzers.collector import canonical
from hflint.analyzers.knowledge import UNKNOWN, Knowledge, load_knowledge
from hflint.analyzers.settings import Settings
from hflint.rules.missing_classes import INVENTED, REMOVED
from hflint.rules.registry import all_rules, rule_by_code
from hflint.rules.wrong_auto_class import HEAD_PREFERENCE
from hflint.server.completions import (
    CursorContext,
    cursor_context,
    imports_of,
    resolve,
    string_role,
    string_value,
)

SEQ2SEQ = ("AutoModelForSeq2SeqLM", "AutoModelForSpeechSeq2Seq")
CAUSAL = "AutoModelForCausalLM"
_TEXT_HEADS = (
    "AutoModelForMaskedLM",
    "AutoModelForSequenceClassification",
    "AutoModelForTokenClassification",
    "AutoModelForQuestionAnswering",
    "AutoModelForMultipleChoice",
    "AutoModelForTextEncoding",
    "AutoModelForNextSentencePrediction",
)
ENC, DEC, ENC_DEC = "encoder-only", "decoder-only", "encoder-decoder"
OTHER = "vision, audio or multimodal"
# Well-known model types, shown first when a hover names examples.
_FAMOUS = (
    "bert", "roberta", "distilbert", "xlm-roberta", "deberta-v2", "gpt2", "llama", "mistral",
    "qwen2", "gemma", "t5", "bart", "mbart", "marian", "pegasus", "whisper", "wav2vec2", "vit",
    "clip", "detr", "llava", "blip-2",
)  # fmt: skip

# The seed's decision tree "Which AutoModel should I pick?", branch by branch, as written.
_TREE: dict[str, tuple[str, ...]] = {
    "AutoModel": (
        "Do you only need embeddings / hidden states? → YES → AutoModel",
        "Are you doing similarity / retrieval? → Bi-encoder / embeddings? → AutoModel",
    ),
    "AutoModelForCausalLM": (
        "Are you generating text? → YES → Left-to-right generation (GPT-style)? "
        "→ AutoModelForCausalLM",
    ),
    "AutoModelForSeq2SeqLM": (
        "Are you generating text? → YES → Encoder–decoder generation (translate, summarize)? "
        "→ AutoModelForSeq2SeqLM",
    ),
    "AutoModelForSequenceClassification": (
        "Are you predicting labels? → Sentence-level label? → AutoModelForSequenceClassification",
        "Are you doing similarity / retrieval? → Cross-encoder reranking? "
        "→ AutoModelForSequenceClassification",
    ),
    "AutoModelForTokenClassification": (
        "Are you predicting labels? → Token-level label? → AutoModelForTokenClassification",
    ),
    "AutoModelForQuestionAnswering": (
        "Are you predicting labels? → Start–end span in text? → AutoModelForQuestionAnswering",
    ),
    "AutoModelForMultipleChoice": (
        "Are you predicting labels? → Multiple options per example? → AutoModelForMultipleChoice",
    ),
    "AutoModelForMaskedLM": ("Are you filling in [MASK] tokens? → YES → AutoModelForMaskedLM",),
    "AutoModelForImageClassification": (
        "Is this a vision task? → Image classification? → AutoModelForImageClassification",
    ),
    "AutoModelForObjectDetection": (
        "Is this a vision task? → Object detection? → AutoModelForObjectDetection",
    ),
    "AutoModelForVision2Seq": (
        "Is this a vision task? → Image → text? → AutoModelForVision2Seq",
        "Is it multimodal (text + image/audio)? → Generation involved? "
        "→ AutoModelForVision2Seq / AutoModelForSeq2SeqLM",
    ),
    "AutoModelForSpeechSeq2Seq": (
        "Is this an audio task? → Speech → text? → AutoModelForSpeechSeq2Seq",
    ),
    "AutoModelForAudioClassification": (
        "Is this an audio task? → Audio classification? → AutoModelForAudioClassification",
    ),
}
_GENERIC = ("AutoModel", "AutoModelForTextEncoding", "AutoModelForPreTraining")
_TREE_ALIASES = {"AutoModelForImageTextToText": "AutoModelForVision2Seq"}

_OUTPUTS = {
    "AutoModel": "no head: hidden states (`last_hidden_state`, often `pooler_output`); "
    "no logits, no loss",
    "AutoModelForTextEncoding": "the encoder alone, no head: hidden states",
    "AutoModelForPreTraining": "the heads the model was pretrained with "
    "(for BERT: masked LM + next-sentence prediction)",
    "AutoModelForCausalLM": "language-modeling head: `logits` over the vocabulary for the next "
    "token at every position; `generate()` continues the text left to right",
    "AutoModelForMaskedLM": "language-modeling head: `logits` over the vocabulary at every "
    "position, read where the input has the mask token",
    "AutoModelForSeq2SeqLM": "language-modeling head on the decoder: `logits` over the "
    "vocabulary for each target token; `generate()` writes the output sequence",
    "AutoModelForSpeechSeq2Seq": "language-modeling head on a decoder that reads audio features: "
    "`logits` over the vocabulary; `generate()` writes the transcript",
    "AutoModelForImageTextToText": "language-modeling head conditioned on images: `logits` over "
    "the vocabulary; `generate()` writes the text",
    "AutoModelForSequenceClassification": "one label per sequence: `logits` of shape "
    "(batch, num_labels)",
    "AutoModelForTokenClassification": "one label per token: `logits` of shape "
    "(batch, seq_len, num_labels)",
    "AutoModelForQuestionAnswering": "an extractive span: `start_logits` and `end_logits` "
    "over the tokens",
    "AutoModelForMultipleChoice": "one score per option: `logits` of shape (batch, num_choices)",
    "AutoModelForNextSentencePrediction": "is-next / not-next `logits` of shape (batch, 2); "
    "an obsolete training objective, kept for the models pretrained with it",
    "AutoModelForImageClassification": "one label per image: `logits` of shape (batch, num_labels)",
    "AutoModelForAudioClassification": "one label per clip: `logits` of shape (batch, num_labels)",
    "AutoModelForObjectDetection": "per query: class `logits` and `pred_boxes`",
    "AutoModelForCTC": "per-frame `logits` over the characters or tokens, decoded with CTC",
    "AutoModelForSemanticSegmentation": "per-pixel class `logits`",
    "AutoModelForZeroShotImageClassification": "image and text embeddings; `logits_per_image` "
    "scores each image against the label texts",
}
_COLLATORS = {
    "AutoModelForCausalLM": "DataCollatorForLanguageModeling(tokenizer, mlm=False)",
    "AutoModelForMaskedLM": "DataCollatorForLanguageModeling(tokenizer, mlm=True)",
    "AutoModelForSeq2SeqLM": "DataCollatorForSeq2Seq(tokenizer, model=model)",
    "AutoModelForTokenClassification": "DataCollatorForTokenClassification(tokenizer)",
    "AutoModelForMultipleChoice": "a collator that pads each option (none ships for it)",
}
_CODE = re.compile(r"[A-Za-z]+[0-9]*")
_DIRECTIVE = re.compile(r"#\s*(?:noqa\b:?|hflint\s*:\s*(?:ignore\s*\[|noqa\s*:))", re.IGNORECASE)


def hover_at(
    text: str,
    path: Path | None,
    line: int,
    column: int,
    settings: Settings,
    resolver: CheckpointResolver | None = None,
) -> str | None:
    """Markdown for the token at (1-based line, 0-based column), or None: nothing to add."""
    try:
        return _hover(text, path, line, column, settings, resolver)
    except Exception:  # a hover must never take the server down
        return None


def _hover(
    text: str,
    path: Path | None,
    line: int,
    column: int,
    settings: Settings,
    resolver: CheckpointResolver | None,
) -> str | None:
    context = cursor_context(text, line, column, follow=True)
    if context is None:
        return None
    tok = context.token
    if tok.kind == "comment":
        return rule_hover(tok.text, context.offset - tok.start)
    knowledge = load_knowledge()
    imports = imports_of(text)
    if tok.kind == "name":
        if not context.rooted:
            return None
        qualname = (
            canonical(f"{context.from_module}.{tok.text}")
            if context.from_module
            else resolve(context.chain, imports, knowledge)
        )
        if qualname is None or qualname.count(".") != 1 or not qualname.startswith("transformers."):
            return None
        return class_hover(qualname.split(".")[1], knowledge)
    value = string_value(tok)
    if value is None or not value.strip():
        return None
    role = string_role(context, imports)
    if role == "task":
        return task_hover(value, knowledge, registered=_registers_task(text, value))
    file_dir = path.parent if path is not None else None
    if role == "checkpoint":
        return _checkpoint_at(value, context, file_dir, settings, resolver, knowledge)
    facts = _resolver(settings, resolver, offline=True).lookup(value, file_dir=file_dir)
    return checkpoint_hover(facts, knowledge) if facts is not None else None


def _resolver(
    settings: Settings, given: CheckpointResolver | None, *, offline: bool = False
) -> CheckpointResolver:
    """The caller's resolver; an offline one for strings that are not a checkpoint argument.

    Hovering any string must not send its text to the Hub. A resolver made here is used once:
    it remembers "unknown", and a checkpoint downloaded a minute later must show.
    """
    if given is not None and not (offline and given.online):
        return given
    timeout = given.hub_timeout if given is not None else settings.hub_timeout
    cwd = given.cwd if given is not None else None
    return CheckpointResolver(online=settings.online and not offline, hub_timeout=timeout, cwd=cwd)


# ---- classes --------------------------------------------------------------------------------


def class_hover(name: str, knowledge: Knowledge) -> str | None:
    """An Auto model class or a model class; a name the installed transformers lacks."""
    if not knowledge.version or not name[:1].isupper():
        return None
    if not knowledge.has_name(name):
        return missing_class_hover(name, knowledge)
    if name in knowledge.auto_tables:
        return auto_class_hover(name, knowledge)
    if name in knowledge.model_class_types:
        return model_class_hover(name, knowledge)
    return None


def auto_class_hover(name: str, knowledge: Knowledge) -> str:
    accepted = _accepted(knowledge, name)
    lines = [
        f"**`{name}`** · transformers {knowledge.version}",
        "",
        f"- **Architecture:** {_family_summary(knowledge, name, accepted)}",
        f"- **Head:** {_outputs(name)}",
        f"- **Train with:** {_trainer(name)}",
    ]
    lines += [f"- **Decision tree:** {branch}" for branch in _branches(name, knowledge)]
    lines.append(_accepts(knowledge, name, accepted))
    return "\n".join(lines)


def _accepts(knowledge: Knowledge, auto: str, accepted: tuple[str, ...]) -> str:
    """The count, with examples of the commonest family first."""
    families = Counter(_family(knowledge, t) for t in accepted)
    top = families.most_common(1)[0][0] if families else OTHER
    typical = (
        [] if top == OTHER else _examples([t for t in accepted if _family(knowledge, t) == top], 6)
    )
    shown = typical + _examples([t for t in accepted if t not in typical], 6 - len(typical))
    listed = ", ".join(f"`{t}`" for t in shown) + (", …" if len(accepted) > len(shown) else "")
    where = f"transformers {knowledge.version}"
    return f"- **Accepts** {len(accepted)} model types in {where}" + (
        f" ({listed})" if shown else ""
    )


def model_class_hover(name: str, knowledge: Knowledge) -> str:
    model_type = knowledge.model_class_types[name]
    builders = _builders(knowledge, name)
    family = _family(knowledge, model_type)
    lines = [
        f"**`{name}`** · transformers {knowledge.version}",
        "",
        f"- **Model type:** `{model_type}`, {family}",
    ]
    if builders:
        head = builders[0]
        role = _role_note(knowledge, head, model_type)
        lines.append(
            f"- **Head:** the one `{head}` builds for `{model_type}`{role}: {_outputs(head)}"
        )
        if len(builders) > 1:
            lines.append(f"- **Also built by:** {', '.join(f'`{a}`' for a in builders[1:])}")
        lines.append(f"- **Train with:** {_trainer(head)}")
        lines += [f"- **Decision tree:** {branch}" for branch in _branches(head, knowledge)]
    return "\n".join(lines)


def _builders(knowledge: Knowledge, cls: str) -> list[str]:
    """The Auto classes whose tables list `cls`, its main head first.

    Ranked by the decision tree, so `BartForConditionalGeneration` heads
    `AutoModelForSeq2SeqLM` although `AutoModelForMaskedLM` lists it too; headless and
    deprecated tables come last.
    """
    tables = [
        auto
        for auto, table in knowledge.auto_tables.items()
        if any(cls == v or (isinstance(v, tuple) and cls in v) for v in table.values())
    ]

    def rank(auto: str) -> tuple[bool, int, int]:
        generic = _GENERIC.index(auto) if auto in _GENERIC else -1
        order = HEAD_PREFERENCE.index(auto) if auto in HEAD_PREFERENCE else len(HEAD_PREFERENCE)
        return (auto in knowledge.deprecated_auto_classes, generic, order)

    return sorted(tables, key=rank)


def missing_class_hover(name: str, knowledge: Knowledge) -> str:
    version = knowledge.version
    if name in INVENTED:
        use, why = INVENTED[name]
        advice = "" if f"`{use}`" in why else f" Use `{use}`."
        return (
            f"**`{name}`** is not a class of transformers ({version}): tutorials invent it. "
            f"{why[:1].upper()}{why[1:]}.{advice}"
        )
    if name in REMOVED:
        replacement = REMOVED[name]
        instead = (
            f"Use `{replacement}`."
            if replacement
            else "Use `AutoModelForCausalLM`, `AutoModelForMaskedLM` or `AutoModelForSeq2SeqLM`, "
            "as the architecture needs."
        )
        text = f"**`{name}`** does not exist in transformers {version} (removed in 5). {instead}"
        branches = "".join(f"\n- **Decision tree:** {b}" for b in _TREE.get(name, ()))
        return f"{text}\n{branches}" if branches else text
    if name.startswith(("TF", "Flax")):
        twin = name[2:] if name.startswith("TF") else name[4:]
        if knowledge.has_name(twin):
            return (
                f"**`{name}`** does not exist in transformers {version}: TensorFlow and Flax "
                f"classes were removed in 5. Use the PyTorch class `{twin}`."
            )
    pool = knowledge.auto_classes if name.startswith("Auto") else knowledge.exported_names
    close = difflib.get_close_matches(name, sorted(pool), n=1, cutoff=0.8)
    hint = f" Did you mean `{close[0]}`?" if close else ""
    return f"**`{name}`** does not exist in transformers {version}.{hint}"


def _branches(auto: str, knowledge: Knowledge) -> list[str]:
    """The decision-tree branches that lead to `auto`, noting a class name the tree has wrong."""
    spelled = _TREE_ALIASES.get(auto, auto)
    branches = list(_TREE.get(spelled, ()))
    if spelled != auto and branches and not knowledge.has_name(spelled):
        branches[-1] += f" (the tree's `{spelled}` is this class's old name, removed in 5)"
    return branches


def _outputs(auto: str) -> str:
    if auto in _OUTPUTS:
        return _OUTPUTS[auto]
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", auto.removeprefix("AutoModelFor")).lower()
    return f"a {words} head"


def _trainer(auto: str) -> str:
    if auto in SEQ2SEQ:
        text = (
            "`Seq2SeqTrainer` with `Seq2SeqTrainingArguments(predict_with_generate=True)`, so "
            "evaluation scores `generate()` output (ROUGE, BLEU, WER); plain `Trainer` only "
            "sees teacher-forced logits"
        )
    elif auto in ("AutoModel", "AutoModelForTextEncoding"):
        return (
            "no head means no loss: `Trainer` stops with `The model did not return a loss`; "
            "train a head class, or subclass `Trainer` with your own `compute_loss`"
        )
    else:
        text = "`Trainer` with `TrainingArguments`"
    collator = _COLLATORS.get(auto)
    return f"{text}; collator: `{collator}`" if collator and "(" in collator else text


def _role_note(knowledge: Knowledge, head: str, model_type: str) -> str:
    """What a causal-LM head means for a model type that is not a decoder-only model."""
    if head != CAUSAL:
        return ""
    family = _family(knowledge, model_type)
    if family == ENC_DEC:
        return " (the decoder alone: no encoder, no cross-attention input)"
    if family == ENC:
        return " (an encoder used as a decoder: needs `is_decoder=True`)"
    return ""


# ---- families, from the tables ---------------------------------------------------------------

_accepted_cache: dict[tuple[str, str], tuple[str, ...]] = {}


def _accepted(knowledge: Knowledge, auto: str) -> tuple[str, ...]:
    """The model types `auto` loads, by the same resolution as from_pretrained."""
    key = (knowledge.version, auto)
    if key not in _accepted_cache:
        _accepted_cache[key] = tuple(
            t for t in knowledge.config_mapping if knowledge.resolve(t, auto) not in (None, UNKNOWN)
        )
    return _accepted_cache[key]


def _loads(knowledge: Knowledge, auto: str, model_type: str) -> bool:
    return knowledge.resolve(model_type, auto) not in (None, UNKNOWN)


_family_cache: dict[tuple[str, str], str] = {}


def _family(knowledge: Knowledge, model_type: str) -> str:
    key = (knowledge.version, model_type)
    if key not in _family_cache:
        _family_cache[key] = _family_of(knowledge, model_type)
    return _family_cache[key]


def _family_of(knowledge: Knowledge, model_type: str) -> str:
    """From the heads a model type has: a seq2seq head means encoder-decoder; a causal LM
    without a masked LM means decoder-only; other text heads mean encoder-only."""
    if model_type in COMPOSITE_TYPES or any(_loads(knowledge, a, model_type) for a in SEQ2SEQ):
        return ENC_DEC
    if _loads(knowledge, CAUSAL, model_type) and not _loads(
        knowledge, "AutoModelForMaskedLM", model_type
    ):
        return DEC
    if any(_loads(knowledge, a, model_type) for a in _TEXT_HEADS):
        return ENC
    return OTHER


def _family_summary(knowledge: Knowledge, auto: str, accepted: tuple[str, ...]) -> str:
    families = {t: _family(knowledge, t) for t in accepted}
    counts = Counter(families.values())
    if not counts:
        return "no model type"
    top, count = counts.most_common(1)[0]
    if count / len(accepted) < 0.75:
        parts = ", ".join(f"{n} {f}" for f, n in counts.most_common())
        return f"any family: {parts} model types have this head"
    share = "all" if count == len(accepted) else f"{count} of"
    text = f"{top} ({share} {len(accepted)} model types)"
    others = []
    for family, n in counts.most_common()[1:] if top != OTHER else ():
        example = _examples([t for t, f in families.items() if f == family], 1)[0]
        built = knowledge.resolve(example, auto)
        others.append(f"{n} {family} (`{example}` → `{built}`)")
    if others:
        text += "; also " + ", ".join(others)
    if auto == CAUSAL and others:
        text += (
            ": for an encoder-decoder this class builds the decoder alone, and for an encoder a "
            "decoder that needs `is_decoder=True`"
        )
    return text


def _examples(model_types: list[str] | tuple[str, ...], n: int) -> list[str]:
    rank = {t: i for i, t in enumerate(_FAMOUS)}
    return sorted(model_types, key=lambda t: (rank.get(t, len(rank)), t))[:n]


# ---- checkpoints ----------------------------------------------------------------------------


def _checkpoint_at(
    name: str,
    context: CursorContext,
    file_dir: Path | None,
    settings: Settings,
    given: CheckpointResolver | None,
    knowledge: Knowledge,
) -> str:
    strings = context.call.strings if context.call is not None else {}
    revision, subfolder = strings.get("revision"), strings.get("subfolder")
    resolver = _resolver(settings, given)
    facts = resolver.lookup(name, revision=revision, subfolder=subfolder, file_dir=file_dir)
    if facts is not None:
        return checkpoint_hover(facts, knowledge, subfolder)
    return unknown_checkpoint_hover(name, file_dir, resolver)


def checkpoint_hover(
    facts: CheckpointFacts, knowledge: Knowledge, subfolder: str | None = None
) -> str:
    at = "".join(
        f" · {key} `{value}`"
        for key, value in (("revision", facts.revision), ("subfolder", subfolder))
        if value
    )
    lines = [f"**`{facts.name}`** · checkpoint{at}", ""]
    if facts.model_type:
        lines.append(f"- **Model type:** `{facts.model_type}`{shape_of(facts, knowledge)}")
    if facts.architectures:
        lines.append(f"- **Architectures:** {', '.join(f'`{a}`' for a in facts.architectures)}")
    if facts.base_model:
        lines.append(f"- **Adapter** over `{facts.base_model}`")
    labels = _labels(facts)
    if labels:
        lines.append(f"- **Labels:** {labels}")
    tokenizer = _tokenizer(facts)
    if tokenizer:
        lines.append(f"- **Tokenizer:** {tokenizer}")
    lines.append(f"- **Facts from:** {_source(facts)}")
    if facts.note:
        lines.append(f"- **Note:** {facts.note}")
    lines += _loaders(facts, knowledge)
    return "\n".join(lines)


def shape_of(facts: CheckpointFacts, knowledge: Knowledge) -> str:
    """The checkpoint's own is_encoder_decoder first, then its model type's family."""
    model_type = facts.model_type or ""
    if facts.is_encoder_decoder:
        return f", {ENC_DEC}"
    family = _family(knowledge, model_type) if model_type in knowledge.config_mapping else OTHER
    if family != OTHER:
        return f", {family}"
    return ", not an encoder-decoder" if facts.is_encoder_decoder is False else ""


def _labels(facts: CheckpointFacts) -> str | None:
    if facts.id2label:
        names = [facts.id2label[i] for i in sorted(facts.id2label)]
        shown = ", ".join(f"`{n}`" for n in names[:8]) + (", …" if len(names) > 8 else "")
        return f"{len(names)} ({shown})"
    return str(facts.label_count) if facts.label_count is not None else None


def _tokenizer(facts: CheckpointFacts) -> str | None:
    parts = []
    if facts.tokenizer_pad_token is not None:
        parts.append(f"pad token `{facts.tokenizer_pad_token}`")
    elif facts.tokenizer_has_pad_token is False:
        parts.append("**no pad token** (set one before padding batches)")
    if facts.tokenizer_padding_side:
        parts.append(f"pads on the {facts.tokenizer_padding_side}")
    if facts.pad_token_id is not None:
        parts.append(f"config `pad_token_id={facts.pad_token_id}`")
    return ", ".join(parts) or None


def _source(facts: CheckpointFacts) -> str:
    if facts.source == "bundled":
        return (
            f"hflint's table of well-known checkpoints, {facts.location}: the Hub's main "
            "branch, not necessarily what this machine loads"
        )
    where = {"local": "the local folder", "cache": "the Hugging Face cache,", "hub": "the Hub,"}
    return f"{where[facts.source]} `{facts.location}`"


def _loaders(facts: CheckpointFacts, knowledge: Knowledge) -> list[str]:
    model_type = facts.model_type
    if not model_type or not knowledge.version:
        return []
    remote = [f"`{auto}` → `{ref}`" for auto, ref in facts.auto_map.items()]
    lines = [f"- **Remote code** (`trust_remote_code=True`): {', '.join(remote)}"] if remote else []
    if model_type not in knowledge.config_mapping:
        cannot = "only its remote code can load it" if remote else "it cannot load this checkpoint"
        unknown = f"- transformers {knowledge.version} does not know model type `{model_type}`"
        return [f"{unknown}: {cannot}", *lines]
    own = {head for a in facts.architectures for head in _builders(knowledge, a)[:1]}
    ranked = _rank(knowledge, facts)
    shown = [
        f"`{auto}`"
        + (" (its own head)" if auto in own else _role_note(knowledge, auto, model_type))
        for auto in ranked[:8]
    ]
    more = f", and {len(ranked) - 8} more" if len(ranked) > 8 else ""
    return [f"- **Loads with:** {', '.join(shown) or 'none'}{more}", *lines]


def _rank(knowledge: Knowledge, facts: CheckpointFacts) -> list[str]:
    """Auto classes that load the checkpoint: its own head first, then by the decision tree."""
    model_type = facts.model_type or ""
    accepting = knowledge.accepting_auto_classes(model_type)
    first = [head for a in facts.architectures for head in _builders(knowledge, a)[:1]]
    if facts.is_encoder_decoder:
        first += list(SEQ2SEQ)
    first += HEAD_PREFERENCE
    ordered = [a for a in dict.fromkeys(first) if a in accepting]
    return ordered + [a for a in accepting if a not in ordered]


def unknown_checkpoint_hover(name: str, file_dir: Path | None, resolver: CheckpointResolver) -> str:
    cwd = resolver.cwd if resolver.cwd is not None else Path.cwd()
    folder = local_folder(name, file_dir, cwd)
    head = f"**`{name}`** · checkpoint unknown to hflint\n\n"
    if folder is not None:
        return head + (
            f"`{folder}` is a folder without config.json, adapter_config.json or tokenizer "
            "files: there is nothing to read. Rules that need its config stay silent."
        )
    bases = " or ".join(f"`{b}`" for b in dict.fromkeys(b for b in (file_dir, cwd) if b))
    reasons = [f"no folder of that name (relative to {bases})"]
    if not is_repo_id(name):
        reasons.append("not a valid Hub id")
    else:
        reasons.append(f"not in the Hugging Face cache (`{hub_cache_dir()}`)")
        reasons.append("not in hflint's table of well-known checkpoints")
        if offline_env():
            reasons.append("online lookups are off (`HF_HUB_OFFLINE` is set)")
        elif not resolver.online:
            reasons.append("online lookups are off (`online = true` under `[tool.hflint]`)")
        else:
            reasons.append(
                f"the Hub did not answer with its files within {resolver.hub_timeout:g} s"
            )
    return head + "; ".join(reasons) + ". Rules that need its config stay silent."


# ---- pipeline tasks -------------------------------------------------------------------------


def _registers_task(text: str, task: str) -> bool:
    pattern = rf"register_pipeline\(\s*(?:task\s*=\s*)?[rRuU]?['\"]{re.escape(task)}['\"]"
    return re.search(pattern, text) is not None


def task_hover(task: str, knowledge: Knowledge, *, registered: bool = False) -> str | None:
    """What `pipeline(task)` does with this name in the installed transformers."""
    if not knowledge.version or registered:
        return None
    version = knowledge.version
    removed = next((t for p, t in knowledge.task_prefixes.items() if task.startswith(p)), task)
    if removed in knowledge.removed_tasks:
        return (
            f"**`{task}`** · pipeline task **removed** in transformers {version}. "
            f"`pipeline()` raises:\n\n    KeyError: The task {task} has been removed from "
            f"transformers. {knowledge.removed_tasks[removed]}"
        )
    if task in knowledge.task_redirects:
        target = knowledge.task_redirects[task]
        head = (
            f"**`{task}`** · replaced by `{target}`: transformers {version} warns and builds "
            f"the `{target}` pipeline."
        )
        return head + _task_facts(target, knowledge)
    if task in knowledge.task_aliases:
        target = knowledge.task_aliases[task]
        return f"**`{task}`** · alias of `{target}`" + _task_facts(target, knowledge)
    if task in knowledge.tasks:
        return f"**`{task}`** · pipeline task" + _task_facts(task, knowledge)
    names = sorted([*knowledge.tasks, *knowledge.task_aliases])
    close = difflib.get_close_matches(task, names, n=1, cutoff=0.6)
    hint = f" Did you mean `{close[0]}`?" if close else ""
    return (
        f"**`{task}`** is not a pipeline task of transformers {version}: `pipeline()` raises "
        f"`KeyError: Unknown task {task}`, unless the project registers it with "
        f"`PIPELINE_REGISTRY.register_pipeline`.{hint}"
    )


def _task_facts(task: str, knowledge: Knowledge) -> str:
    info = knowledge.tasks.get(task)
    if info is None:
        return ""
    order = " (tried in order)" if len(info.auto_classes) > 1 else ""
    lines = [
        "",
        "",
        f"- **Auto classes:** {', '.join(f'`{a}`' for a in info.auto_classes)}{order}",
    ]
    aliases = sorted(a for a, t in knowledge.task_aliases.items() if t == task)
    if aliases:
        lines.append(f"- **Aliases:** {', '.join(f'`{a}`' for a in aliases)}")
    if info.default_model:
        revision = f" at revision `{info.default_revision}`" if info.default_revision else ""
        lines.append(
            f"- **Default model:** `{info.default_model}`{revision}, used when `model=` is "
            "left out (name one: the default can change between releases)"
        )
    if info.impl:
        lines.append(
            f"- **Pipeline:** `{info.impl}` ({info.type}), transformers {knowledge.version}"
        )
    return "\n".join(lines)


# ---- rule codes in suppression comments -----------------------------------------------------


def rule_hover(comment: str, at: int) -> str | None:
    """The docs of the rule code under the cursor in a `# noqa:` / `# hflint: ignore[...]`."""
    directive = _DIRECTIVE.search(comment)
    if directive is None or at < directive.end():
        return None
    for match in _CODE.finditer(comment, directive.end()):
        if match.start() <= at <= match.end():
            code = match.group().upper()
            break
    else:
        return None
    rule = rule_by_code(code)
    if rule is not None:
        return rule.docs()
    matching = [r for r in all_rules() if r.code.startswith(code)]
    if not matching or not code.startswith("HF"):
        return None
    listed = "\n".join(f"- `{r.code}` {r.name}: {r.summary}" for r in matching)
    return f"**`{code}`** · every hflint rule whose code starts with it:\n\n{listed}"
