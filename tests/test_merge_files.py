"""parallax merge never writes where it must not: every source and the output are checked before
anything is written, a new output appears only when the merge is whole, and an output named like
a live database's -wal is refused. Through the real CLI, with kill -9 and a second process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from damage_helpers import cut_short_with_wal, damaged_db, file_and_wal, one_line_error
from store_helpers import fingerprint, make_db

from annotations.model import ArticleRecord, SpanRecord
from annotations.store import Store


def merge(*args, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "annotations", "merge", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=300)


def refused(result: subprocess.CompletedProcess, path, words: str) -> None:
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith(f"parallax: error: {path}: ") and words in lines[0], lines[0]


def outputs_named(folder: Path, name: str) -> list[str]:
    """What a merge into NAME left in the folder: NAME and its -wal/-shm, or a hidden temp file."""
    return sorted(f for f in os.listdir(folder) if f.startswith((name, f".{name}")))


# A second process with A.db open, as the app keeps it: it has read (so the -wal exists, empty)
# and decides when told to.
LIVE = textwrap.dedent("""
    import sys
    from annotations.store import Store
    store = Store(sys.argv[1], annotator="alice")
    store.articles.ids()
    print("open", flush=True)
    for line in sys.stdin:
        store.tags.tag_article(1, line.strip())
        print("decided", flush=True)
""")


def test_an_output_named_like_a_live_databases_wal_is_refused(tmp_path):
    a, b = tmp_path / "A.db", tmp_path / "B.db"
    make_db(a, 3)
    make_db(b, 5)
    live = subprocess.Popen([sys.executable, "-c", LIVE, str(a)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert live.stdout.readline().strip() == "open"
        wal = Path(f"{a}-wal")
        assert wal.stat().st_size == 0  # A.db's live WAL, empty between two writes
        refused(merge("B.db", "--output", "A.db-wal", cwd=tmp_path), "A.db-wal",
                "SQLite keeps this name for the -wal file of A.db")
        assert wal.stat().st_size == 0  # nothing written into it
        refused(merge("A.db-wal", "--output", "C.db", cwd=tmp_path), "A.db-wal",
                "is the -wal file of the database A.db")
        assert not (tmp_path / "C.db").exists()
        live.stdin.write("after the merge\n")
        live.stdin.flush()
        assert live.stdout.readline().strip() == "decided"
    finally:
        os.kill(live.pid, signal.SIGKILL)
        live.wait(timeout=30)
    with Store(a, readonly=True) as store:  # the decision made after the refused merge survived kill -9
        assert store.query("SELECT tag FROM tags WHERE annotator = 'alice'") == [{"tag": "after the merge"}]
        assert store.check() == []


def test_a_source_that_is_the_output_is_refused_before_anything_is_merged(tmp_path):
    make_db(tmp_path / "A.db", 3)
    make_db(tmp_path / "B.db", 5)
    before = fingerprint(tmp_path / "B.db")[0]
    refused(merge("A.db", "B.db", "--output", "B.db", cwd=tmp_path), "B.db", "is the output database itself")
    assert fingerprint(tmp_path / "B.db")[0] == before  # A.db was not merged into it first


def test_a_damaged_source_is_named_and_no_output_is_left(tmp_path):
    make_db(tmp_path / "A.db", 3)
    bad = damaged_db(tmp_path, "bad.db")
    before = fingerprint(bad)[0]
    one_line_error(merge("A.db", "bad.db", "--output", "new.db", cwd=tmp_path), "bad.db")
    assert outputs_named(tmp_path, "new.db") == []
    assert fingerprint(bad)[0] == before


def test_a_damaged_output_and_its_wal_are_left_as_they_were(tmp_path):
    make_db(tmp_path / "A.db", 3)
    out = cut_short_with_wal(tmp_path, "team.db")
    before = file_and_wal(out)
    one_line_error(merge("A.db", "--output", "team.db", cwd=tmp_path), "team.db")
    assert file_and_wal(out) == before


def big_source(path: Path, n: int = 10_000) -> None:
    """A source whose merge takes a while (10,000 articles, each with bob's decision)."""
    with Store(path, annotator="bob") as store:
        store.loading.add_articles([
            ArticleRecord(text=f"Article {i}: Bob Stone met Alice Martin in Rabat. " * 5, answer="accept",
                          spans=[SpanRecord(0, 7, "MISC")]) for i in range(n)])


def test_a_new_output_appears_only_when_the_merge_is_whole(tmp_path):
    """Killed (kill -9) or interrupted (Ctrl-C) after the first source, while the second is merged:
    no output under its name; a merge run again then makes it whole."""
    make_db(tmp_path / "A.db", 3)
    big_source(tmp_path / "big.db")
    for stop in (signal.SIGINT, signal.SIGKILL):
        run = subprocess.Popen([sys.executable, "-m", "annotations", "merge", "A.db", "big.db", "--output",
                                "new.db"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
        assert run.stdout.readline().startswith("A.db: 3 article(s) added")  # A.db is merged
        os.kill(run.pid, stop)
        run.wait(timeout=60)
        assert run.returncode != 0
        assert not (tmp_path / "new.db").exists()
        if stop == signal.SIGINT:  # it cleaned up after itself
            assert outputs_named(tmp_path, "new.db") == []
        else:  # it could not: a hidden file is left, which the next merge into new.db removes
            assert all(name.startswith(f".new.db.{run.pid}-") for name in outputs_named(tmp_path, "new.db"))
    done = merge("A.db", "big.db", "--output", "new.db", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert outputs_named(tmp_path, "new.db") == ["new.db"]  # the killed merge's hidden file is gone
    with Store(tmp_path / "new.db", readonly=True) as store:
        assert store.articles.count() == 10_003 and store.check() == []
