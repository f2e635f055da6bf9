"""The reader showing another annotator's layer writes nothing, whatever key is typed; the footer
greys out the keys that would write (check_action), and shows them again in the own layer."""

from __future__ import annotations

from app_helpers import app_on, press, screen_text, select_surface, settle
from textual.widgets._footer import FooterKey

from annotations.store import Store
from tui.keymap import READER_BINDINGS
from tui.screens.dialogs import ConfirmDialog, UndecidedDialog
from tui.screens.propagate import PropagateDialog
from tui.screens.reader import ReaderScreen

pytest_plugins = ["app_fixtures"]  # seeded_db

SIZE = (80, 24)
# Keys that take the reader elsewhere (the library, alice's own layer, the entity panel, the
# conflicts view, another article): each would end the walk in bob's layer of this article.
MOVES_AWAY = {"back", "switch_layer", "toggle_entities", "app.conflicts", "article"}
# The tables a decision writes (sessions, tokens, presence and memory suggestions left out).
DECISION_TABLES = ("spans", "article_status", "tags", "entities", "aliases", "events", "labels",
                   "undecided_at_done", "dismissed_conflicts")


def decisions(path) -> dict[str, list[tuple]]:
    with Store(path, readonly=True) as store:
        conn = store.cx.conn
        return {table: conn.execute(f"SELECT rowid, * FROM {table} ORDER BY rowid").fetchall()
                for table in DECISION_TABLES}


def bob_decides_in_the_first_article(path) -> None:
    """Bob's layer exists there (one decision); his other suggestions are undecided, so his layer
    shows suggestions a write key would decide in alice's layer."""
    with Store(path, annotator="bob") as bob:
        article_id = bob.articles.ids()[0]
        last = bob.view.spans(article_id)[-1]
        bob.decisions.reject(last.key)


async def take_what_a_dialog_offers(pilot) -> None:
    """Whatever dialog a key opened, answer it as a hurried annotator would (so a write key that
    got through would write): its default, a typed value, the open articles for ``*``."""
    app = pilot.app
    for _ in range(5):
        screen = app.screen
        if isinstance(screen, ReaderScreen):
            return
        if isinstance(screen, PropagateDialog):
            for _ in range(100):
                if screen.previews:
                    break
                await pilot.pause(0.02)
            await press(pilot, "o")
        elif isinstance(screen, UndecidedDialog):
            await press(pilot, "a")
        elif isinstance(screen, ConfirmDialog):
            await press(pilot, "y")
        else:  # a picker (label, tag, entity) or the word finder: something typed, then enter
            await press(pilot, "x", "enter")
    raise AssertionError(f"a dialog stayed open: {app.screen!r}")


async def test_no_reader_key_writes_in_another_annotators_layer(seeded_db):
    bob_decides_in_the_first_article(seeded_db)
    app = app_on(seeded_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        await select_surface(pilot, "Christopher Wray")
        await press(pilot, "a")  # alice's own decision: u and * have something to take back and repeat
        assert app.status.startswith("saved: accept PERSON 'Christopher Wray'")
        await press(pilot, "L")
        assert screen.shown_layer == "bob"
        assert any(s.is_suggestion for s in screen.active_view.spans)
        before = decisions(seeded_db)
        walked = []
        for binding in READER_BINDINGS:
            action = binding.action.partition("(")[0]
            if action in MOVES_AWAY:
                continue
            for key in binding.key.split(","):
                await press(pilot, "k", "j")  # the entity cursor on a span (a suggestion first)
                if action == "make_span":
                    await press(pilot, "w")  # the token cursor out: m has a token to make a span of
                await press(pilot, key)
                await take_what_a_dialog_offers(pilot)
                assert app.screen is screen and screen.shown_layer == "bob", key
                walked.append(action)
        await settle(pilot)
        assert decisions(seeded_db) == before
        assert {"accept", "reject", "label_number", "undo", "toggle_done", "propagate"} <= set(walked)


def footer_keys(app) -> dict[str, bool]:
    """Description -> drawn enabled, for each key the footer shows."""
    return {key.description: not key.has_class("-disabled") for key in app.screen.query(FooterKey)}


async def test_the_footer_greys_out_the_write_keys_in_another_layer_and_shows_them_in_ones_own(seeded_db):
    bob_decides_in_the_first_article(seeded_db)
    app = app_on(seeded_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        own = footer_keys(app)
        assert own["Accept"] and own["Reject"] and own["Next"]
        await press(pilot, "L")
        await settle(pilot)
        bobs = footer_keys(app)
        assert not bobs["Accept"] and not bobs["Reject"] and not bobs["Undo"] and not bobs["Done"]
        assert bobs["Next"] and bobs["Quit"]
        await press(pilot, "a")
        assert "read-only: accept is not possible, showing bob's layer" in screen_text(app)
        await press(pilot, "L")
        await settle(pilot)
        assert footer_keys(app) == own
