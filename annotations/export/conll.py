"""CoNLL (IOB2): one ``token TAG`` line per token, sentences separated by blank lines.

Each article starts with ``-DOCSTART- -X- O O``. Sentences come from spaCy's
sentencizer plus every line break, never inside an entity ("ST. LOUIS" stays one). A span
whose ends fall inside a token is snapped outwards to whole tokens and reported. A token of a
suggestion a done article left undecided is tagged ``-`` (unknown). Whitespace and control
characters inside a token are written ``\\uXXXX`` (see
:func:`annotations.formats.conll.escape_token`), so the file is plain text and
``parallax import`` reads back exactly the tokens written.
"""

from __future__ import annotations

from typing import TextIO

from ..formats.conll import escape_token
from .align import Problem, iob_tags, make_doc, sentences, snapped_entities, unknown_tokens
from .gold import ExportArticle

DOCSTART = "-DOCSTART- -X- O O"


def tagged_sentences(item: ExportArticle) -> tuple[list[list[tuple[str, str]]], list[Problem]]:
    """[(token text, IOB2 tag), ...] per sentence of the article, and the problems met."""
    doc = make_doc(item)
    entities, problems = snapped_entities(item, doc)
    tags = iob_tags(doc, entities, unknown_tokens(item, doc, entities))
    return [[(t.text, tags[t.i]) for t in sent] for sent in sentences(doc, entities)], problems


def write_conll(articles: list[ExportArticle], out: TextIO) -> dict:
    """Write every article to an open text stream in CoNLL IOB2."""
    problems: list[Problem] = []
    for item in articles:
        sents, found = tagged_sentences(item)
        problems += found
        out.write(DOCSTART + "\n\n")
        for sent in sents:
            out.writelines(f"{escape_token(tok)} {tag}\n" for tok, tag in sent)
            out.write("\n")
    return {"articles": {"all": len(articles)}, "problems": problems}
