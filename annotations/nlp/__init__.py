"""spaCy pipelines, rules, annotation memory and pre-annotation."""

from __future__ import annotations


class Stopped(BaseException):  # noqa: N818 (not an error: asked for)
    """An NLP job was asked to stop (SIGTERM, Ctrl-C, its parent gone): it ends where it is;
    every write it made is one transaction, and a training stopped keeps nothing."""
