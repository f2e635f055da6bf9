"""The app while another process holds the database: it says so at once, stays usable, and every
decision ends either saved or refused (reason first), never both, never dropped in silence."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from app_helpers import app_on, open_first, other_store, press, screen_text, select_surface, settle, span_at

from annotations.store import StoreError
from tui.screens.propagate import PropagateDialog
from tui.screens.reader import ReaderScreen
from tui.writes import Accept, Relabel

pytest_plugins = ["app_fixtures"]  # seeded_db

SMALL = (80, 24)

# A long writer that says who it is, then holds the write lock until told to let go.
IMPORTER = textwrap.dedent("""
    import sqlite3, sys
    from annotations.store import Store
    store = Store(sys.argv[1], annotator="importer")
    with store.presence.announce("import"):
        conn = sqlite3.connect(sys.argv[1], isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        print("locked", flush=True)
        sys.stdin.readline()
        conn.execute("ROLLBACK")
        conn.close()
""")


class Importer:
    def __init__(self, path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", IMPORTER, str(path)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "locked"

    def release(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.write("go\n")
            self.proc.stdin.flush()
            assert self.proc.wait(timeout=30) == 0


async def key(pilot, name: str) -> None:
    """Press a key and let the screen update, without waiting for background work to end."""
    await pilot.press(name)
    await pilot.pause()


async def wait_until(pilot, predicate, rounds: int = 400) -> None:
    for _ in range(rounds):
        if predicate():
            return
        await pilot.pause(0.05)
    raise AssertionError("never happened")


async def test_a_decision_waits_for_an_import_then_is_saved(seeded_db):
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_first(pilot)
        await select_surface(pilot, "Christopher Wray")
        view = screen.active_view
        wray = view.selected_span
        after_wray = view.spans[view.spans.index(wray) + 1]
        importer = Importer(seeded_db)
        try:
            await key(pilot, "a")
            # said at once (the key's own handler), naming who holds the database
            assert app.status.startswith(f"busy: import (pid {importer.proc.pid}) holds the database; "
                                         "accept PERSON 'Christopher Wray'")
            with other_store(seeded_db) as check:
                assert span_at(check, wray).status == "suggested"  # not shown as saved, not saved
            assert view.waiting == [(wray.start, wray.end)]  # drawn as waiting, not as accepted
            assert view.selected_span.key == after_wray.key  # moved on, as it will once saved
            await key(pilot, "j")  # the screen stays usable meanwhile
            moved_to = view.selected_span
            assert moved_to.key != after_wray.key
        finally:
            importer.release()
        await wait_until(pilot, lambda: app.status.startswith("saved: accept PERSON 'Christopher Wray'"))
        await settle(pilot)
        with other_store(seeded_db) as check:
            assert span_at(check, wray).status == "accepted"
            assert span_at(check, moved_to).status == "suggested"
        assert view.selected_span.key == moved_to.key  # the late save left the cursor
        assert view.waiting == []


async def test_decisions_typed_while_one_waits_are_kept_shown_and_saved_in_order(seeded_db):
    """Five a typed while an import holds the database: all five wait, in order, each span drawn
    as waiting, the status bar counting them; none is shown as saved until it is; then all five
    are saved, in the order typed."""
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_first(pilot)
        view = screen.active_view
        spans = view.spans[:6]
        importer = Importer(seeded_db)
        try:
            await pilot.press("a", "a", "a", "a", "a")  # typed ahead
            await pilot.pause()
            assert [d.what for d in app.decisions.waiting] == [
                f"accept {s.label} '{view.article.text[s.start:s.end]}'" for s in spans[:5]]
            assert view.waiting == sorted((s.start, s.end) for s in spans[:5])
            assert view.selected_span.key == spans[5].key  # each a moved on, as once saved
            status_line = screen_text(app).splitlines()[-2]
            assert status_line.startswith(" 5 decisions waiting ")
            assert "saved" not in status_line.replace("will be saved", "")
            with other_store(seeded_db) as check:
                assert {span_at(check, s).status for s in spans} == {"suggested"}
            await key(pilot, "k")  # back onto a waiting span: its details say so
            assert "decision waiting for the database · GPE · suggested · 'the United States'" in \
                screen_text(app)
        finally:
            importer.release()
        await wait_until(pilot, lambda: not app.decisions.waiting)
        await settle(pilot)
        with other_store(seeded_db) as check:
            assert [span_at(check, s).status for s in spans] == ["accepted"] * 5 + ["suggested"]
            events = check.query("SELECT action, article_id FROM events ORDER BY id")
        assert [e["action"] for e in events if e["action"] == "accept"] == ["accept"] * 5
        assert app.status == "saved: accept GPE 'the United States' · * does it to all alike" or \
            app.status.startswith("saved: accept GPE 'the United States'")
        assert view.waiting == []
        assert not screen_text(app).splitlines()[-2].startswith(" 5 decisions waiting")


async def test_a_decision_the_database_keeps_waiting_too_long_is_refused_with_the_reason(seeded_db):
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_first(pilot)
        span = screen.active_view.selected_span
        importer = Importer(seeded_db)
        try:
            await key(pilot, "a")
            assert app.status.startswith("busy: import")
            app.decisions.late_wait = 0.5
            await wait_until(pilot, lambda: app.status.startswith("not saved"))
            holder = f"import (pid {importer.proc.pid})"
            assert app.status.startswith(f"not saved, database busy for 0.5 s ({holder}): accept PERSON")
            with other_store(seeded_db) as check:
                assert span_at(check, span).status == "suggested"
            assert screen.active_view.selected_span.key == span.key  # back on it, to try again
            app.decisions.late_wait = 30  # (so that this one cannot time out before it is checked)
            await key(pilot, "a")  # nothing pending any more: the next decision is tried again
            assert app.status.startswith("busy: import")
        finally:
            importer.release()
        await wait_until(pilot, lambda: app.status.startswith("saved: accept PERSON"))
        with other_store(seeded_db) as check:
            assert span_at(check, span).status == "accepted"
        assert isinstance(app.screen, ReaderScreen)


async def test_when_the_wait_fails_every_waiting_decision_is_dropped_together_and_said(seeded_db):
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_first(pilot)
        view = screen.active_view
        spans = view.spans[:3]
        importer = Importer(seeded_db)
        try:
            await pilot.press("a", "x", "a")
            assert len(app.decisions.waiting) == 3
            app.decisions.late_wait = 0.5  # now that all three wait
            await wait_until(pilot, lambda: not app.decisions.waiting)
            assert app.status == (f"3 decisions not saved, database busy for 0.5 s (import (pid "
                                  f"{importer.proc.pid})): accept PERSON 'Abdellatif Hammouchi' and the "
                                  "2 decisions typed after it")
            with other_store(seeded_db) as check:
                assert {span_at(check, s).status for s in spans} == {"suggested"}
            assert view.waiting == []  # none drawn as waiting any more
            assert view.selected_span.key == spans[0].key  # back on the first, to type them again
            assert "decisions waiting" not in screen_text(app)
        finally:
            importer.release()


async def test_a_decision_refused_by_the_store_drops_the_ones_typed_after_it(seeded_db):
    """A later decision may rest on an earlier one: after one fails, none typed after it is written."""
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_first(pilot)
        first, second = screen.active_view.spans[:2]
        saved = []
        importer = Importer(seeded_db)
        try:
            await key(pilot, "a")  # waits for the import
            app.decisions.submit("relabel as 'not a label!'", Relabel(second.key, "not a label!"),
                              lambda result, late: saved.append(result))
            app.decisions.submit("accept the second", Accept(second.key),
                              lambda result, late: saved.append(result))
            assert len(app.decisions.waiting) == 3
        finally:
            importer.release()
        await wait_until(pilot, lambda: not app.decisions.waiting)
        assert app.status == ("2 decisions not saved, 'not a label!' is not a valid label (a letter, then "
                              "letters, digits, _ or -): relabel as 'not a label!' and the 1 decision typed "
                              "after it")
        assert saved == []
        with other_store(seeded_db) as check:
            assert span_at(check, first).status == "accepted"  # typed before the failure: saved
            assert span_at(check, second).status == "suggested"


async def test_decisions_that_build_on_waiting_ones_act_on_what_the_screen_showed(seeded_db):
    """Accept, then relabel the same span (its key changes once the accept is saved); accept the
    next, undo that (the cursor goes back to it, as it would once saved), accept it again; then
    d with suggestions left: the dialog counts those not decided yet, the waiting ones being
    decided, and the choice waits its turn too. Saved in the order typed, as typed."""
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_first(pilot)
        view = screen.active_view
        spans = view.spans
        first, second = spans[:2]
        importer = Importer(seeded_db)
        try:
            await pilot.press("a", "k", "2")  # accept the first, back on it, relabel it ORG
            await pilot.press("j", "a")  # accept the second: the cursor moves on
            assert view.selected_span.key == spans[2].key
            await key(pilot, "u")  # takes back the waiting accept of the second
            assert view.selected_span.key == second.key
            assert view.waiting == [(first.start, first.end)]
            assert app.status == "undo waits for the database: it takes back accept ORG 'FBI'"
            await key(pilot, "a")  # accept the second again
            await key(pilot, "d")
            assert "9 suggestion(s) in this article are still undecided" in screen_text(app)
            await key(pilot, "r")  # reject the rest, mark done
            assert len(app.decisions.waiting) == 6
            with other_store(seeded_db) as check:
                assert check.view.status(first.article_id) == "todo"
                assert {span_at(check, s).status for s in spans} == {"suggested"}
        finally:
            importer.release()
        await wait_until(pilot, lambda: not app.decisions.waiting)
        await settle(pilot)
        assert app.status == "saved: article marked done, rejected 9 suggestion(s) (u undoes both)"
        with other_store(seeded_db) as check:
            assert (span_at(check, first).label, span_at(check, first).status) == ("ORG", "corrected")
            assert span_at(check, second).status == "accepted"
            assert {span_at(check, s).status for s in spans[2:]} == {"rejected"}
            assert check.view.status(first.article_id) == "done"


async def test_star_typed_while_a_decision_waits_repeats_it_and_waits_its_turn(seeded_db):
    """* repeats the decision just typed (not the last one saved) and is written after it."""
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_first(pilot)
        await select_surface(pilot, "Christopher Wray")
        wray = screen.active_view.selected_span
        importer = Importer(seeded_db)
        try:
            await key(pilot, "3")  # Christopher Wray is a GPE, here
            await key(pilot, "asterisk")
            assert isinstance(app.screen, PropagateDialog)
            assert "Every 'Christopher Wray': accept as GPE" in screen_text(app)
            await wait_until(pilot, lambda: bool(app.screen.previews))
            await key(pilot, "o")
            await wait_until(pilot, lambda: len(app.decisions.waiting) == 2)
            assert app.status == ("accept as GPE every 'Christopher Wray' in the open articles will be "
                                  "saved after the 1 decision typed before it")
            with other_store(seeded_db) as check:
                assert span_at(check, wray).label == "PERSON"
        finally:
            importer.release()
        await wait_until(pilot, lambda: not app.decisions.waiting)
        assert app.status.startswith("saved: accept as GPE every 'Christopher Wray' in the open articles: ")
        with other_store(seeded_db) as check:
            texts = check.articles.get(wray.article_id).text
            assert {s.label for s in check.view.spans(wray.article_id)
                    if texts[s.start:s.end] == "Christopher Wray"} == {"GPE"}
            assert check.history.undo().action == "relabel every"  # written last, as typed
            assert check.history.undo().action == "relabel"


async def test_q_while_decisions_wait_says_first_how_to_quit_without_them(seeded_db):
    """At 80 columns the instruction is what is seen first; a second q quits, and they are not saved."""
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_first(pilot)
        spans = screen.active_view.spans[:3]
        importer = Importer(seeded_db)
        try:
            await pilot.press("a", "a", "a")
            await key(pilot, "q")
            assert app.status.startswith("q again quits without saving 3 waiting decisions; ")
            assert " 3 decisions waiting q again quits without saving 3 waiting decisions;" in \
                screen_text(app).splitlines()[-2]
            assert app.is_running
            await key(pilot, "q")
            assert not app.is_running
            # The first may be named "being written as the app quit" when the queue's thread was
            # inside a write attempt (a loaded machine: quitting waits for it at most STOP_WAIT_S).
            named = [u.removesuffix(" (being written as the app quit: it may be saved)") for u in app.unsaved]
            assert named == [f"accept {s.label} '{screen.active_view.article.text[s.start:s.end]}'"
                             for s in spans]
        finally:
            importer.release()
    with other_store(seeded_db) as check:
        assert {span_at(check, s).status for s in spans} == {"suggested"}


async def test_a_store_error_is_shown_as_not_saved_and_nothing_is_stored(seeded_db, monkeypatch):
    """The reader never lets a store failure through: a read-only file shows "not saved: ..."."""
    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_first(pilot)
        span = screen.active_view.selected_span
        # As if the file had become read-only under the app (not opened with --readonly, which
        # refuses decisions before they reach the store): the store's write fails.
        def refuse(*args, **kwargs):
            raise StoreError(f"{app.store.path}: opened read-only, so this change was not made; "
                             "open it without read-only to annotate")

        monkeypatch.setattr(app.store.cx, "write", refuse)
        await press(pilot, "a")
        assert app.status.startswith("not saved: opened read-only, so this change was not made")
        assert app.status.endswith("accept PERSON 'Abdellatif Hammouchi'")
        with other_store(seeded_db) as check:
            assert span_at(check, span).status == "suggested"
        assert screen.active_view.selected_span.key == span.key


async def test_a_decision_made_before_the_damage_check_ends_waits_for_it(seeded_db):
    """The app reads every page once in the background before its first write; a decision made
    meanwhile says why it waits and is saved when the check has found the file sound."""
    from annotations.store import damage as db

    app = app_on(seeded_db)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_first(pilot)
        span = screen.active_view.selected_span
        db._checked.clear()  # as if this process had not checked the file yet
        app.store.cx._sound = False
        with db._checking:  # the check is running (it holds this lock while it reads)
            await key(pilot, "a")
            assert app.status.startswith("busy: the damage check holds the database; accept PERSON")
            with other_store(seeded_db) as check:
                assert span_at(check, span).status == "suggested"
        await wait_until(pilot, lambda: app.status.startswith("saved: accept PERSON"))
        with other_store(seeded_db) as check:
            assert span_at(check, span).status == "accepted"
