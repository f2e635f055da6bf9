"""``parallax entities`` and ``parallax conflicts``: the corpus's identities and its inconsistencies."""

from __future__ import annotations

import json
from typing import Any

import click

from ..store import LOCAL_KB_PREFIX, StoreError
from .common import annotator_option, db_option, fail, open_store, safe_line
from .stats import table


@click.command("entities")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (schema in the README).")
@click.option("--annotator", default=None,
              help="Count only this annotator's linked spans (default: everyone's).")
@db_option
def entities_cmd(as_json: bool, annotator: str | None, db_path: str | None) -> None:
    """List the entities: name, label, knowledge-base id, aliases, and mentions per article.

    \b
    A mention is a span linked to the entity that is not rejected; spans of
    several annotators at the same place count once. The id an export writes
    as kb_id is the knowledge-base id, else parallax:ID. The database is
    opened read-only.
    """
    store = open_store(db_path, readonly=True)
    try:
        found = store.entities.summaries(annotator)
    except StoreError as exc:
        fail(str(exc))
    finally:
        store.close()
    rows: list[dict[str, Any]] = [{"id": e.id, "name": e.name, "label": e.label, "kb_id": e.kb_id,
             "export_id": e.kb_id or f"{LOCAL_KB_PREFIX}{e.id}", "aliases": list(e.aliases),
             "mentions": e.mentions,
             "articles": [{"article_id": a, "title": t, "lang": lang, "mentions": n}
                          for a, t, lang, n in e.by_article]} for e in found]
    if as_json:
        click.echo(json.dumps({"entities": rows}, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("No entities yet: link a span to one in the app (e), or import spans with a kb_id.")
        return
    click.echo(f"Entities: {len(rows)}")
    click.echo("\n".join(table(["name", "label", "kb id", "mentions", "articles", "aliases"],
                               [[r["name"], r["label"] or "-", r["export_id"], r["mentions"],
                                 len(r["articles"]), " · ".join(r["aliases"])] for r in rows])))
    for r in rows:
        if r["articles"]:
            click.echo(f"\n{safe_line(r['name'])}")
            click.echo("\n".join(table(["article", "lang", "mentions", "title"],
                                       [[a["article_id"], a["lang"], a["mentions"], a["title"][:60]]
                                        for a in r["articles"]])))


@click.command("conflicts")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (schema in the README).")
@click.option("--places", default=5, show_default=True, type=click.IntRange(0),
              help="How many places (mentions) to list per conflict.")
@click.option("--all", "everything", is_flag=True, help="Include the conflicts the annotator dismissed.")
@annotator_option
@db_option
def conflicts_cmd(as_json: bool, places: int, everything: bool, annotator: str | None,
                  db_path: str | None) -> None:
    """List inconsistencies across articles, in one annotator's view.

    \b
    The view is what the app shows the annotator: their spans that are not
    rejected, plus the suggestions they left undecided. Kinds:
      surface   the same folded form (case, Arabic harakat and alef variants
                ignored) with different labels or links in different places
      entity    the mentions of one entity with different labels
      names     names so close they are probably one entity (close spelling,
                initials such as "A. Hammouchi", a surname alone, the same
                Arabic form without its article or particles)
      decision  decided mentions that all contradict their entity's label
    Resolve them in the app (C). The database is opened read-only.
    """
    from ..conflicts import KINDS, find_conflicts

    store = open_store(db_path, annotator, readonly=True)
    try:
        found = find_conflicts(store, places=places, dismissed=everything)
    except StoreError as exc:
        fail(str(exc))
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps({"annotator": store.annotator, "conflicts": [c.to_json() for c in found]},
                              ensure_ascii=False, indent=2))
        return
    if not found:
        click.echo(f"No conflicts in {safe_line(store.annotator)}'s view.")
        return
    click.echo(f"{len(found)} conflict(s) in {safe_line(store.annotator)}'s view")
    for kind, title in KINDS.items():
        mine = [c for c in found if c.kind == kind]
        if not mine:
            continue
        click.echo(f"\n{kind}: {title} ({len(mine)})")
        for c in mine:
            click.echo(f"  {safe_line(c.summary)}")
            for p in c.places:
                click.echo(f"      article {p.article_id} [{p.start}-{p.end}] '{safe_line(p.text)}' "
                           f"{p.label} ({p.status}) · {safe_line(p.title[:50])}")
