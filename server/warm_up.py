"""Getting the engine ready before the first document arrives.

The check process runs this while the server is still importing pygls, on the other core:
the imports, transformers' tables, and the first-use work of the rules (reading the model
sources HF406 needs, the target version, the bundled checkpoint table) are then done before
the user's first file is checked. Nothing here imports lsprotocol or pygls.
"""

from __future__ import annotations

from collections.abc import Callable

# A small script that walks most rules through their first use; its findings are dropped.
SAMPLE = """\
import torch
from transformers import (
    AutoModelForCausalLM, AutoModelForSequenceClassification, AutoModelForSeq2SeqLM,
    AutoTokenizer, DataCollatorForSeq2Seq, Seq2SeqTrainer, Seq2SeqTrainingArguments, Trainer,
    TrainingArguments, pipeline,
)

tok = AutoTokenizer.from_pretrained("gpt2")
clf = AutoModelForSequenceClassification.from_pretrained("gpt2", num_labels=3)
lm = AutoModelForCausalLM.from_pretrained("gpt2", dtype=torch.float32)
batch = tok(["a", "b c"], padding=True, return_tensors="pt")
out = lm.generate(**batch, max_new_tokens=5, temperature=0.7)
texts = tok.batch_decode(out, skip_special_tokens=True)
s2s = AutoModelForSeq2SeqLM.from_pretrained("t5-small")
args = Seq2SeqTrainingArguments(output_dir="out", eval_strategy="epoch", predict_with_generate=True)
trainer = Seq2SeqTrainer(model=s2s, args=args, data_collator=DataCollatorForSeq2Seq(tok, model=s2s))
trainer.train()
plain = Trainer(model=clf, args=TrainingArguments(output_dir="o"), processing_class=tok)
classify = pipeline("text-classification", model="distilbert-base-uncased-finetuned-sst-2-english")
"""


def warm_up(wanted: Callable[[], bool] = lambda: False) -> None:
    """Import the engine, read transformers' tables, and check the sample once. The sample is
    left out when `wanted()` says a real check is waiting: that check warms the same caches."""
    try:
        from hflint.analyzers.engine import analyze_source
        from hflint.analyzers.knowledge import load_knowledge
        from hflint.rules.pad_token_classifier import model_files
        from hflint.rules.registry import all_rules

        all_rules()
        load_knowledge()
        if not wanted():
            analyze_source(SAMPLE)
        model_files("modeling")  # HF406 looks for classes outside their model's folder
    except Exception:  # the first real check reports whatever is wrong
        pass
