"""What the screen calls saved is in the file, while other processes open and close the database.

The app is never alone with its database: `stats`, `export`, `import` and other annotators'
apps open and close it while it runs. Each of those, closing its connection, checkpoints and
deletes the -wal if it believes it is the last user; a process that has dropped its own locks
(by closing any descriptor of the file) then goes on committing into a deleted -wal, and a
kill -9 loses everything since. These tests mix a long-lived writer (a Store-level stand-in,
then the real app in tmux) with short-lived processes, and check after every "saved" that a
fresh process sees the decision, and after kill -9 that every decision is in the file.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from contextlib import closing
from pathlib import Path

import pytest
from app_helpers import make_seeded_db
from store_helpers import LockHolder
from tmux_helpers import PARALLAX

from annotations.store import Store, StoreBusy

# An app-like writer: the main connection makes decisions; before each, a worker thread opens
# and closes a Store of its own (as the app's library, import and pre-annotation workers do).
WRITER = textwrap.dedent("""
    import sys, threading
    from annotations.store import Store

    path = sys.argv[1]
    store = Store(path, annotator="dana")
    print("ready", flush=True)
    for line in sys.stdin:
        i = int(line)
        worker = threading.Thread(target=lambda: Store(path, annotator="dana", readonly=True).close())
        worker.start()
        worker.join()
        store.tags.tag_article(1, f"decision-{i}")
        print("saved", i, flush=True)
""")


def deleted_database_files(pid: int, db: Path | None = None) -> list[str]:
    """The database files (of ``db``, else any) a process still writes into although they are
    gone from the folder."""
    fd_dir = Path(f"/proc/{pid}/fd")
    targets = []
    for fd in fd_dir.iterdir():
        try:
            targets.append(os.readlink(fd))
        except OSError:
            continue
    return [t for t in targets if (str(db) in t if db else ".db" in t) and t.endswith("(deleted)")]


def fresh_tags(db: Path, annotator: str) -> set[str]:
    """The article tags a brand-new process sees (plain sqlite3, nothing shared with the test)."""
    code = ("import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
            "print('\\n'.join(r[0] for r in c.execute("
            "'SELECT tag FROM tags WHERE annotator=? AND span_id IS NULL AND suggestion_id IS NULL', "
            "(sys.argv[2],))))")
    out = subprocess.run([sys.executable, "-c", code, str(db), annotator], capture_output=True,
                         text=True, check=True).stdout
    return set(out.split())


def fresh_decisions(db: Path, annotator: str) -> int:
    code = ("import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
            "print(c.execute('SELECT count(*) FROM spans WHERE annotator=?', (sys.argv[2],)).fetchone()[0])")
    out = subprocess.run([sys.executable, "-c", code, str(db), annotator], capture_output=True,
                         text=True, check=True).stdout
    return int(out)


def short_lived(db: Path, tmp_path: Path, round_no: int) -> None:
    """One of the processes that open and close the database while the app works."""
    parallax = [str(PARALLAX)]
    kind = round_no % 4
    if kind == 0:
        cmd = [*parallax, "stats", "--json", "--db", str(db)]
    elif kind == 1:
        cmd = [*parallax, "export", "--format", "jsonl", "--all", "--db", str(db),
               "--output", str(tmp_path / f"all{round_no}.jsonl")]
    elif kind == 2:
        text = tmp_path / f"new{round_no}.txt"
        text.write_text(f"Article {round_no} about Rabat and the FBI.\n", encoding="utf-8")
        cmd = [*parallax, "import", str(text), "--db", str(db)]
    else:  # another annotator's store (the second app below does this through the real app)
        cmd = [sys.executable, "-c", "import sys; from annotations.store import Store; "
               "Store(sys.argv[1], annotator='eve').close()", str(db)]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, (cmd, result.stderr)


def test_store_decisions_survive_short_lived_processes_and_kill_9(tmp_path):
    db = tmp_path / "parallax.db"
    make_seeded_db(db)
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(db)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().split() == ["ready"], proc.stderr.read()
        for i in range(8):
            proc.stdin.write(f"{i}\n")
            proc.stdin.flush()
            assert proc.stdout.readline().split() == ["saved", str(i)], proc.stderr.read()
            assert f"decision-{i}" in fresh_tags(db, "dana"), f"decision {i} is invisible to others"
            short_lived(db, tmp_path, i)
            assert deleted_database_files(proc.pid) == []
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert fresh_tags(db, "dana") == {f"decision-{i}" for i in range(8)}
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_saving_the_session_leaves_decisions_committed_with_synchronous_full(tmp_path):
    """The session (cursor, open articles) is saved with synchronous=NORMAL, for that one
    transaction only: the decisions made after it on the same connection must be committed with
    FULL again, also when the session write gave up because another process held the lock."""
    db = tmp_path / "parallax.db"
    make_seeded_db(db)
    with Store(db, annotator="dana") as store:

        def synchronous() -> int:
            return store.db.conn.execute("PRAGMA synchronous").fetchone()[0]

        assert synchronous() == 2  # FULL
        store.presence.save_session({"library": {"cursor": 1}})
        assert store.presence.load_session() == {"library": {"cursor": 1}}
        assert synchronous() == 2
        with LockHolder(db), pytest.raises(StoreBusy):
            store.presence.save_session({"library": {"cursor": 2}}, wait=0)
        assert synchronous() == 2
        assert store.presence.load_session() == {"library": {"cursor": 1}}


def test_the_app_in_tmux_keeps_every_saved_decision_while_others_come_and_go(tmp_path, tmux):
    """The issue's recipe with the real program: j a, then stats / export / import / a second
    app that quits, six times; a fresh process sees each decision; kill -9 loses none."""
    db = tmp_path / "parallax.db"
    make_seeded_db(db)
    env = {"TERM": "xterm"}
    app = tmux("app")
    app.start(f"{PARALLAX} --db {db} --annotator dana", env)
    app.wait_for("HomePoliticsSecurity")
    app.keys("Enter")
    app.wait_for("origin: model (test-model 1.0)")
    pid = app.app_pid()
    for n in range(1, 7):
        app.keys("j", "a")
        app.wait_for(f"✓{n} ")  # the pane's title counts the decision once the store returned
        assert fresh_decisions(db, "dana") == n, f"decision {n} shown as saved is not in the file"
        if n % 4 == 0:
            other = tmux(f"other{n}")
            other.start(f"{PARALLAX} --db {db} --annotator eve", env)
            other.wait_for("HomePoliticsSecurity")
            other.keys("q")
            assert other.exit_status() == 0
        else:
            short_lived(db, tmp_path, n - 1 if n < 4 else n - 2)
        assert deleted_database_files(pid) == [], "the app writes into a deleted -wal"
    os.kill(pid, signal.SIGKILL)
    app.exit_status()
    assert fresh_decisions(db, "dana") == 6
    with Store(db, annotator="dana") as store:
        assert store.query("PRAGMA integrity_check")[0]["integrity_check"] == "ok"


def test_the_database_is_never_read_as_an_import_nor_replaced_by_an_export(tmp_path):
    """Naming the database (or its -wal, or a link to it) as an import or an export's output is
    refused: reading it by hand would drop the process's locks, replacing it would destroy it."""
    from annotations import importer

    db = tmp_path / "parallax.db"
    make_seeded_db(db)
    link = tmp_path / "notes.txt"
    link.symlink_to(db)
    with Store(db, annotator="dana") as store:
        store.tags.tag_article(1, "kept")  # leaves a -wal while this connection is open
        wal = Path(f"{db}-wal")
        assert wal.exists()
        report = importer.import_paths(store, [db, link, wal], fmt="txt")  # as if read as text
        assert report.imported == 0
        assert [p.message for p in report.problems] == [
            "is this Parallax database itself (or its -wal or -shm file); it was not read"] * 3
        for output in (db, link):
            result = subprocess.run([str(PARALLAX), "export", "--format", "jsonl", "--all", "--db", str(db),
                                     "--output", str(output)], capture_output=True, text=True, timeout=120)
            assert result.returncode == 1
            assert "it is the Parallax database itself" in result.stderr
        assert deleted_database_files(os.getpid(), db) == []
        assert "kept" in fresh_tags(db, "dana")
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
