"""spaCy pipelines, rules, annotation memory and pre-annotation."""

from __future__ import annotations

import threading

_import_lock = threading.Lock()


class Stopped(BaseException):  # noqa: N818 (not an error: asked for)
    """An NLP job was asked to stop (SIGTERM, Ctrl-C, its parent gone): it ends where it is;
    every write it made is one transaction, and a training stopped keeps nothing."""


def import_spacy():
    """Import spaCy (and the submodules Parallax uses) once, under a lock.

    The app imports spaCy from two threads at start (the tokenizer warm-up and the
    pre-annotation); two threads importing its package tree at the same moment can fail
    with ``KeyError: 'spacy'`` inside importlib. Every thread that needs spaCy calls this
    first, so the import happens once and the others wait for it.
    """
    with _import_lock:
        import spacy
        import spacy.matcher
        import spacy.pipeline
        import spacy.schemas
        import spacy.tokens
        import spacy.util
    return spacy
