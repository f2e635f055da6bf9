"""Fixtures for the app tests (loaded with ``pytest_plugins = ["app_fixtures"]``).

Two kinds of database: ``seeded_db`` has the five seeds with hand-placed
suggestions (known offsets, no spaCy, fast), ``preannotated_db`` is a copy of
one made once per session by the real pre-annotation (for snapshots).
"""

from __future__ import annotations

import shutil

import pytest
from app_helpers import make_seeded_db

from annotations.importer import import_seeds
from annotations.store import Store


@pytest.fixture
def seeded_db(tmp_path):
    path = tmp_path / "parallax.db"
    make_seeded_db(path)
    return path


@pytest.fixture(scope="session")
def preannotated_template(tmp_path_factory):
    """The seeds run through the real pipelines, once per test session."""
    from annotations.nlp.preannotate import preannotate

    path = tmp_path_factory.mktemp("template") / "parallax.db"
    with Store(path, annotator="alice") as store:
        import_seeds(store)
    report = preannotate(path, annotator="alice")
    assert report.articles >= 4, report.summary()
    with Store(path, annotator="alice") as store:  # fold the WAL into the file before copying
        store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def preannotated_db(preannotated_template, tmp_path):
    path = tmp_path / "parallax.db"
    shutil.copyfile(preannotated_template, path)
    return path


