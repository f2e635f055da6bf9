"""Parallax core: corpus, store, NLP, export and CLI. Never imports textual."""

__version__ = "0.1.0"
