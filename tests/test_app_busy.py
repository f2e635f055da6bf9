"""The app while another process holds the database: it says so at once, stays usable, and every
decision ends either saved or refused (reason first), never both, never dropped in silence."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from app_helpers import app_on, open_first, other_store, press, select_surface, settle, span_at

from annotations.store import StoreError
from tui.screens.reader import ReaderScreen

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
        wray = screen.active_view.selected_span
        importer = Importer(seeded_db)
        try:
            await key(pilot, "a")
            # said at once (the key's own handler), naming who holds the database
            assert app.status.startswith(f"busy: import (pid {importer.proc.pid}) holds the database; "
                                         "accept PERSON 'Christopher Wray'")
            with other_store(seeded_db) as check:
                assert span_at(check, wray).status == "suggested"  # not shown as saved, not saved
            await key(pilot, "j")  # the screen stays usable meanwhile
            moved_to = screen.active_view.selected_span
            await key(pilot, "x")  # a second decision is refused, not queued behind the first
            assert app.status.startswith("not saved, still waiting for the database to save accept")
        finally:
            importer.release()
        await wait_until(pilot, lambda: app.status.startswith("saved: accept PERSON 'Christopher Wray'"))
        await settle(pilot)
        with other_store(seeded_db) as check:
            assert span_at(check, wray).status == "accepted"
            assert span_at(check, moved_to).status == "suggested"  # the refused x did nothing
        assert screen.active_view.selected_span.key == moved_to.key  # the late save left the cursor


async def test_a_decision_the_database_keeps_waiting_too_long_is_refused_with_the_reason(seeded_db):
    app = app_on(seeded_db)
    app.decisions.late_wait = 0.5
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_first(pilot)
        span = screen.active_view.selected_span
        importer = Importer(seeded_db)
        try:
            await key(pilot, "a")
            assert app.status.startswith("busy: import")
            await wait_until(pilot, lambda: app.status.startswith("not saved"))
            holder = f"import (pid {importer.proc.pid})"
            assert app.status.startswith(f"not saved, database busy for 0.5 s ({holder}): accept PERSON")
            with other_store(seeded_db) as check:
                assert span_at(check, span).status == "suggested"
            await key(pilot, "a")  # nothing pending any more: the next decision is tried again
            assert app.status.startswith("busy: import")
        finally:
            importer.release()
        await wait_until(pilot, lambda: app.status.startswith("saved: accept PERSON"))
        with other_store(seeded_db) as check:
            assert span_at(check, span).status == "accepted"
        assert isinstance(app.screen, ReaderScreen)


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
