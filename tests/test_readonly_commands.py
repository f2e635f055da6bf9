"""``stats`` and ``export`` open the database read-only: they never create or change one.

They used to open it for writing: ``stats`` turned a 0-byte file into a 172 KB
database, and neither worked on a file or folder that cannot be written. A
read-only open still sees what a live writer committed into its WAL.
Permissions do not bind root, so as root a read-only bind mount in a user
namespace stands in for a read-only file or folder (as in test_bad_input).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from annotations.importer import import_paths
from annotations.store import Store
from seeds import seed_paths


def cli(*args, cwd, prefix=()) -> subprocess.CompletedProcess:
    return subprocess.run([*prefix, sys.executable, "-m", "annotations", *args], capture_output=True,
                          text=True, timeout=300, cwd=cwd)


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_only(target) -> tuple[str, ...]:
    """A command prefix that makes ``target`` (a file or a folder) read-only for the command."""
    if os.geteuid() != 0:
        return ()
    assert shutil.which("unshare"), "unshare (util-linux) is needed to test a read-only database as root"
    return ("unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
            f"mount --bind -o ro '{target}' '{target}' && exec \"$@\"", "sh")


@pytest.fixture
def seeded(tmp_path):
    """A database holding the seeds, one of them marked done."""
    folder = tmp_path / "data"
    folder.mkdir()
    with Store(folder / "p.db", annotator="alice") as store:
        report = import_paths(store, seed_paths())
        store.decisions.set_article_status(report.article_ids[0], "done")
    return folder / "p.db"


@pytest.mark.parametrize("command", [["stats"], ["export", "--format", "jsonl", "--output", "x.jsonl"]])
def test_an_empty_or_missing_file_is_never_turned_into_a_database(tmp_path, command):
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    result = cli(*command, "--db", "empty.db", cwd=tmp_path)
    assert result.returncode == 1
    expected = "parallax: error: empty.db: an empty file, not a Parallax database yet"
    assert result.stderr.startswith(expected), result.stderr
    assert empty.stat().st_size == 0
    missing = cli(*command, "--db", "missing.db", cwd=tmp_path)
    assert missing.returncode == 1 and "no such database" in missing.stderr
    assert sorted(os.listdir(tmp_path)) == ["empty.db"]  # no -wal, -shm, database or export


def test_stats_and_export_leave_the_database_file_unchanged(seeded, tmp_path):
    before = digest(seeded)
    assert cli("stats", "--db", str(seeded), cwd=tmp_path).returncode == 0
    done = cli("export", "--format", "spacy", "--output", "out", "--db", str(seeded), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert digest(seeded) == before


@pytest.mark.parametrize("what", ["file", "folder"])
def test_stats_and_export_work_on_a_read_only_file_or_folder(seeded, tmp_path, what):
    if os.geteuid() != 0:
        target = seeded if what == "file" else seeded.parent
        target.chmod(0o444 if what == "file" else 0o555)
    target = seeded if what == "file" else seeded.parent
    prefix = read_only(target)
    try:
        stats = cli("stats", "--json", "--db", str(seeded), cwd=tmp_path, prefix=prefix)
        export = cli("export", "--format", "jsonl", "--output", "gold.jsonl", "--db", str(seeded),
                     cwd=tmp_path, prefix=prefix)
        # The same prefix really makes it read-only: a write is refused.
        write = cli("import", str(tmp_path / "none.txt"), "--db", str(seeded), cwd=tmp_path, prefix=prefix)
    finally:
        seeded.chmod(0o644)
        seeded.parent.chmod(0o755)
    assert write.returncode == 1 and "parallax: error:" in write.stderr
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["articles"]["total"] == 5
    assert export.returncode == 0, export.stderr
    assert len((tmp_path / "gold.jsonl").read_text(encoding="utf-8").splitlines()) == 1


_WRITER = textwrap.dedent("""
    import sys
    from annotations.model import ArticleRecord
    from annotations.store import Store
    store = Store(sys.argv[1], annotator="alice")
    store.db.conn.execute("PRAGMA wal_autocheckpoint = 0")  # everything stays in the WAL
    for line in sys.stdin:
        n = int(line)
        aid, _ = store.loading.add_article(ArticleRecord(text=f"Live article {n} about Rabat.", lang="en"))
        store.decisions.create_span(aid, 20 + len(str(n)), 25 + len(str(n)), "GPE")
        store.decisions.set_article_status(aid, "done")
        print("saved", flush=True)
""")


def test_read_only_commands_see_what_a_live_writer_committed_to_its_wal(seeded, tmp_path):
    writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(seeded)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        for n in (1, 2):
            writer.stdin.write(f"{n}\n")
            writer.stdin.flush()
            assert writer.stdout.readline() == "saved\n"
            assert os.path.getsize(str(seeded) + "-wal") > 0
            stats = cli("stats", "--json", "--db", str(seeded), cwd=tmp_path)
            assert stats.returncode == 0, stats.stderr
            numbers = json.loads(stats.stdout)
            assert numbers["articles"]["total"] == 5 + n and numbers["gold"]["articles"] == 1 + n
            export = cli("export", "--format", "jsonl", "--output", f"live{n}.jsonl", "--db", str(seeded),
                         cwd=tmp_path)
            assert export.returncode == 0, export.stderr
            tasks = [json.loads(x) for x in (tmp_path / f"live{n}.jsonl").read_text("utf-8").splitlines()]
            assert any(t["text"] == f"Live article {n} about Rabat." and t["spans"][0]["label"] == "GPE"
                       for t in tasks)
    finally:
        writer.stdin.close()
        writer.wait(timeout=60)
    assert writer.returncode == 0
