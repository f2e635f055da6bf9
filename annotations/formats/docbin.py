"""spaCy ``.spacy`` files (DocBin): ``doc.ents`` and, when present, ``doc.spans["sc"]``.

``kb_id`` of an entity or span becomes a link (named from Parallax's
``parallax_entities`` user data when present). A Doc with *missing* tokens
(``ent_iob_ == ""``: unknown, as Parallax writes undecided suggestions and cut
spans) is not complete gold: it is imported with its spans but not marked done.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..model import ArticleRecord, SpanRecord
from .problems import Problem

SPAN_KEY = "sc"
ENTITIES_KEY = "parallax_entities"  # user data written by parallax export: {kb_id: entity name}


def read_docbin(file, path: str, name: str) -> Iterator[ArticleRecord | Problem]:
    """Yield one accepted record per Doc; a file spaCy cannot read is one problem.

    A blank vocabulary is enough: only the text, the entity and span offsets and
    labels are read. ``title`` (or Parallax's ``parallax_title``), ``source``, ``lang`` and
    ``meta`` are taken from ``doc.user_data`` when a writer put them there.
    """
    from spacy.tokens import DocBin
    from spacy.vocab import Vocab

    data = file.read_bytes()
    if not data.strip():
        yield Problem(path, None, "empty file (no documents to import)")
        return
    try:
        docs = list(DocBin(store_user_data=True).from_bytes(data).get_docs(Vocab()))
    except Exception as exc:  # zlib, msgpack and spaCy each raise their own kinds
        yield Problem(path, None, f"not a readable spaCy DocBin file ({type(exc).__name__}); "
                                  "write it with DocBin(...).to_disk or choose --format")
        return
    if not docs:
        yield Problem(path, None, "holds no documents (an empty DocBin)", notice=True)
    for i, doc in enumerate(docs, 1):
        info = {k: v for k, v in doc.user_data.items() if isinstance(k, str)}
        names = info.get(ENTITIES_KEY) if isinstance(info.get(ENTITIES_KEY), dict) else {}

        def record(s, names=names) -> SpanRecord:
            name = names.get(s.kb_id_) if s.kb_id_ else None
            return SpanRecord(s.start_char, s.end_char, s.label_, text=s.text, kb_id=s.kb_id_ or None,
                              entity=name if isinstance(name, str) else None)

        spans = [record(e) for e in doc.ents]
        if SPAN_KEY in doc.spans:
            spans += [record(s) for s in doc.spans[SPAN_KEY]]
        unknown = sum(1 for t in doc if t.ent_iob == 0 and not t.is_space)
        given = info.get("meta")
        meta: dict = given if isinstance(given, dict) else {}
        title = info.get("title", info.get("parallax_title"))  # the latter from parallax export
        source, lang = info.get("source"), info.get("lang")
        yield ArticleRecord(
            text=doc.text, spans=spans, answer=None if unknown else "accept", meta=meta,
            title=title if isinstance(title, str) and title.strip() else None,
            source=source if isinstance(source, str) and source else f"{name}#{i}",
            lang=lang if isinstance(lang, str) and lang else None)
        if unknown:
            yield Problem(path, None, f"doc {i}: {unknown} token{'s' if unknown > 1 else ''} marked missing "
                          "(unknown): the article is imported with its spans but not marked done, so "
                          "they never become \"not an entity\"", notice=True)
