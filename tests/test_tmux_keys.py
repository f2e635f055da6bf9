"""Keys sent to the real program in bursts (several keys in one tmux send-keys call, as typed
ahead or pasted): each acts where the screen points, checked in the database."""

from __future__ import annotations

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
    app.wait_for("to do ✓0 ✗0 ?28 en")
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
    assert screen.splitlines()[0].startswith("done ✓0 ✗11 ?0 ")
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
