from transformers import AutoModelForSeq2SeqLM, AutoModelForSpeechSeq2Seq, AutoProcessor, AutoTokenizer

processor = AutoProcessor.from_pretrained("openai/whisper-tiny")
asr = AutoModelForSpeechSeq2Seq.from_pretrained("openai/whisper-tiny")
tok = AutoTokenizer.from_pretrained("Helsinki-NLP/opus-mt-en-de")
mt = AutoModelForSeq2SeqLM.from_pretrained("Helsinki-NLP/opus-mt-en-de")
ids = mt.generate(**tok(["Hello world"], return_tensors="pt", padding=True), max_new_tokens=40)
print(tok.batch_decode(ids, skip_special_tokens=True))
