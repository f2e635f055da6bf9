"""A failed export leaves no partial or empty file behind, in every format, and names the user's path.

Files are written to temp files beside their targets and renamed at the end, so
an earlier export of the same name survives a failed one. A real full disk (a
small tmpfs in a user namespace) through the CLI, and a failure half-way
through the articles in every format.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from annotations.export import ExportError, export
from annotations.importer import import_paths
from annotations.store import Store
from seeds import seed_paths

TARGETS = {"spacy": "corpus", "hf": "hf", "jsonl": "gold.jsonl", "conll": "gold.conll"}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    path = tmp_path_factory.mktemp("atomic") / "p.db"
    with Store(path, annotator="alice") as store:
        import_paths(store, seed_paths())
    return path


def listing(folder) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("fmt", sorted(TARGETS))
def test_a_failure_at_the_last_article_leaves_nothing_and_keeps_the_earlier_export(seeded, tmp_path,
                                                                                   monkeypatch, fmt):
    import annotations.export.align as align

    out = tmp_path / "out"
    out.mkdir()
    target = out / TARGETS[fmt]
    with Store(seeded, readonly=True) as store:
        export(store, fmt, target, everything=True, split=0.5, seed=7)  # the earlier export, split otherwise
        before = {name: (out / name).read_bytes() for name in listing(out) if (out / name).is_file()}
        real, calls = align.blank_nlp, []

        def failing(lang):
            calls.append(lang)
            if len(calls) == 5:
                raise RuntimeError("boom")
            return real(lang)

        monkeypatch.setattr(align, "blank_nlp", failing)
        with pytest.raises(RuntimeError, match="boom"):
            export(store, fmt, target, everything=True)
        assert len(calls) == 5  # it failed at the last of the five seeds, after writing the others
    after = {name: (out / name).read_bytes() for name in listing(out) if (out / name).is_file()}
    assert after == before  # no temp file left, the earlier export untouched


@pytest.mark.parametrize("fmt", sorted(TARGETS))
def test_a_failure_in_a_new_folder_leaves_no_folder_behind(seeded, tmp_path, monkeypatch, fmt):
    import annotations.export.align as align

    def failing(lang):
        raise RuntimeError("boom")

    monkeypatch.setattr(align, "blank_nlp", failing)
    with Store(seeded, readonly=True) as store, pytest.raises(RuntimeError):
        export(store, fmt, tmp_path / "new" / "deeper" / TARGETS[fmt], everything=True)
    assert listing(tmp_path) == []


def _full_disk_prefix(folder) -> tuple[str, ...]:
    """Run a command with a 24 KB tmpfs on ``folder``; afterwards list what is left there."""
    assert shutil.which("unshare"), "unshare (util-linux) is needed to fill a disk in a user namespace"
    script = (f"mount -t tmpfs -o size=24k tmpfs '{folder}' && printf old > '{folder}/gold.jsonl' && "
              f"\"$@\"; echo \"exit=$?\"; cd '{folder}' && ls -A1; echo; cat gold.jsonl")
    return ("unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script, "sh")


@pytest.mark.parametrize("fmt", sorted(TARGETS))
def test_a_full_disk_fails_cleanly_and_names_the_users_path(seeded, tmp_path, fmt):
    disk = tmp_path / "disk"
    disk.mkdir()
    target = str(disk / TARGETS[fmt])
    run = subprocess.run([*_full_disk_prefix(disk), sys.executable, "-m", "annotations", "export",
                          "--format", fmt, "--output", target, "--all", "--db", str(seeded)],
                         capture_output=True, text=True, timeout=300)
    assert "exit=1" in run.stdout, run.stdout + run.stderr
    [message] = run.stderr.splitlines()
    assert message.startswith(f"parallax: error: {target}") and "No space left on device" in message, message
    assert ".part" not in message
    left = run.stdout.split("exit=1\n", 1)[1]
    assert left == "gold.jsonl\n\nold", left  # only the earlier file, unchanged


def test_the_export_files_get_the_usual_permissions(seeded, tmp_path):
    old = os.umask(0o022)
    try:
        with Store(seeded, readonly=True) as store:
            export(store, "conll", tmp_path / "gold.conll", everything=True)
    finally:
        os.umask(old)
    assert (tmp_path / "gold.conll").stat().st_mode & 0o777 == 0o644


def test_an_unwritable_output_is_one_message_naming_it(seeded, tmp_path):
    (tmp_path / "blocker").write_text("a file where a folder should be", encoding="utf-8")
    with Store(seeded, readonly=True) as store, pytest.raises(ExportError) as info:
        export(store, "spacy", tmp_path / "blocker" / "corpus", everything=True)
    assert str(info.value).startswith(f"{tmp_path / 'blocker'}")
    assert "cannot write the export" in str(info.value)
