"""Inconsistencies across the corpus, in one annotator's view, each with a stable key.

Four kinds (``KINDS``): the same folded surface form with different labels or links in
different places ("Sahel" PERSON in English, LOC in French); the mentions of one entity with
different labels; two names so close they are probably one entity (:mod:`annotations.lookalike`);
and decided mentions that all contradict the label of the entity they are linked to (reported
when the mentions agree among themselves, else it is the second kind). ``parallax conflicts``
lists them; the app walks and resolves them, each resolution an ordinary, undoable decision.
A conflict the annotator dismissed ("two different people") is left out.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field

from .lookalike import joined, near_pairs
from .store import FormCount, Mention, Store, ViewForms
from .text import fold

PERSON_LABELS = {"PERSON", "PER"}  # a surname alone names one of these
KINDS = {
    "surface": "same form, different labels or links",
    "entity": "one entity, different labels",
    "names": "names probably of one entity",
    "decision": "decisions contradict their entity's label",
}


@dataclass(frozen=True)
class Place:
    """Where a conflict shows: one mention (``key`` is what a decision on it takes)."""

    article_id: int
    title: str
    lang: str
    start: int
    end: int
    text: str
    label: str
    status: str
    key: tuple[str, int]


@dataclass
class Conflict:
    kind: str
    key: str  # stable across runs: what a dismissal remembers
    summary: str
    forms: tuple[str, ...] = ()  # the folded forms involved
    labels: dict[str, int] = field(default_factory=dict)  # label -> mentions
    entity_id: int | None = None
    entity: str | None = None  # its name
    entity_label: str | None = None
    reason: str | None = None  # names: why they look like one
    mentions: int = 0
    articles: int = 0
    places: list[Place] = field(default_factory=list)

    def to_json(self) -> dict:
        out = asdict(self)
        out["forms"] = list(self.forms)
        out["places"] = [{**asdict(p), "key": list(p.key)} for p in self.places]
        return out


def find_conflicts(store: Store, annotator: str | None = None, *, places: int = 5,
                   dismissed: bool = False) -> list[Conflict]:
    """Every conflict in ``annotator``'s view (default: the store's), biggest first;
    ``places`` mentions of each are listed (0: none, see :func:`conflict_places`);
    ``dismissed`` keeps those the annotator dismissed."""
    annotator = annotator or store.annotator
    entities = {e["id"]: e for e in store.entities.all()}
    aliases = store.entities.alias_forms_by_entity()
    counted = store.entities.view_forms_read(annotator)
    forms = counted.forms
    found = (_surface(store, annotator, forms, entities) + _entity(store, annotator, entities, aliases)
             + _names(store, annotator, counted, aliases))
    if not dismissed:
        gone = store.entities.dismissed_conflicts(annotator)
        found = [c for c in found if (c.kind, c.key) not in gone]
    for conflict in found:
        conflict.places = conflict_places(store, conflict, places, annotator)
    order = list(KINDS)
    return sorted(found, key=lambda c: (order.index(c.kind), -c.mentions, c.key))


def _counted(labels: dict[str, int]) -> str:
    return ", ".join(f"{label} ×{n}" for label, n in sorted(labels.items(), key=lambda kv: (-kv[1], kv[0])))


def _surface(store: Store, annotator: str, forms: list[FormCount],
             entities: dict[int, dict]) -> list[Conflict]:
    linked: dict[str, set[int]] = defaultdict(set)
    for folded, entity_id, _ in store.entities.linked_forms(annotator):
        linked[folded].add(entity_id)
    out = []
    for form in forms:
        if len(form.labels) < 2 and len(linked[form.folded]) < 2:
            continue
        names = sorted({entities[e]["name"] for e in linked[form.folded] if e in entities})
        summary = f"'{store.entities.form_sample(form.folded)}': {_counted(form.labels)}"
        if len(names) > 1:
            summary += f"; linked to {' and '.join(names)}"
        out.append(Conflict("surface", f"surface:{form.folded}", summary, (form.folded,), dict(form.labels),
                            mentions=form.mentions, articles=form.articles))
    return out


def _entity(store: Store, annotator: str, entities: dict[int, dict],
            aliases: dict[int, list[str]]) -> list[Conflict]:
    by_entity: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    for entity_id, label, n, decided in store.entities.linked_label_counts(annotator):
        by_entity[entity_id][label] = (n, decided)
    out = []
    for entity_id, labels in by_entity.items():
        entity = entities.get(entity_id)
        if entity is None:
            continue
        counts = {label: n for label, (n, _) in labels.items()}
        common = dict(entity_id=entity_id, entity=entity["name"], entity_label=entity["label"],
                      labels=counts, mentions=sum(counts.values()), forms=tuple(aliases.get(entity_id, ())))
        if len(labels) > 1:
            out.append(Conflict("entity", f"entity:{entity_id}",
                                f"{entity['name']}: {_counted(counts)}", **common))
        elif (entity["label"] is not None and entity["label"] not in labels
              and any(d for _, d in labels.values())):
            out.append(Conflict("decision", f"decision:{entity_id}",
                                f"{entity['name']} is {entity['label']}, its decided mentions say "
                                f"{_counted(counts)}", **common))
    return out


def _names(store: Store, annotator: str, counted: ViewForms,
           aliases: dict[int, list[str]]) -> list[Conflict]:
    """Groups of forms that are probably one name (pairs joined into groups), not already
    aliases of one entity."""
    labels: dict[str, dict[str, int]] = {form.folded: form.labels for form in counted.forms}
    owner: dict[str, set[int]] = defaultdict(set)
    for entity_id, folded_forms in aliases.items():
        for folded in folded_forms:
            owner[folded].add(entity_id)
            labels.setdefault(folded, {})
    reasons: dict[tuple[str, str], str] = {}
    people = {f for f, counts in labels.items() if set(counts) & PERSON_LABELS}
    for a, b, reason in near_pairs(labels, people):
        if owner[a] & owner[b]:
            continue  # already one entity
        if labels[a] and labels[b] and not set(labels[a]) & set(labels[b]) and (
                a.startswith(b) or b.startswith(a)):
            continue  # "Israel" GPE and "Israeli" NORP: a word and its derivative
        reasons[(a, b)] = reason
    out = []
    for names in joined(dict.fromkeys(f for pair in reasons for f in pair), reasons):
        names = sorted(names, key=lambda f: (-sum(labels[f].values()), f))
        why = sorted({r.split(" (")[0] for (a, b), r in reasons.items() if a in names})
        merged: dict[str, int] = defaultdict(int)
        for form in names:
            for label, n in labels[form].items():
                merged[label] += n
        shown = ", ".join(f"'{store.entities.form_sample(f)}'" for f in names)
        # An article holding two of the names is one article (not one per name)
        articles = counted.articles(names)
        if articles is None:
            articles = store.entities.view_articles(names, annotator)
        out.append(Conflict("names", "names:" + "|".join(sorted(names)), f"{shown} ({', '.join(why)})",
                            tuple(names), dict(merged), reason=", ".join(why), mentions=sum(merged.values()),
                            articles=articles))
    return out


def conflict_places(store: Store, conflict: Conflict, limit: int,
                    annotator: str | None = None) -> list[Place]:
    """Up to ``limit`` places of the conflict in the annotator's view, one of each label (a
    surface form) or of each name first, so the first few show what the conflict is."""
    annotator = annotator or store.annotator
    if limit <= 0:
        return []
    if conflict.kind in ("entity", "decision") and conflict.entity_id is not None:
        found: list[Mention] = store.entities.mentions_linked(conflict.entity_id, annotator, limit=limit)
    else:
        found = store.entities.mentions_of_forms(conflict.forms, annotator, limit=max(limit, 50))
        # One place of each label (surface) or form (names) first, so the places show the conflict.
        kind = (lambda m: m.label) if conflict.kind == "surface" else (lambda m: fold(m.text))
        firsts = list({kind(m): m for m in reversed(found)}.values())[::-1]
        found = (firsts + [m for m in found if m not in firsts])[:limit]
    return [Place(m.article_id, m.title, m.lang, m.start, m.end, " ".join(m.text.split()), m.label,
                  m.status, m.key) for m in found]
