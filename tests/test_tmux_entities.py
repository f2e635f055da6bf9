"""The real program in tmux at 80x24: one story across articles, as a user would go through it,
checked in the database after each step."""

from __future__ import annotations

from story_helpers import WRAY_AR, make_story_db
from tmux_helpers import PARALLAX

from annotations.store import Store
from tui.layout import visual_order_of


def sahel_labels(db) -> set[tuple[str, str]]:
    with Store(db, annotator="alice", readonly=True) as store:
        return {(s.label, s.status) for a in store.articles.ids() for s in store.view.spans(a)
                if store.articles.get(a).text[s.start:s.end] == "Sahel"}


def test_a_story_across_articles_in_the_real_program(tmp_path, tmux):
    db = tmp_path / "parallax.db"
    make_story_db(db)
    app = tmux("story")
    app.start(f"{PARALLAX} --db {db} --annotator alice", {"TERM": "xterm"})
    app.wait_for("HomePoliticsSecurity")
    app.keys("Enter")
    app.wait_for("PERSON · suggested · 'Sahel'")
    app.keys("4")  # LOC
    app.wait_for("saved: label LOC 'Sahel' · * does it to all alike")
    app.keys("*")
    app.wait_for("in the corpus: 11 to change in 4 article(s)")
    app.keys("c")
    app.wait_for("saved: accept as LOC every 'Sahel' in the corpus: 11 ")
    assert sahel_labels(db) == {("LOC", "corrected"), ("LOC", "accepted")}
    app.keys("u")
    app.wait_for("saved: undo accept as LOC every 'Sahel' (11 mentions in 4 articles)")
    assert sahel_labels(db) == {("LOC", "corrected"), ("PERSON", "suggested"), ("LOC", "suggested")}
    app.keys("E")
    app.wait_for("Entities 1 · 2 mentions")
    app.keys("Enter")
    app.wait_for("entity Christopher Wray: 2 linked mention(s) in 2 article(s)")
    app.keys("Escape")
    for _ in range(4):
        app.keys(">")
        if WRAY_AR in app.screen():
            break
    # the status bar reads Arabic right to left, as the panes do (the app reorders: bidi auto)
    screen = app.wait_for(visual_order_of(f"'{WRAY_AR}' in article 4"))
    assert f"PERSON · accepted · '{WRAY_AR}' · entity: Christopher Wray" in screen
    app.keys("C")
    app.wait_for("Conflicts in alice's view")
    app.keys("4")
    app.wait_for("saved: accept as LOC every 'Sahel': 11 mentions in 4 articles")
    assert {label for label, _ in sahel_labels(db)} == {"LOC"}
    app.keys("q")
    assert app.exit_status() == 0
