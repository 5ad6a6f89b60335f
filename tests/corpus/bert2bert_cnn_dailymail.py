"""bert2bert summarization with EncoderDecoderModel (warm-started from two BERT checkpoints)."""

import evaluate
import numpy as np
from datasets import load_dataset
from transformers import (
    AutoTokenizer,
    DataCollatorForSeq2Seq,
    EncoderDecoderModel,
    Seq2SeqTrainer,
    Seq2SeqTrainingArguments,
)

encoder_id = decoder_id = "bert-base-uncased"
tokenizer = AutoTokenizer.from_pretrained(encoder_id)
bert2bert = EncoderDecoderModel.from_encoder_decoder_pretrained(encoder_id, decoder_id)

bert2bert.config.decoder_start_token_id = tokenizer.cls_token_id
bert2bert.config.eos_token_id = tokenizer.sep_token_id
bert2bert.config.pad_token_id = tokenizer.pad_token_id
bert2bert.generation_config.decoder_start_token_id = tokenizer.cls_token_id
bert2bert.generation_config.eos_token_id = tokenizer.sep_token_id
bert2bert.generation_config.pad_token_id = tokenizer.pad_token_id
bert2bert.generation_config.max_new_tokens = 128
bert2bert.generation_config.no_repeat_ngram_size = 3
bert2bert.generation_config.length_penalty = 2.0
bert2bert.generation_config.num_beams = 4

train_data = load_dataset("cnn_dailymail", "3.0.0", split="train[:1%]")
val_data = load_dataset("cnn_dailymail", "3.0.0", split="validation[:200]")


def process_data_to_model_inputs(batch):
    inputs = tokenizer(batch["article"], truncation=True, max_length=512)
    outputs = tokenizer(text_target=batch["highlights"], truncation=True, max_length=128)
    inputs["labels"] = outputs["input_ids"]
    return inputs


columns = ["article", "highlights", "id"]
train_data = train_data.map(process_data_to_model_inputs, batched=True, remove_columns=columns)
val_data = val_data.map(process_data_to_model_inputs, batched=True, remove_columns=columns)
rouge = evaluate.load("rouge")


def compute_metrics(pred):
    label_ids = np.where(pred.label_ids != -100, pred.label_ids, tokenizer.pad_token_id)
    pred_ids = np.where(pred.predictions != -100, pred.predictions, tokenizer.pad_token_id)
    pred_str = tokenizer.batch_decode(pred_ids, skip_special_tokens=True)
    label_str = tokenizer.batch_decode(label_ids, skip_special_tokens=True)
    scores = rouge.compute(predictions=pred_str, references=label_str, rouge_types=["rouge2"])
    return {"rouge2": round(scores["rouge2"], 4)}


training_args = Seq2SeqTrainingArguments(
    output_dir="./bert2bert-cnn",
    predict_with_generate=True,
    eval_strategy="steps",
    per_device_train_batch_size=8,
    per_device_eval_batch_size=8,
    fp16=True,
    logging_steps=100,
    save_steps=1000,
    eval_steps=1000,
    save_total_limit=2,
)
trainer = Seq2SeqTrainer(
    model=bert2bert,
    args=training_args,
    compute_metrics=compute_metrics,
    train_dataset=train_data,
    eval_dataset=val_data,
    data_collator=DataCollatorForSeq2Seq(tokenizer, model=bert2bert),
    processing_class=tokenizer,
)
trainer.train()
