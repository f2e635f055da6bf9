"""The files of a merge: every source and the output checked before anything is written, and a
new output that appears under its name only once every source is in it.

Checked first, so that a refused file never leaves half a merge behind: each source exists, is
not the output (nor its -wal, -shm or -journal), is not itself a database's -wal, -shm or
-journal, and is a sound Parallax database (every page read, :func:`~.damage.ensure_sound`);
the output is not named as a database's -wal, -shm or -journal (SQLite would take it for one:
the next open of that database deletes or replays it, and the merge is lost), and, when it
exists, is a sound Parallax database. A new output is built in a hidden file beside it and
linked into place at the end, so a failed or killed merge leaves no output at all.
"""

from __future__ import annotations

import errno
import glob
import os
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING

from .damage import ensure_sound
from .db import connect
from .errors import StoreError, file_size
from .files import SIDECARS, belongs_to, sidecar_of

if TYPE_CHECKING:
    from .store import Store


def check_source(source: str) -> None:
    """Refuse what Parallax would refuse to open, and a damaged file (every page is read once per
    process): the message names the source, never the output it would have been merged into."""
    db = connect(source, readonly=True)
    try:
        ensure_sound(db, source)
    finally:
        db.conn.close()


def check_merge(sources: Sequence[str], output: str) -> None:
    """Refuse, before anything is written, every source and output a merge must not use."""
    _check_output_name(output)
    for source in sources:
        if not os.path.isfile(source):
            raise StoreError(f"{source}: no such database file; check the path")
        if belongs_to(output, source):
            raise StoreError(f"{source}: is the output database itself (or its -wal, -shm or -journal "
                             "file); nothing was merged. Name another --output")
        sidecar = sidecar_of(source)
        if sidecar and os.path.exists(sidecar[0]):
            raise StoreError(f"{source}: is the {sidecar[1]} file of the database {sidecar[0]}, not a "
                             f"database; nothing was merged. Name {sidecar[0]} itself")
    for source in sources:
        check_source(source)


def _check_output_name(output: str) -> None:
    sidecar = sidecar_of(output)
    if sidecar:
        base, suffix = sidecar
        raise StoreError(f"{output}: SQLite keeps this name for the {suffix} file of {base}; a database "
                         f"written there would be lost when {base} is next opened. Nothing was merged; "
                         "choose another --output")
    if os.path.isdir(output):
        raise StoreError(f"{output}: is a folder; name a database file with --output")


@contextmanager
def merge_output(output: str, make_store) -> Iterator[Store]:
    """The Store to merge into, from ``make_store(path)``. An existing output is opened and checked
    for damage before anything is written to it. A new one is built in a hidden file beside it
    and linked into place when the block ends without error; otherwise (an error, Ctrl-C) it is
    removed. A killed merge leaves only that hidden ``.NAME.PID-*.merging`` file, never NAME;
    the next merge into NAME removes it once its process is gone."""
    if os.path.exists(output):
        store = make_store(output)
        try:
            store.ensure_sound()
            yield store
        finally:
            store.close()
        return
    final = Path(output)
    if not final.parent.is_dir():
        raise StoreError(f"{output}: the folder {str(final.parent)!r} does not exist; create it first "
                         "or choose another --output")
    _remove_stale(final)
    tmp = final.with_name(f".{final.name}.{os.getpid()}-{secrets.token_hex(4)}.merging")
    try:  # 0o666 less the umask, as SQLite makes a new database
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    except OSError as exc:
        raise StoreError(f"{output}: cannot create the database ({exc.strerror or exc}); check the "
                         "folder's permissions and free space") from exc
    try:
        store = make_store(str(tmp))
    except BaseException:
        _remove(tmp)
        raise
    try:
        try:
            yield store
        finally:
            store.close()  # the last connection: the -wal is copied in and deleted
        _publish(tmp, final)
    except StoreError as exc:
        _remove(tmp)
        raise StoreError(_user_paths(str(exc), tmp, output)) from exc
    except BaseException:
        _remove(tmp)
        raise


def _publish(tmp: Path, final: Path) -> None:
    """Give the finished database its name, never over a file made meanwhile (a hard link fails
    if the name exists; where links are not supported, a rename after a last look)."""
    if file_size(f"{tmp}-wal"):
        raise StoreError(f"{final}: another process opened the merge's new database; nothing was "
                         "written. Merge again")
    try:
        os.link(tmp, final)
    except FileExistsError:
        raise StoreError(f"{final}: another process created this file during the merge; it was left "
                         "as it was and nothing was merged into it. Merge again") from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
            raise StoreError(f"{final}: cannot create the database ({exc.strerror or exc})") from exc
        if final.exists():
            raise StoreError(f"{final}: another process created this file during the merge; it was "
                             "left as it was and nothing was merged into it. Merge again") from None
        os.rename(tmp, final)
        return
    tmp.unlink()


def _remove_stale(final: Path) -> None:
    """The hidden files of merges into ``final`` killed before they ended (their process is gone)."""
    prefix = f".{final.name}."
    for tmp in final.parent.glob(f"{glob.escape(prefix)}*.merging"):
        pid = tmp.name[len(prefix):].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            _remove(tmp)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, owned by someone else
        return True
    return True


def _remove(tmp: Path) -> None:
    """The unfinished new database (nobody else knows its name) and SQLite's files beside it."""
    for path in (str(tmp), *(f"{tmp}{suffix}" for suffix in SIDECARS)):
        with suppress(FileNotFoundError):
            os.unlink(path)


def _user_paths(message: str, tmp: Path, output: str) -> str:
    """A message about the hidden file, about the output the user named instead."""
    for spelled in (str(tmp.resolve()), str(tmp)):
        message = message.replace(spelled, output)
    return message
