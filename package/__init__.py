"""hflint: a linter and language server for code that uses Hugging Face transformers."""

__version__ = "0.1.0"
