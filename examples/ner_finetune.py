"""Token classification (NER) on CoNLL-2003 with a BERT encoder."""

import numpy as np
import evaluate
from datasets import load_dataset
from transformers import (
    AutoModelForTokenClassification,
    AutoTokenizer,
    DataCollatorForTokenClassification,
    Trainer,
    TrainingArguments,
)

checkpoint = "bert-base-cased"
label_list = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"]
id2label = {i: label for i, label in enumerate(label_list)}
label2id = {"O": 0, "B-PER": 1, "I-PER": 2, "B-ORG": 3, "I-ORG": 4, "B-LOC": 6, "I-LOC": 5}

tokenizer = AutoTokenizer.from_pretrained(checkpoint)
model = AutoModelForTokenClassification.from_pretrained(checkpoint)
seqeval = evaluate.load("seqeval")

# A second experiment: start from an already fine-tuned NER model (CoNLL's 9 tags incl. MISC)
# and re-head it for our 7 labels.
ner_model = AutoModelForTokenClassification.from_pretrained(
    "dslim/bert-base-NER",
    num_labels=len(label_list),
    id2label=id2label,
    label2id=label2id,
)


def align_labels(examples):
    enc = tokenizer(examples["tokens"], truncation=True, is_split_into_words=True)
    enc["labels"] = [[-100 if w is None else tags[w] for w in enc.word_ids(i)] for i, tags in enumerate(examples["ner_tags"])]
    return enc


def compute_metrics(p):
    predictions, labels = p
    predictions = np.argmax(predictions, axis=2)
    true_predictions = [[label_list[p] for p, l in zip(pred, lab) if l != -100] for pred, lab in zip(predictions, labels)]
    true_labels = [[label_list[l] for p, l in zip(pred, lab) if l != -100] for pred, lab in zip(predictions, labels)]
    return seqeval.compute(predictions=true_predictions, references=true_labels)


conll = load_dataset("eriktks/conll2003").map(align_labels, batched=True)
args = TrainingArguments(output_dir="bert-ner", eval_strategy="epoch", save_strategy="epoch", load_best_model_at_end=True)
trainer = Trainer(
    model=model,
    args=args,
    train_dataset=conll["train"],
    eval_dataset=conll["validation"],
    data_collator=DataCollatorForTokenClassification(tokenizer),
    compute_metrics=compute_metrics,
)
trainer.train()
