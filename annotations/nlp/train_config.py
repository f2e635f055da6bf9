"""spaCy's training config for a named-entity recognizer fine-tuned on a project's gold.

The config is spaCy's own: a base pipeline's components are *sourced* (``source = NAME``), every
one but ``ner`` frozen, so only the recognizer learns and the rest of the pipeline (its
sentence boundaries, its attribute ruler) stays as shipped. A base without ``ner`` gets a new
one; a language without a pipeline starts from ``spacy init config -p ner`` on ``spacy.blank``.
Training is ``spacy.training.initialize.init_nlp`` and ``spacy.training.loop.train``, as
``spacy train`` runs them; the only piece of ours is a logger (:func:`progress_logger`) that
hands each step to a callback, so that the NLP child can report it and be stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..tokenizers import import_spacy

LOGGER = "parallax.TrainProgress.v1"
StepFn = Callable[[int, float, dict[str, Any] | None], None]  # step, NER loss so far, eval info or None

_on_step: list[StepFn] = []  # the callback of the training running in this process


@dataclass
class TrainSettings:
    """How long and how a training runs (``parallax train`` options and parallax.toml's [train])."""

    max_steps: int = 600
    eval_frequency: int = 50
    patience: int = 200  # steps without a better dev F1 before stopping early
    dropout: float = 0.1
    seed: int = 0
    batch_words: int = 1000  # words per batch, reached by compounding from 100


def register_logger() -> None:
    """Register :data:`LOGGER` with spaCy's registry (once per process)."""
    spacy = import_spacy()
    registry = spacy.util.registry
    if LOGGER in registry.loggers:
        return

    def progress_logger():
        def setup(nlp, stdout=None, stderr=None):
            steps = [0]

            def log_step(info: dict[str, Any] | None) -> None:
                steps[0] += 1
                if _on_step:
                    loss = float((info or {}).get("losses", {}).get("ner", 0.0)) if info else 0.0
                    _on_step[-1](steps[0], loss, info)

            return log_step, lambda: None

        return setup

    registry.loggers.register(LOGGER, func=progress_logger)


def on_step(callback: StepFn | None) -> None:
    """Send each training step of this process to ``callback`` (None: to nobody)."""
    _on_step.clear()
    if callback is not None:
        _on_step.append(callback)


def training_config(lang: str, base: str | None, train_path: str, dev_path: str, settings: TrainSettings):
    """The full config (a ``thinc`` Config) to fine-tune ``base`` (a package or folder; None:
    a blank ``lang`` pipeline with a new recognizer) on the DocBin files given, and the base's
    lookup tables (its lexeme norms, which its recognizer reads) for :func:`initialized`.

    A shipped pipeline's config loads its lookups from ``spacy-lookups-data`` at initialization;
    that package is not installed (nor needed): the tables ship inside the pipeline's vocab."""
    spacy = import_spacy()
    from spacy.util import load_config_from_str

    register_logger()
    if base is None:
        from spacy.cli.init_config import init_config

        config = init_config(lang=lang, pipeline=["ner"], optimize="efficiency", gpu=False, silent=True)
        frozen: list[str] = []
        weights: dict[str, float | None] = {}
        lookups = None
    else:
        nlp = spacy.load(base)
        config = nlp.config.copy()
        names = list(nlp.component_names)  # disabled ones too (senter)
        weights = {key: None for key in config["training"].get("score_weights", {})}
        components = {name: {"source": base} for name in names}
        if "ner" not in names:
            components["ner"] = {"factory": "ner"}
            config["nlp"]["pipeline"] = [*names, "ner"]
        config["components"] = components
        frozen = [name for name in names if name != "ner"]
        config["initialize"]["components"] = {}
        config["initialize"]["before_init"] = None
        config["initialize"]["after_init"] = None
        config["initialize"]["vectors"] = None
        config["initialize"]["init_tok2vec"] = None
        config["initialize"]["lookups"] = None
        lookups = nlp.vocab.lookups
    text = config.to_str()
    config = load_config_from_str(text, interpolate=False)
    config["paths"]["train"] = train_path
    config["paths"]["dev"] = dev_path
    config["corpora"] = {
        "train": {"@readers": "spacy.Corpus.v1", "path": train_path, "max_length": 0, "gold_preproc": False,
                  "limit": 0, "augmenter": None},
        "dev": {"@readers": "spacy.Corpus.v1", "path": dev_path, "max_length": 0, "gold_preproc": False,
                "limit": 0, "augmenter": None},
    }
    training = config["training"]
    training["dev_corpus"] = "corpora.dev"
    training["train_corpus"] = "corpora.train"
    training["seed"] = settings.seed
    training["max_steps"] = settings.max_steps
    training["max_epochs"] = 0
    training["eval_frequency"] = settings.eval_frequency
    training["patience"] = settings.patience
    training["dropout"] = settings.dropout
    training["frozen_components"] = frozen
    training["annotating_components"] = []
    training["before_to_disk"] = None
    training["before_update"] = None
    training["logger"] = {"@loggers": LOGGER}
    training["batcher"] = {"@batchers": "spacy.batch_by_words.v1", "discard_oversize": False,
                           "tolerance": 0.2, "get_length": None,
                           "size": {"@schedules": "compounding.v1", "start": 100,
                                    "stop": settings.batch_words, "compound": 1.001, "t": 0.0}}
    training["score_weights"] = {**weights, "ents_f": 1.0, "ents_p": 0.0, "ents_r": 0.0,
                                 "ents_per_type": None}
    return config, lookups


def initialized(config, lookups):
    """``init_nlp`` on the config, with the base's lookup tables in the new pipeline's vocab."""
    from spacy.training.initialize import init_nlp

    nlp = init_nlp(config)
    if lookups is not None:
        for name in lookups.tables:
            if not nlp.vocab.lookups.has_table(name):
                nlp.vocab.lookups.set_table(name, lookups.get_table(name))
    return nlp
