"""The entity panel before anything is linked (issue 20 §3): the corpus's likely entities, its
frequent names with their look-alikes together, each linked in one key (l), one u takes it back."""

from __future__ import annotations

from app_helpers import app_on, open_first, other_store, press, screen_text, settle
from story_helpers import make_story_db

from annotations.candidates import likely_entities
from annotations.store import FormCount
from tui.widgets.entity_panel import EntityPanel

SIZE = (80, 24)


def linked_to(store, name: str) -> set[str]:
    """The texts of the mentions linked to the entity of that name, in every article."""
    entity = next((e for e in store.entities.all() if e["name"] == name), None)
    if entity is None:
        return set()
    return {store.articles.get(a).text[s.start:s.end] for a in store.articles.ids()
            for s in store.view.spans(a) if s.entity_id == entity["id"]}


def test_look_alike_forms_make_one_candidate_named_by_its_most_frequent_form():
    counts = [FormCount("abdellatif hammouchi", {"PERSON": 5}, 3),
              FormCount("a. hammouchi", {"PERSON": 2}, 1),
              FormCount("hammouchi", {"PERSON": 1}, 1), FormCount("sahel", {"PERSON": 4, "LOC": 1}, 2),
              FormCount("2024", {"DATE": 9}, 3), FormCount("rabat", {"GPE": 1}, 1),
              FormCount("avril haines", {"PERSON": 3}, 2)]
    likely = likely_entities(counts, linked={"avril haines"})
    assert [(c.forms[0], c.label, c.mentions) for c in likely] == [
        ("abdellatif hammouchi", "PERSON", 8), ("sahel", "PERSON", 5)]
    assert set(likely[0].forms) == {"abdellatif hammouchi", "a. hammouchi", "hammouchi"}


async def test_the_panel_shows_likely_entities_and_l_links_every_mention(tmp_path):
    path = tmp_path / "parallax.db"
    make_story_db(path, link_wray=False)  # nothing linked yet
    app = app_on(path)
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot)
        await press(pilot, "E")
        await settle(pilot)
        panel = app.screen.query_one(EntityPanel)
        names = [name for _, name in panel.data.likely]
        assert "Sahel" in names and "Abdellatif Hammouchi" in names
        assert "+ Sahel" in screen_text(app)
        while not (isinstance(row := panel.highlighted_row(), tuple) and row[1] == "Abdellatif Hammouchi"):
            await press(pilot, "j")
        await press(pilot, "l")
        await settle(pilot, rounds=10)
        assert app.status.startswith("saved: link every 'Abdellatif Hammouchi' … to Abdellatif Hammouchi")
        with other_store(path) as check:
            assert linked_to(check, "Abdellatif Hammouchi") == {"Abdellatif Hammouchi", "Hammouchi"}
        await settle(pilot)
        assert "Abdellatif Hammouchi" not in [name for _, name in panel.data.likely]  # linked now
        await press(pilot, "escape", "u")
        await settle(pilot, rounds=10)
        with other_store(path) as check:
            assert linked_to(check, "Abdellatif Hammouchi") == set()
