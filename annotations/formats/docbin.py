"""spaCy ``.spacy`` files (DocBin): ``doc.ents`` and, when present, ``doc.spans["sc"]``."""

from __future__ import annotations

from collections.abc import Iterator

from ..model import ArticleRecord, SpanRecord
from .problems import Problem

SPAN_KEY = "sc"


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
        spans = [SpanRecord(e.start_char, e.end_char, e.label_, text=e.text, kb_id=e.kb_id_ or None)
                 for e in doc.ents]
        if SPAN_KEY in doc.spans:
            spans += [SpanRecord(s.start_char, s.end_char, s.label_, text=s.text, kb_id=s.kb_id_ or None)
                      for s in doc.spans[SPAN_KEY]]
        info = {k: v for k, v in doc.user_data.items() if isinstance(k, str)}
        meta = info.get("meta") if isinstance(info.get("meta"), dict) else {}
        title = info.get("title", info.get("parallax_title"))  # the latter from parallax export
        source, lang = info.get("source"), info.get("lang")
        yield ArticleRecord(
            text=doc.text, spans=spans, answer="accept", meta=meta,
            title=title if isinstance(title, str) and title.strip() else None,
            source=source if isinstance(source, str) and source else f"{name}#{i}",
            lang=lang if isinstance(lang, str) and lang else None)
