"""JSON Lines in Prodigy's form or doccano's, one article per line, read as a stream.

Prodigy's entity-linking tasks (the ``choice`` interface: ``options`` with ids, ``accept``
holding the chosen one, the mention in ``spans``) import as links; see :func:`_choice_links`.

Prodigy: ``{"text", "spans": [{"start", "end", "label", "text"?, "kb_id"?}], "meta", "answer"}``;
``tokens`` and token indices are ignored (character offsets are what count), and so
are spans with ``"status": "rejected"`` (written by ``parallax export --all``). ``meta`` is
kept whole, and Prodigy's own keys (``_input_hash``, ``_task_hash``, ...) with it, so that the
export writes them back. A
span's ``kb_id`` (with ``entity``, its name) becomes a link. Suggestions nobody
decided on (``"status": "suggested"`` spans, and the ``undecided`` list of
``parallax export``) come back as suggestions. A label must be a JSON string.
doccano: ``{"text", "label": [[start, end, label], ...]}`` (or ``labels``, or the newer
``entities`` list of ``{"start_offset", "end_offset", "label"}``); every doccano record is
taken as accepted.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from ..config import LANG_RE
from ..model import ArticleRecord, SpanRecord, Status
from .decode import decoded_lines
from .problems import Problem, excerpt

ANSWERS = ("accept", "reject", "ignore")
_DOCCANO_KEYS = ("label", "labels", "entities")
_PRODIGY_KEYS = {"text", "spans", "tokens", "meta", "answer", "title", "lang", "source"}
UNDECIDED_KEY = "undecided"  # parallax export: a done article's suggestions nobody decided on
# Prodigy's own keys of a task (``_input_hash``, ``_task_hash``, ``_view_id``, ``_session_id``, ...)
# are kept in the article's meta under this key, and written back where they were by the export.
PRODIGY_META_KEY = "_prodigy"


def read_jsonl(file, path: str, name: str) -> Iterator[ArticleRecord | Problem]:
    """Yield one record (or the problems that refuse it) per non-blank line."""
    seen_any = False
    with file.open("rb") as stream:
        for line, text in decoded_lines(stream, path):
            if isinstance(text, Problem):
                seen_any = True
                yield text
                continue
            if not text.strip():
                continue
            seen_any = True
            try:
                obj = json.loads(text.rstrip("\r\n"))
            except json.JSONDecodeError as exc:
                reason = exc.msg.removesuffix(" at")
                yield Problem(path, line, f"malformed JSON: {reason} at column {exc.colno}; "
                                          "each line must be one JSON object")
                continue
            except RecursionError:
                yield Problem(path, line, "malformed JSON: nested too deeply")
                continue
            yield from parse_record(obj, path, line, f"{name}:{line}")
    if not seen_any:
        yield Problem(path, None, "empty file (no records to import)")


def parse_record(obj: object, path: str, line: int, source: str) -> Iterator[ArticleRecord | Problem]:
    """One decoded JSON value as an article record, or the problems that refuse it."""
    if not isinstance(obj, dict):
        yield Problem(path, line, f"expected a JSON object with a \"text\" field, got {type(obj).__name__}")
        return
    text = obj.get("text", obj.get("data"))
    if not isinstance(text, str):
        yield Problem(path, line, 'no "text" string in this record; each line needs {"text": "..."}')
        return
    if not text.strip():
        yield Problem(path, line, "empty text (nothing to import)")
        return
    given = obj.get("meta")
    meta: dict = given if isinstance(given, dict) else {}
    problems: list[Problem] = []
    suggestions: list[SpanRecord] = []
    if "spans" in obj or UNDECIDED_KEY in obj:
        spans = _prodigy_spans(obj.get("spans"), path, line, problems, suggestions)
        _undecided(obj.get(UNDECIDED_KEY), path, line, problems, suggestions)
        answer = obj.get("answer")
        if answer is not None and answer not in ANSWERS:
            problems.append(Problem(path, line, f"unknown answer {excerpt(str(answer))} "
                                                "(expected accept, reject or ignore)"))
    elif any(key in obj for key in _DOCCANO_KEYS):
        spans = _doccano_spans(obj, path, line, problems)
        answer = "accept"
        meta = {**{k: v for k, v in obj.items() if k not in _PRODIGY_KEYS
                   and k not in _DOCCANO_KEYS and k != "data"}, **meta}
    else:
        spans, answer = [], obj.get("answer")
        if answer is not None and answer not in ANSWERS:
            problems.append(Problem(path, line, f"unknown answer {excerpt(str(answer))} "
                                                "(expected accept, reject or ignore)"))
    link_task = "options" in obj and "accept" in obj  # Prodigy's choice interface: entity linking
    if link_task and not problems:
        spans = _choice_links(obj, spans, answer, path, line, problems)
        answer = None  # one mention's link says nothing about the article's other tokens
    if problems:
        yield from problems
        return
    own = {k: v for k, v in obj.items() if isinstance(k, str) and k.startswith("_")}
    if own:
        meta = {**meta, PRODIGY_META_KEY: own}
    title = meta.get("title", obj.get("title"))
    lang = obj.get("lang", meta.get("lang"))
    src = meta.get("source", obj.get("source"))
    yield ArticleRecord(
        text=text, title=title if isinstance(title, str) and title.strip() else None,
        source=src if isinstance(src, str) and src.strip() else source,
        lang=lang if isinstance(lang, str) and LANG_RE.match(lang) else None,
        meta=meta, spans=spans, answer=answer, suggestions=suggestions, line=line, link_task=link_task)


def _choice_links(obj: dict, spans: list[SpanRecord], answer: object, path: str, line: int,
                  problems: list[Problem]) -> list[SpanRecord]:
    """An entity-linking task: its mention (``spans``) linked to the option in ``accept``.

    Options are ``{"id", "text" or "html"}``; an id starting with ``NIL`` (Prodigy's
    NIL_otherLink, NIL_ambiguous) links nothing. A rejected or ignored task decides nothing.
    The entity's name is the option's text when it gives one, else the mention's text.
    """
    options, accept = obj.get("options"), obj.get("accept")
    if not isinstance(options, list) or not all(isinstance(o, dict) and "id" in o for o in options):
        problems.append(Problem(path, line, '"options" must be a list of {"id", "text"} objects'))
        return []
    if not isinstance(accept, list):
        problems.append(Problem(path, line, '"accept" must be a list of option ids'))
        return []
    if answer not in (None, "accept"):
        return []
    known = {str(o["id"]): o for o in options}
    chosen = [str(a) for a in accept if str(a) in known and not str(a).upper().startswith("NIL")]
    unknown = [a for a in accept if str(a) not in known]
    if unknown:
        problems.append(Problem(path, line, f'"accept" holds {excerpt(str(unknown[0]))}, which is not '
                                            'among the "options" ids'))
        return []
    if len(chosen) > 1:
        problems.append(Problem(path, line, f"{len(chosen)} options accepted; an entity link takes one"))
        return []
    if not chosen:
        return spans  # NIL: the mention, not linked
    option = known[chosen[0]]
    name = option.get("text")
    name = name.strip() if isinstance(name, str) and name.strip() and name.strip() != chosen[0] else None
    return [SpanRecord(s.start, s.end, s.label, text=s.text, origin=s.origin, kb_id=chosen[0],
                       entity=name or s.entity) for s in spans]


def _is_offset(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _prodigy_spans(raw: object, path: str, line: int, problems: list[Problem],
                   suggestions: list[SpanRecord]) -> list[SpanRecord]:
    """The gold spans; suggestions nobody decided on (status "suggested") go to ``suggestions``."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        problems.append(Problem(path, line, '"spans" must be a list of {"start", "end", "label"} objects'))
        return []
    spans = []
    for i, item in enumerate(raw, 1):
        span = _span(item, f"span {i}", path, line, problems)
        if span is None or item.get("status") == Status.REJECTED:
            continue  # Parallax's own `export --all`: a "not this entity" decision is not gold
        if item.get("status") == Status.SUGGESTED:
            suggestions.append(span)
        else:
            spans.append(span)
    return spans


def _undecided(raw: object, path: str, line: int, problems: list[Problem],
               suggestions: list[SpanRecord]) -> None:
    """Parallax's ``undecided`` list: a done article's suggestions nobody decided on."""
    if raw is None:
        return
    if not isinstance(raw, list):
        problems.append(Problem(path, line, f'"{UNDECIDED_KEY}" must be a list of {{"start", "end", '
                                            '"label"}} objects'))
        return
    for i, item in enumerate(raw, 1):
        span = _span(item, f"{UNDECIDED_KEY} entry {i}", path, line, problems)
        if span is not None:
            suggestions.append(span)


def _span(item: object, what: str, path: str, line: int, problems: list[Problem]) -> SpanRecord | None:
    """One {"start", "end", "label", ...} object as a SpanRecord, or None with a problem."""
    if not isinstance(item, dict):
        problems.append(Problem(path, line, f"{what} is not an object with start, end and label"))
        return None
    start, end, label = item.get("start"), item.get("end"), item.get("label")
    if not (_is_offset(start) and _is_offset(end)):
        problems.append(Problem(path, line, f"{what} needs whole-number \"start\" and \"end\" "
                                            f"character offsets, got {excerpt(str(start))}, "
                                            f"{excerpt(str(end))}"))
        return None
    if not isinstance(label, str):
        problems.append(_bad_label(label, what, path, line))
        return None
    claimed, kb_id, entity, origin = (item.get(k) for k in ("text", "kb_id", "entity", "origin"))
    assert isinstance(start, int) and isinstance(end, int)  # _is_offset checked them
    return SpanRecord(start, end, label, text=claimed if isinstance(claimed, str) else None,
                      origin=origin if origin in ("model", "rules", "memory") else "import",
                      kb_id=kb_id if isinstance(kb_id, str) and kb_id.strip() else None,
                      entity=entity if isinstance(entity, str) and entity.strip() else None)


def _doccano_spans(obj: dict, path: str, line: int, problems: list[Problem]) -> list[SpanRecord]:
    spans = []
    for key in _DOCCANO_KEYS:
        raw = obj.get(key)
        if raw is None:
            continue
        if not isinstance(raw, list):
            problems.append(Problem(path, line, f'"{key}" must be a list of [start, end, label]'))
            continue
        for i, item in enumerate(raw, 1):
            if isinstance(item, dict):  # doccano 1.x "entities"
                item = [item.get("start_offset"), item.get("end_offset"), item.get("label")]
            if isinstance(item, str):
                problems.append(Problem(path, line, f'"{key}" holds {excerpt(item)}, not [start, end, '
                                                    'label] (a text-classification export?)'))
                break
            if not (isinstance(item, list) and len(item) == 3
                    and _is_offset(item[0]) and _is_offset(item[1])):
                problems.append(Problem(path, line, f'{key} entry {i} is {excerpt(json.dumps(item))}, '
                                                    'expected [start, end, label]'))
                continue
            label = item[2]
            if not isinstance(label, str):
                problems.append(_bad_label(label, f"{key} entry {i}", path, line))
                continue
            spans.append(SpanRecord(item[0], item[1], label))
    return spans


def _bad_label(label: object, what: str, path: str, line: int) -> Problem:
    """A label that is not a JSON string (true, 3, null, a list) refuses its record."""
    shown = "no label" if label is None else f"the label {excerpt(json.dumps(label))}"
    return Problem(path, line, f"{what} has {shown}, not a name; a label is a JSON string such as "
                               '"PERSON" (a letter, then letters, digits, _ or -)')
