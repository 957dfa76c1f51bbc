"""The acceptance log's file: opened, checked and migrated before anything is written to it.

A file at the log's path that is not a log Nextword can use (another program's database, a damaged or
cut-short file, a folder, tables that conflict with Nextword's) is refused with UnusableLog, unchanged, so
that the caller can keep it aside (engine/core/damaged.py) and start a fresh log; a newer Nextword's log is
refused with NewerLog and left as it is. Migrations are named, numbered functions, applied once each in
order and recorded in `migrations`.
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import functools
import os
import sqlite3
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlite_utils import Database

from engine.core.damaged import KeepAsideError, keep_aside
from engine.core.paths import private_file


def now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds")


def m001_create_sessions_and_suggestions(db: Database) -> None:
    db["sessions"].create({"id": int, "started_at": str, "ended_at": str, "model": str, "provider": str,
                           "characters_typed": int}, pk="id")
    db["suggestions"].create({
        "id": int, "session_id": int, "shown_at": str, "kind": str, "rank": int, "words": int,
        "latency_ms": float, "typed_chars": int, "probability": float, "outcome": str, "keystrokes_saved": int,
        "accepted_text": str,  # only with the opt-in; NULL otherwise
    }, pk="id", foreign_keys=[("session_id", "sessions", "id")])
    db["suggestions"].create_index(["shown_at"])


MIGRATIONS: list[Callable[[Database], None]] = [m001_create_sessions_and_suggestions]

SQLITE_HEADER = b"SQLite format 3\x00"
_SQLITE_ERROR, _SQLITE_CORRUPT, _SQLITE_NOTADB = 1, 11, 26  # primary result codes (the low byte)


class UnusableLog(Exception):
    """The file at the log's path is not a log Nextword can use: another program's database, a damaged or cut-short
    file, a folder, a log whose tables conflict with Nextword's. Nothing was written to it; it may be kept aside
    (engine/core/damaged.py) and a fresh log started."""

    def __init__(self, path: Path, why: str):
        super().__init__(f"{path}: {why}")
        self.path, self.why = path, why


class NewerLog(Exception):
    """A log made by a newer Nextword (it records migrations this one does not know): left as it is."""

    def __init__(self, path: Path, unknown: list[str]):
        super().__init__(f"{path}: made by a newer Nextword (it has {', '.join(unknown)})")
        self.path = path


def open_database(path: str | Path, busy_timeout: float = 5.0) -> Database:
    """The log at `path`, created readable by its owner alone, migrated to the newest schema, in WAL mode;
    a statement waits up to `busy_timeout` seconds for another connection's lock.

    Checked before anything is written to it: UnusableLog for a file that is not Nextword's log (kept aside by
    the caller), NewerLog for a newer Nextword's. The checks and the migrations are one transaction, and the
    switch to WAL comes only after it commits, so a file refused or a migration failed is left as it was."""
    path = Path(path)
    if path.is_dir():
        raise UnusableLog(path, "is a folder, not a file")
    private_file(path)
    if not path.stat().st_mode & stat.S_IWUSR:  # honoured even where the user could write anyway, as root can
        raise PermissionError(errno.EACCES, f"{path} is read-only")
    with open(path, "rb") as file:
        header = file.read(len(SQLITE_HEADER))
    if header and header != SQLITE_HEADER:
        raise UnusableLog(path, "is not a database (another program's file, or a damaged one)")
    db = Database(sqlite3.connect(str(path), timeout=busy_timeout, check_same_thread=False))
    try:
        with write_transaction(db):  # the write lock first: another window migrating the same file waits
            _check_log(db, path)
            applied = {row[0] for row in db.execute("SELECT name FROM migrations")} \
                if "migrations" in db.table_names() else set()
            db["migrations"].create({"name": str, "applied_at": str}, pk="name", if_not_exists=True)
            db.execute("UPDATE migrations SET name = name WHERE 0")  # writes nothing, fails if the file is read-only
            for migration in MIGRATIONS:
                if migration.__name__ not in applied:
                    try:
                        migration(db)
                    except sqlite3.OperationalError as error:
                        if _code(error) != _SQLITE_ERROR:  # read-only, full, locked: not the file's fault
                            raise
                        raise UnusableLog(path, f"has tables Nextword's log cannot use ({error})") from None
                    db["migrations"].insert({"name": migration.__name__, "applied_at": now()})
            _check_tables(db, path)
        db.enable_wal()
    except (UnusableLog, NewerLog):
        db.close()
        raise
    except sqlite3.DatabaseError as error:
        db.close()
        if isinstance(error, sqlite3.OperationalError) or _code(error) not in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
            raise  # locked, read-only, a disk error: the file may be fine
        raise UnusableLog(path, f"is damaged ({error})") from None
    return db


def _code(error: sqlite3.Error) -> int | None:
    code = getattr(error, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def _check_log(db: Database, path: Path) -> None:
    """Before anything is written: the file is whole, and it is Nextword's log (or empty)."""
    problems = [row[0] for row in db.execute("PRAGMA quick_check")]
    if problems != ["ok"]:
        lines = [line for line in problems[0].splitlines() if not line.startswith("***")]  # "*** in database main"
        raise UnusableLog(path, f"is damaged ({(lines or problems)[0]})")
    tables = set(db.table_names()) - {"sqlite_sequence", "sqlite_stat1"}
    if not tables:
        return  # new
    if "migrations" not in tables:
        raise UnusableLog(path, f"is another program's database (tables {', '.join(sorted(tables)[:4])}), "
                                "not Nextword's acceptance log")
    try:
        applied = [row[0] for row in db.execute("SELECT name FROM migrations")]
    except sqlite3.OperationalError as error:
        raise UnusableLog(path, f"has a migrations table Nextword cannot read ({error})") from None
    unknown = [name for name in applied if name not in {migration.__name__ for migration in MIGRATIONS}]
    if unknown:
        raise NewerLog(path, unknown)


def _check_tables(db: Database, path: Path) -> None:
    """After migrating: every table and column the migrations make is there (a table of the same name made by
    something else, and recorded as migrated, is not)."""
    for table, columns in expected_columns().items():
        missing = columns - set(db[table].columns_dict) if db[table].exists() else columns
        if missing:
            raise UnusableLog(path, f"has a {table} table without {', '.join(sorted(missing))}")


@functools.cache
def expected_columns() -> dict[str, set[str]]:
    """The tables and columns the migrations make, found by running them on an empty database in memory."""
    db = Database(memory=True)
    for migration in MIGRATIONS:
        migration(db)
    columns = {table: set(db[table].columns_dict) for table in db.table_names()}
    db.close()
    return columns


def keep_log_aside(path: str | Path) -> Path:
    """Rename an unusable log out of the way with its journal files, so it opens as it was; its new path.
    Raises KeepAsideError when it cannot be renamed (then nothing must be written there either)."""
    path = Path(path)
    aside = keep_aside(path)
    for suffix in ("-wal", "-journal", "-shm"):  # left behind, SQLite would read them into the fresh log
        journal = path.with_name(path.name + suffix)
        if os.path.lexists(journal):
            try:
                os.rename(journal, aside.with_name(aside.name + suffix))
            except OSError as error:
                raise KeepAsideError(error.errno, f"{journal} could not be moved beside {aside.name} "
                                                  f"({error.strerror or error})") from error
    return aside


@contextlib.contextmanager
def write_transaction(db: Database) -> Iterator[None]:
    """One transaction that takes the write lock first (BEGIN IMMEDIATE), waiting up to the busy timeout for
    another connection's. sqlite-utils' own atomic() begins deferred and reads the schema first, and SQLite
    fails a read that must turn into a write while another connection writes at once, without waiting.
    Calls inside (insert_all, update) nest as savepoints, so the whole block commits or rolls back as one."""
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        db.conn.execute("COMMIT")
    except BaseException:
        db.rollback()  # nothing to do if the error already ended the transaction
        raise
