"""Which files belong to a database: the file itself and SQLite's -wal, -shm and -journal beside it.

Such a file must never be read as an import, replaced by an export or written by a merge:
opening and closing it by hand drops this process's SQLite locks (another process may then
delete the -wal this one commits into), and writing it destroys the database it belongs to.
These checks read paths and metadata only, never the files.
"""

from __future__ import annotations

import os

SIDECARS = ("-wal", "-shm", "-journal")


def sidecar_of(path: str | os.PathLike) -> tuple[str, str] | None:
    """(database, suffix) when ``path`` is named as SQLite names a database's -wal, -shm or
    -journal file (whether or not that database exists yet), else None."""
    name = os.fspath(path)
    for suffix in SIDECARS:
        if name.endswith(suffix) and len(os.path.basename(name)) > len(suffix):
            return name[: -len(suffix)], suffix
    return None


def belongs_to(database: str | os.PathLike, path: str | os.PathLike) -> bool:
    """Whether ``path`` names ``database``'s file, -wal, -shm or -journal (by any link or spelling)."""
    database = os.fspath(database)
    if database == ":memory:":
        return False
    own = [database, *(database + suffix for suffix in SIDECARS)]
    real = os.path.realpath(path)
    if any(real == os.path.realpath(p) for p in own):
        return True
    try:
        st = os.stat(path)
    except OSError:
        return False
    for p in own:
        try:
            if os.path.samestat(st, os.stat(p)):
                return True
        except OSError:
            continue
    return False
