"""Which AutoModel should I pick? One loader per task, as a tutorial cheat-sheet suggests."""

from transformers import (
    AutoModel,
    AutoModelForCausalLM,
    AutoModelForConditionalGeneration,
    AutoModelForNextSentencePrediction,
    AutoModelForZeroShotClassification,
    AutoTokenizer,
    TFAutoModelForSequenceClassification,
    pipeline,
)

TASKS = {
    "understanding": "bert-base-uncased",
    "generation": "gpt2",
    "rewriting": "google/flan-t5-base",
    "zero-shot": "facebook/bart-large-mnli",
}


def text_rewriter():
    tok = AutoTokenizer.from_pretrained(TASKS["rewriting"])
    model = AutoModelForConditionalGeneration.from_pretrained(TASKS["rewriting"])
    return tok, model


def zero_shot_model():
    return AutoModelForZeroShotClassification.from_pretrained(TASKS["zero-shot"])


def sentence_pair_scorer(first, second):
    tok = AutoTokenizer.from_pretrained(TASKS["understanding"])
    model = AutoModelForNextSentencePrediction.from_pretrained(TASKS["understanding"])
    logits = model(**tok(first, second, return_tensors="pt")).logits
    return logits.softmax(-1)[0, 0].item()


def keras_classifier():
    tok = AutoTokenizer.from_pretrained(TASKS["understanding"])
    model = TFAutoModelForSequenceClassification.from_pretrained(TASKS["understanding"], num_labels=2)
    batch = tok(["great movie", "awful plot"], padding=True, return_tensors="tf")
    return model(batch).logits


def story_generator():
    return pipeline(
        "text-generation",
        model=TASKS["generation"],
        framework="pt",
        model_kwargs={"temperature": 0.9, "top_p": 0.95, "max_length": 200},
    )


def quick_sentiment(texts):
    classifier = pipeline("sentiment-analysis")
    return classifier(texts)


def embeddings(texts):
    tok = AutoTokenizer.from_pretrained(TASKS["understanding"])
    model = AutoModel.from_pretrained(TASKS["understanding"])
    out = model(**tok(texts, padding=True, return_tensors="pt"))
    return out.last_hidden_state[:, 0]


def causal_generation(prompt):
    tok = AutoTokenizer.from_pretrained(TASKS["generation"])
    model = AutoModelForCausalLM.from_pretrained(TASKS["generation"])
    ids = model.generate(**tok(prompt, return_tensors="pt"), max_new_tokens=40)
    return tok.decode(ids[0])


if __name__ == "__main__":
    print(quick_sentiment(["I love this!"]))
    print(sentence_pair_scorer("The sky is blue.", "It rarely rains here."))
    print(story_generator()("Once upon a time")[0]["generated_text"])
