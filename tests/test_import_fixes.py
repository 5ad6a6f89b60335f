"""Fixes edit imports the way a person would: Ruff's I001 (isort) and F401 stay quiet.

Each realistic file is clean for `ruff check --select I001,F401 --isolated` before the fix,
and must be clean after it; the exact text is checked too, so a layout change shows here.
"""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

from hflint.analyzers.engine import check_source
from hflint.analyzers.findings import Finding
from hflint.analyzers.settings import Settings
from hflint.analyzers.source import apply_edits
from hflint.rules.import_edits import ImportEdit
from hflint.rules.import_order import member_key, sorted_names

RUFF = Path(sys.executable).with_name("ruff")
RUFF_ARGS = ["--select", "I001,F401", "--isolated", "--no-cache", "--output-format", "concise"]
needs_ruff = pytest.mark.skipif(not RUFF.exists(), reason="ruff is not installed beside python")


def _finding(code: str, rule: str) -> Finding:
    found = [
        f for f in check_source(code, settings=Settings(select=[rule])) if f.code == rule and f.fix
    ]
    assert found, f"{rule} offers no fix on:\n{code}"
    return found[0]


def _fixed(code: str, rule: str) -> str:
    finding = _finding(code, rule)
    assert finding.fix is not None
    assert not any(isinstance(e, ImportEdit) for e in finding.fix.edits)  # settled into text
    return apply_edits(code, list(finding.fix.edits))


def _ruff(text: str, tmp_path: Path) -> list[str]:
    """What `ruff check --select I001,F401 --isolated` reports on `text` (codes only)."""
    path = tmp_path / "train.py"
    path.write_text(text, encoding="utf-8")
    done = subprocess.run(
        [str(RUFF), "check", *RUFF_ARGS, str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    return [
        line.split(": ", 1)[1].split()[0] for line in done.stdout.splitlines() if ".py:" in line
    ]


# (rule, file before, file after) ---------------------------------------------------------------
CASES = {
    "one line, both names replaced": (
        "HF303",
        """from transformers import Trainer, TrainingArguments

args = TrainingArguments(output_dir="out", predict_with_generate=True)
trainer = Trainer(model=model, args=args)
""",
        """from transformers import Seq2SeqTrainer, Seq2SeqTrainingArguments

args = Seq2SeqTrainingArguments(output_dir="out", predict_with_generate=True)
trainer = Seq2SeqTrainer(model=model, args=args)
""",
    ),
    "sorted list: in the middle, before a function": (
        "HF302",
        """from transformers import AutoModel, Seq2SeqTrainingArguments, Trainer, set_seed

set_seed(0)
model = AutoModel.from_pretrained("t5-small")
args = Seq2SeqTrainingArguments(output_dir="out", predict_with_generate=True)
trainer = Trainer(model=model, args=args)
""",
        """from transformers import AutoModel, Seq2SeqTrainer, Seq2SeqTrainingArguments, set_seed

set_seed(0)
model = AutoModel.from_pretrained("t5-small")
args = Seq2SeqTrainingArguments(output_dir="out", predict_with_generate=True)
trainer = Seq2SeqTrainer(model=model, args=args)
""",
    ),
    "a one-line import that outgrows 88 columns is wrapped": (
        "HF303",
        """from transformers import AutoTokenizer, Trainer, TrainingArguments, set_seed

set_seed(0)
tok = AutoTokenizer.from_pretrained("t5-small")
args = TrainingArguments(output_dir="out", predict_with_generate=True)
trainer = Trainer(model=model, args=args, processing_class=tok)
""",
        """from transformers import (
    AutoTokenizer,
    Seq2SeqTrainer,
    Seq2SeqTrainingArguments,
    set_seed,
)

set_seed(0)
tok = AutoTokenizer.from_pretrained("t5-small")
args = Seq2SeqTrainingArguments(output_dir="out", predict_with_generate=True)
trainer = Seq2SeqTrainer(model=model, args=args, processing_class=tok)
""",
    ),
    "wrapped list with a trailing comma and comments keeps its layout": (
        "HF303",
        """import os

from transformers import (
    AutoModelForSeq2SeqLM,
    AutoTokenizer,  # the tokenizer
    # the trainer
    Trainer,
    TrainingArguments,
)

tok = AutoTokenizer.from_pretrained("t5-small")
model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")
args = TrainingArguments(output_dir=os.environ["OUT"], predict_with_generate=True)
trainer = Trainer(model=model, args=args, processing_class=tok)
""",
        """import os

from transformers import (
    AutoModelForSeq2SeqLM,
    AutoTokenizer,  # the tokenizer
    Seq2SeqTrainer,
    Seq2SeqTrainingArguments,
    # the trainer
)

tok = AutoTokenizer.from_pretrained("t5-small")
model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")
args = Seq2SeqTrainingArguments(output_dir=os.environ["OUT"], predict_with_generate=True)
trainer = Seq2SeqTrainer(model=model, args=args, processing_class=tok)
""",
    ),
    "the old names are still used elsewhere": (
        "HF303",
        """from transformers import Trainer, TrainingArguments

args = TrainingArguments(output_dir="out", predict_with_generate=True)
trainer = Trainer(model=model, args=args)
baseline = Trainer(model=other, args=TrainingArguments(output_dir="baseline"))
""",
        """from transformers import (
    Seq2SeqTrainer,
    Seq2SeqTrainingArguments,
    Trainer,
    TrainingArguments,
)

args = Seq2SeqTrainingArguments(output_dir="out", predict_with_generate=True)
trainer = Seq2SeqTrainer(model=model, args=args)
baseline = Trainer(model=other, args=TrainingArguments(output_dir="baseline"))
""",
    ),
    "a string annotation is a use": (
        "HF303",
        """from transformers import Trainer, TrainingArguments


def build(model) -> "Trainer":
    args = TrainingArguments(output_dir="out", predict_with_generate=True)
    return Trainer(model=model, args=args)
""",
        """from transformers import Seq2SeqTrainer, Seq2SeqTrainingArguments, Trainer


def build(model) -> "Trainer":
    args = Seq2SeqTrainingArguments(output_dir="out", predict_with_generate=True)
    return Seq2SeqTrainer(model=model, args=args)
""",
    ),
    "an aliased import whose last use goes": (
        "HF302",
        """from transformers import Seq2SeqTrainingArguments
from transformers import Trainer as HFTrainer

args = Seq2SeqTrainingArguments("out", predict_with_generate=True)
trainer = HFTrainer(model=model, args=args)
""",
        """from transformers import Seq2SeqTrainer, Seq2SeqTrainingArguments

args = Seq2SeqTrainingArguments("out", predict_with_generate=True)
trainer = Seq2SeqTrainer(model=model, args=args)
""",
    ),
    "an aliased import still used stays, and the list moves above it": (
        "HF303",
        """from transformers import Trainer as HFTrainer
from transformers import TrainingArguments

args = TrainingArguments("out", predict_with_generate=True)
trainer = HFTrainer(model=model, args=args)
other = HFTrainer(model=model, args=TrainingArguments("plain"))
""",
        """from transformers import Seq2SeqTrainer, Seq2SeqTrainingArguments, TrainingArguments
from transformers import Trainer as HFTrainer

args = Seq2SeqTrainingArguments("out", predict_with_generate=True)
trainer = Seq2SeqTrainer(model=model, args=args)
other = HFTrainer(model=model, args=TrainingArguments("plain"))
""",
    ),
    "only aliased imports: the new names get a line of their own": (
        "HF303",
        """from transformers import Trainer as HFTrainer
from transformers import TrainingArguments as TA

args = TA("out", predict_with_generate=True)
trainer = HFTrainer(model=model, args=args)
evaluator = HFTrainer(model=model)
""",
        """from transformers import Seq2SeqTrainer, Seq2SeqTrainingArguments
from transformers import Trainer as HFTrainer

args = Seq2SeqTrainingArguments("out", predict_with_generate=True)
trainer = Seq2SeqTrainer(model=model, args=args)
evaluator = HFTrainer(model=model)
""",
    ),
    "a module alias needs no import edit": (
        "HF302",
        """import transformers as T

args = T.Seq2SeqTrainingArguments("out", generation_max_length=64)
trainer = T.Trainer(model=model, args=args)
""",
        """import transformers as T

args = T.Seq2SeqTrainingArguments("out", generation_max_length=64)
trainer = T.Seq2SeqTrainer(model=model, args=args)
""",
    ),
    "an import left empty goes with its line": (
        "HF302",
        """import evaluate
from transformers import Seq2SeqTrainingArguments
from transformers.trainer import Trainer

rouge = evaluate.load("rouge")
args = Seq2SeqTrainingArguments("out", predict_with_generate=True)
trainer = Trainer(model=model, args=args)
""",
        """import evaluate
from transformers import Seq2SeqTrainer, Seq2SeqTrainingArguments

rouge = evaluate.load("rouge")
args = Seq2SeqTrainingArguments("out", predict_with_generate=True)
trainer = Seq2SeqTrainer(model=model, args=args)
""",
    ),
    "comments and docstrings naming the class are no use": (
        "HF303",
        """\"\"\"Fine-tune T5 with the plain Trainer.\"\"\"

# Trainer and TrainingArguments, as in the course
from transformers import Trainer, TrainingArguments

# Trainer with TrainingArguments, see the docs
args = TrainingArguments(output_dir="out", predict_with_generate=True)
trainer = Trainer(model=model, args=args)
""",
        """\"\"\"Fine-tune T5 with the plain Trainer.\"\"\"

# Trainer and TrainingArguments, as in the course
from transformers import Seq2SeqTrainer, Seq2SeqTrainingArguments

# Trainer with TrainingArguments, see the docs
args = Seq2SeqTrainingArguments(output_dir="out", predict_with_generate=True)
trainer = Seq2SeqTrainer(model=model, args=args)
""",
    ),
    # the other rules share the builder
    "HF102: the wrong Auto class leaves": (
        "HF102",
        """from transformers import AutoModelForCausalLM, AutoTokenizer

tok = AutoTokenizer.from_pretrained("facebook/bart-large-cnn")
model = AutoModelForCausalLM.from_pretrained("facebook/bart-large-cnn")
""",
        """from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

tok = AutoTokenizer.from_pretrained("facebook/bart-large-cnn")
model = AutoModelForSeq2SeqLM.from_pretrained("facebook/bart-large-cnn")
""",
    ),
    "HF306: the collator passed inline": (
        "HF306",
        """from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    DataCollatorWithPadding,
    Trainer,
)

tok = AutoTokenizer.from_pretrained("gpt2")
lm = AutoModelForCausalLM.from_pretrained("gpt2")
tokenized = ds.map(lambda b: tok(b["text"], truncation=True), batched=True)
collator = DataCollatorWithPadding(tok)
trainer = Trainer(model=lm, train_dataset=tokenized, data_collator=collator)
""",
        """from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    DataCollatorForLanguageModeling,
    Trainer,
)

tok = AutoTokenizer.from_pretrained("gpt2")
lm = AutoModelForCausalLM.from_pretrained("gpt2")
tokenized = ds.map(lambda b: tok(b["text"], truncation=True), batched=True)
collator = DataCollatorForLanguageModeling(tok, mlm=False)
trainer = Trainer(model=lm, train_dataset=tokenized, data_collator=collator)
""",
    ),
}


@needs_ruff
@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_fixed_file_keeps_ruff_quiet(case: str, tmp_path: Path) -> None:
    rule, before, after = CASES[case]
    assert _ruff(before, tmp_path) == [], "the file must be clean before the fix"
    fixed = _fixed(before, rule)
    assert fixed == after
    assert _ruff(fixed, tmp_path) == []


@needs_ruff
def test_pipeline_rewrite_adds_two_names_in_one_edit_and_drops_pipeline(tmp_path: Path) -> None:
    """HF702 asks for two imports separately: they become one edit, and `pipeline`, whose only
    call the fix rewrites (a docstring saying "pipeline" is no use), leaves."""
    before = """from transformers import pipeline

summarizer = pipeline("summarization", model="facebook/bart-large-cnn")
print(summarizer(article)[0]["summary_text"])
"""
    finding = _finding(before, "HF702")
    assert finding.fix is not None
    assert [e.range.start.line for e in finding.fix.edits].count(1) == 1
    fixed = apply_edits(before, list(finding.fix.edits))
    assert fixed.startswith("from transformers import AutoModelForSeq2SeqLM, AutoTokenizer\n")
    assert _ruff(fixed, tmp_path) == []


@needs_ruff
def test_unsorted_list_gets_the_names_at_the_end(tmp_path: Path) -> None:
    """Nothing to keep sorted: the new names go last, and no F401 appears (I001 was there)."""
    before = """from transformers import TrainingArguments, AutoTokenizer, Trainer

tok = AutoTokenizer.from_pretrained("t5-small")
args = TrainingArguments(output_dir="out", predict_with_generate=True)
trainer = Trainer(model=model, args=args, processing_class=tok)
evaluator = Trainer(model=model)
"""
    fixed = _fixed(before, "HF303")
    assert fixed.startswith(
        """from transformers import (
    AutoTokenizer,
    Trainer,
    Seq2SeqTrainer,
    Seq2SeqTrainingArguments,
)
"""
    )
    assert _ruff(before, tmp_path) == ["I001"]
    assert _ruff(fixed, tmp_path) == ["I001"]


def test_wrapped_list_without_trailing_comma_keeps_its_style() -> None:
    before = """from transformers import (AutoTokenizer,
                          Trainer,
                          TrainingArguments)

tok = AutoTokenizer.from_pretrained("t5-small")
args = TrainingArguments(output_dir="out", predict_with_generate=True)
trainer = Trainer(model=model, args=args)
"""
    assert _fixed(before, "HF303").startswith(
        """from transformers import (AutoTokenizer,
                          Seq2SeqTrainer,
                          Seq2SeqTrainingArguments)
"""
    )


def test_names_added_at_the_end_of_a_wrapped_list_keep_its_last_comment() -> None:
    before = """from transformers import (
    AutoModel,
    Seq2SeqTrainingArguments,  # generation settings
)
from transformers import Trainer as HFTrainer

args = Seq2SeqTrainingArguments("out", predict_with_generate=True)
trainer = HFTrainer(model=AutoModel.from_pretrained("t5-small"), args=args)
"""
    assert _fixed(before, "HF302").startswith(
        """from transformers import (
    AutoModel,
    Seq2SeqTrainer,
    Seq2SeqTrainingArguments,  # generation settings
)

args"""
    )


# ---- near misses: what stays --------------------------------------------------------------
@pytest.mark.parametrize(
    ("rule", "before", "kept"),
    [
        (  # unused before the fix: F401's business, not this fix's
            "HF303",
            """from transformers import AutoConfig, Trainer, TrainingArguments

args = TrainingArguments(output_dir="out", predict_with_generate=True)
trainer = Trainer(model=model, args=args)
""",
            "from transformers import AutoConfig, Seq2SeqTrainer, Seq2SeqTrainingArguments\n",
        ),
        (  # re-exported
            "HF303",
            """from transformers import Trainer, TrainingArguments

__all__ = ["Trainer"]
args = TrainingArguments(output_dir="out", predict_with_generate=True)
trainer = Trainer(model=model, args=args)
""",
            "from transformers import Seq2SeqTrainer, Seq2SeqTrainingArguments, Trainer\n",
        ),
        (  # used above the import, where the collector does not record uses
            "HF303",
            """def default_trainer():
    return Trainer(model=None)


from transformers import Trainer, TrainingArguments

args = TrainingArguments(output_dir="out", predict_with_generate=True)
trainer = Trainer(model=model, args=args)
""",
            "from transformers import Seq2SeqTrainer, Seq2SeqTrainingArguments, Trainer\n",
        ),
        (  # a line shared with another statement is left alone when it would empty
            "HF302",
            """import os; from transformers import Trainer as HFTrainer
from transformers import Seq2SeqTrainingArguments

args = Seq2SeqTrainingArguments(os.environ["OUT"], predict_with_generate=True)
trainer = HFTrainer(model=model, args=args)
""",
            "import os; from transformers import Trainer as HFTrainer\n"
            "from transformers import Seq2SeqTrainer, Seq2SeqTrainingArguments\n",
        ),
    ],
    ids=["unused-before", "__all__", "used-above-the-import", "shared-line"],
)
def test_names_that_stay_imported(rule: str, before: str, kept: str) -> None:
    assert kept in _fixed(before, rule)


def test_a_name_already_imported_needs_no_import_edit() -> None:
    before = """from transformers import Seq2SeqTrainer, Seq2SeqTrainingArguments, Trainer

args = Seq2SeqTrainingArguments("out", predict_with_generate=True)
Trainer(model=model, args=args)
Trainer(model=model)
"""
    finding = _finding(before, "HF302")
    assert finding.fix is not None
    assert [e.content for e in finding.fix.edits] == ["Seq2SeqTrainer"]


def test_crlf_files_keep_their_line_breaks() -> None:
    before = (
        "from transformers import AutoTokenizer, Trainer, TrainingArguments, set_seed\r\n"
        "\r\n"
        'tok = AutoTokenizer.from_pretrained("t5-small")\r\n'
        'args = TrainingArguments(output_dir="out", predict_with_generate=True)\r\n'
        "trainer = Trainer(model=set_seed(0), args=args, processing_class=tok)\r\n"
    )
    fixed = _fixed(before, "HF303")
    assert fixed.startswith("from transformers import (\r\n    AutoTokenizer,\r\n")
    assert "\n" not in fixed.replace("\r\n", "")


# ---- the order ------------------------------------------------------------------------------
@needs_ruff
def test_member_order_matches_ruff(tmp_path: Path) -> None:
    names = ["WEIGHTS_NAME", "TF2_WEIGHTS_NAME", "T", "t", "A1", "A01", "A_b", "Ab", "AB", "ab"]
    names += ["a_b", "x2y", "x10y", "x02y", "_private", "_Private", "É", "é", "Xlnet", "XLNet"]
    names += ["GPT2Model", "GenerationConfig", "Wav2Vec2Model", "Wav10Model", "set_seed", "Auto_x"]
    names += ["AutoTokenizer", "get_scheduler", "Trainer"]
    random.Random(0).shuffle(names)
    ordered = sorted_names(names)
    text = "from transformers import (\n" + "".join(f"    {n},\n" for n in ordered) + ")\n"
    text += f"\nprint({', '.join(ordered)})\n"
    assert _ruff(text, tmp_path) == []
    assert member_key("Trainer") < member_key("Trainer", "HFTrainer")  # no `as` first
