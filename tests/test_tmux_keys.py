"""Keys sent to the real program in bursts (several keys in one tmux send-keys call, as typed
ahead or pasted): each acts where the screen points, checked in the database."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from app_helpers import make_seeded_db
from tmux_helpers import PARALLAX, Tmux

from annotations.store import Store


def burst(tmux: Tmux, *keys: str) -> None:
    """All the keys in one send-keys call: the app reads them together."""
    tmux.run("send-keys", "-t", tmux.name, *keys)


def test_bursts_of_keys_act_on_the_pane_and_span_shown(tmp_path, tmux):
    db = tmp_path / "parallax.db"
    make_seeded_db(db)
    app = tmux("keys")
    app.start(f"{PARALLAX} --db {db} --annotator tester", {"TERM": "xterm"})
    app.wait_for("HomePoliticsSecurity")
    burst(app, "Space", "Space", "Space", "Enter")  # mark articles 1 to 3, open them side by side
    # Three panes at 80 columns: the active one twice as wide; each titled first, then its counts.
    app.wait_for("HomePoliticsSecuri… · to do ✓0 ✗0 ?11 en▏Morocco … ✓0 ✗0 ?28▏")
    burst(app, "Tab", "Tab", "a")  # third pane: accept its first entity
    app.wait_for("saved: accept GPE 'Morocco'")
    burst(app, "Tab", "x")  # round to the first pane: reject its first entity
    app.wait_for("saved: reject PERSON 'Abdellatif Hammouchi'")
    burst(app, "j", "j", "u")  # undo puts the cursor back on the span it changed
    screen = app.wait_for("saved: undo reject PERSON 'Abdellatif Hammouchi'")
    assert "PERSON · suggested · 'Abdellatif Hammouchi'" in screen
    app.keys("d")  # undecided suggestions left: d asks first
    screen = app.wait_for("are still undecided")
    assert "accept them all" in screen and "reject them all" in screen and "leave them undecided" in screen
    app.keys("r")
    screen = app.wait_for("saved: article marked done, rejected 11 suggestion(s)")
    assert " · done ✓0 ✗11 ?0" in screen.splitlines()[0]  # the first pane, active again: wide
    app.keys("q")
    assert app.exit_status() == 0
    with Store(db, annotator="tester") as store:
        texts = {i: store.articles.get(i).text for i in (1, 2, 3)}
        decided = {i: [(texts[i][s.start:s.end],
                        s.status) for s in store.view.spans(i) if not s.is_suggestion]
                   for i in (1, 2, 3)}
        assert (store.view.status(1), store.view.status(2)) == ("done", "todo")
        assert store.view.undecided(1) == []
    assert decided[2] == []
    assert decided[3] == [("Morocco", "accepted")]
    assert len(decided[1]) == 11 and {status for _, status in decided[1]} == {"rejected"}


def test_keys_typed_with_the_enter_that_opens_an_article_act_in_the_reader(tmp_path, tmux):
    db = tmp_path / "parallax.db"
    make_seeded_db(db)
    app = tmux("enter")
    app.start(f"{PARALLAX} --db {db} --annotator tester", {"TERM": "xterm"})
    app.wait_for("HomePoliticsSecurity")
    burst(app, "Enter", "j", "j")  # the j j belong to the reader enter opens
    app.wait_for("PERSON · suggested · 'Christopher Wray'")
    burst(app, "Escape")
    # The library's cursor stayed on the first row. Waited for, not read off the first screen that
    # shows the library's footer: under load (a full suite beside two benchmarks) one capture caught
    # the library with its list not painted yet.
    screen = app.wait_for("▶ HomePoliticsSecurity")
    assert "space Mark" in screen and screen.splitlines()[3].startswith("▶ HomePoliticsSecurity"), screen
    burst(app, "Enter", "w")  # w: the reader's token cursor, not lost in the library
    app.wait_for("w Token b Back v Select m Make span")
    app.keys("Escape")  # one at a time, as typed (together, test_an_escape_and_a_key_typed_together...)
    app.wait_for("selection cleared")
    app.keys("Escape")
    app.wait_for("space Mark")
    app.keys("q")
    assert app.exit_status() == 0


def test_an_escape_and_a_key_typed_together_are_both_done(tmp_path, tmux):
    """Escape then j reaching the app in one read (typed fast, or queued while the machine was
    busy) were alt+j to the terminal's parser: nothing happened, the escape lost without a word."""
    db = tmp_path / "parallax.db"
    make_seeded_db(db)
    app = tmux("escape")
    app.start(f"{PARALLAX} --db {db} --annotator tester", {"TERM": "xterm"})
    app.wait_for("HomePoliticsSecurity")
    app.keys("Enter")
    app.wait_for("j Next")
    burst(app, "Escape", "j")  # back to the library, then its cursor one row down
    screen = app.wait_for("▶ Morocco and the United States")
    assert "space Mark" in screen
    burst(app, "Escape", "Space")  # escape (nothing to leave in the library), then mark the row
    app.wait_for("1 marked")
    app.keys("q")
    assert app.exit_status() == 0


class LockHolder:
    """Another process holding the database's write lock until told to let go."""

    def __init__(self, path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "locked"

    def release(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.write("go\n")
            self.proc.stdin.flush()
            assert self.proc.wait(timeout=30) == 0


HOLD = textwrap.dedent("""
    import sqlite3, sys
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    print("locked", flush=True)
    sys.stdin.readline()
    conn.execute("ROLLBACK")
""")


def test_a_burst_of_decisions_while_another_process_holds_the_database(tmp_path, tmux):
    """Five a typed in one burst while another process holds the write lock: the screen says
    they wait (never "saved"), q says first how to quit without them; once the lock is let go,
    all five are saved in the order typed. Then three x, q, q: quit without them, none saved."""
    db = tmp_path / "parallax.db"
    make_seeded_db(db)
    app = tmux("burst")
    app.start(f"{PARALLAX} --db {db} --annotator tester", {"TERM": "xterm"})
    app.wait_for("HomePoliticsSecurity")
    burst(app, "Enter")
    app.wait_for("PERSON · suggested · 'Abdellatif Hammouchi'")
    holder = LockHolder(db)
    try:
        burst(app, "a", "a", "a", "a", "a")
        screen = app.wait_for(" 5 decisions waiting ")
        status = screen.splitlines()[-2]
        assert status.startswith(" 5 decisions waiting ") and "saved:" not in status
        # the cursor moved on as each a was typed: on the sixth entity, the second Hammouchi
        assert "▶ Abdellatif Hammouchi, had received" in screen
        assert "PERSON · suggested · 'Abdellatif Hammouchi'" in screen
        burst(app, "q")
        screen = app.wait_for("q again quits without saving 5 waiting decisions;")
        with Store(db, annotator="tester") as store:
            assert [s for s in store.view.spans(1) if not s.is_suggestion] == []
    finally:
        holder.release()
    screen = app.wait_for("saved: accept GPE 'the United States'")
    assert "decisions waiting" not in screen
    with Store(db, annotator="tester") as store:
        text = store.articles.get(1).text
        accepted = [text[s.start:s.end] for s in store.view.spans(1) if s.status == "accepted"]
    assert accepted == ["Abdellatif Hammouchi", "FBI", "Christopher Wray", "Morocco", "the United States"]
    holder = LockHolder(db)
    try:
        burst(app, "x", "x", "x", "q")
        app.wait_for("q again quits without saving 3 waiting decisions;")
        burst(app, "q")
        assert app.exit_status() == 0
    finally:
        holder.release()
    with Store(db, annotator="tester") as store:
        assert [s.status for s in store.view.spans(1) if s.status == "rejected"] == []
