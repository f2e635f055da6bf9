"""spaCy imported once, and token boundaries from its rule-based tokenizer without loading a pipeline.

The trained pipelines use their language's default tokenizer, so ``spacy.blank(lang)``
gives the same tokens: span snapping in the app and token offsets in the exports agree
with what training will see.

Building ``spacy.blank("fr")`` takes 3.2 s here (English 0.25 s), nearly all of it
importing and compiling the French tokenizer exceptions. So :func:`blank_nlp` builds
each language's tokenizer once per spaCy version and keeps it in the user's cache
(``Tokenizer.to_bytes``); later processes load it (``from_bytes``, 0.05 s for French)
into a multi-language pipeline, with the French token_match regex matched lazily
(:mod:`.lazy_match`). Tests check the tokens are spacy.blank's.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from functools import lru_cache
from pathlib import Path

_lock = threading.Lock()
_import_lock = threading.Lock()
CACHE_ENV = "PARALLAX_CACHE_DIR"  # where the tokenizers are kept (default: the user's cache folder)
LAZY_PATTERN_CHARS = 100_000  # a token_match pattern this long is matched lazily, not compiled whole
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


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


@lru_cache(maxsize=16)
def language_nlp(lang: str):
    """A cached ``spacy.blank(lang)``; languages spaCy lacks fall back to the multi-language one.

    The whole language (lexical attributes such as like_num and is_stop, stop words):
    what rules are matched with. For tokens alone, :func:`blank_nlp` is faster.
    """
    spacy = import_spacy()
    with _lock:
        try:
            return spacy.blank(lang)
        except Exception:  # ImportError / E048 for an unknown language code
            return spacy.blank("xx")


@lru_cache(maxsize=16)
def blank_nlp(lang: str):
    """A pipeline whose ``make_doc`` gives exactly ``spacy.blank(lang)``'s tokens, cached.

    The first time for a spaCy version and language it is ``language_nlp(lang)``, and its
    tokenizer is saved; after that it is a multi-language pipeline with that tokenizer,
    so its lexical attributes are not the language's (use :func:`language_nlp` for rules).
    """
    spacy = import_spacy()
    path = tokenizer_cache_file(lang, spacy.__version__)
    if path is not None:
        nlp = _load_cached(path)
        if nlp is not None:
            return nlp
    nlp = language_nlp(lang)
    if path is not None:
        _save(path, nlp.tokenizer.to_bytes(exclude=["vocab"]))
    return nlp


@lru_cache(maxsize=64)
def tokenizer_name(lang: str) -> str:
    """The name tokens are stored under: they are stale once spaCy (its rules) changes.

    Read from the installed package's metadata, so the app can ask without importing spaCy.
    """
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"spacy-{version('spacy')}:{lang}"
    except PackageNotFoundError:
        return f"spacy-none:{lang}"


TOKENIZE_BLOCK = 100_000  # characters tokenized at once at most (spaCy refuses texts over max_length)


def token_offsets(text: str, lang: str) -> list[tuple[int, int]]:
    """(start, end) character offsets of every non-space token in ``text``.

    spaCy's tokens never cross whitespace, so a long text is tokenized a block at a time,
    each block cut after a newline (or a space): the same tokens, any length of text.
    """
    make_doc = blank_nlp(lang).make_doc
    out: list[tuple[int, int]] = []
    start = 0
    while start < len(text):
        end = len(text)
        if end - start > TOKENIZE_BLOCK:
            cut = text.rfind("\n", start, start + TOKENIZE_BLOCK)
            if cut <= start:
                cut = text.rfind(" ", start, start + TOKENIZE_BLOCK)
            end = cut + 1 if cut > start else start + TOKENIZE_BLOCK
        doc = make_doc(text[start:end])
        out += [(start + t.idx, start + t.idx + len(t.text)) for t in doc if not t.is_space]
        start = end
    return out


def cache_dir() -> Path:
    """``$PARALLAX_CACHE_DIR``, else ``$XDG_CACHE_HOME/parallax``, else ``~/.cache/parallax``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "parallax"


def tokenizer_cache_file(lang: str, spacy_version: str) -> Path | None:
    """Where the tokenizer of ``lang`` for this spaCy version is kept (None: a name unfit for a file)."""
    if not (_SAFE_NAME.match(lang) and _SAFE_NAME.match(spacy_version.replace(".", "_"))):
        return None
    return cache_dir() / "tokenizers" / f"spacy-{spacy_version}" / f"{lang}.bin"


def _load_cached(path: Path):
    """The pipeline from a saved tokenizer, or None when there is none or it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    import srsly
    from spacy.tokenizer import Tokenizer

    from .lazy_match import LazyAlternation

    with _lock:
        try:
            nlp = import_spacy().blank("xx")
            tokenizer = Tokenizer(nlp.vocab).from_bytes(data, exclude=["vocab", "token_match"])
            pattern = srsly.msgpack_loads(data).get("token_match")
        except Exception:  # a damaged or foreign file: build the tokenizer again
            return None
    if isinstance(pattern, str):
        tokenizer.token_match = (LazyAlternation(pattern).match if len(pattern) >= LAZY_PATTERN_CHARS
                                 else re.compile(pattern).match)
    nlp.tokenizer = tokenizer
    return nlp


def _save(path: Path, data: bytes) -> None:
    """Write the file whole (a temporary file renamed over it); a cache that cannot be written is skipped."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        pass
