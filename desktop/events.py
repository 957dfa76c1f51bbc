"""The acceptance log: a local SQLite database (sqlite-utils) of suggestions shown and what became of them.

No typed text is stored unless the person opts in: not the document, not the context, not the
suggested word. A row says what kind of suggestion was shown, at which rank, how likely the model
thought it, how fast it came, how many letters of the word were typed, and its outcome.

The GUI thread only queues events (`record`); a LogWriter thread (desktop/log_writer.py) writes each
burst of them in one transaction, with the session's row (created by the first burst that needs it) and
its running count of characters typed, so a crash loses at most the burst being gathered (about half a
second of events) and whatever the disk was refusing. A write that keeps failing (the file locked by
another process, read-only, a disk error) is dropped after a few tries and said once through
`on_problem`; logging goes on. SQLite's WAL journal means a crash at any moment leaves a database that
opens with every committed row.
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import functools
import os
import sqlite3
import stat
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlite_utils import Database

from desktop.log_writer import LogWriter
from engine.core.damaged import KeepAsideError, keep_aside
from engine.core.paths import private_file

LOG_FILE = "nextword.db"
OUTCOMES = ("accepted", "typed_through", "dismissed", "ignored")
BUSY_TIMEOUT_SECONDS = 1.0  # how long a write waits for another process's lock before it is tried again
CLOSE_SECONDS = 3.0  # how long closing may spend writing what is still queued
FLUSH_SECONDS = 5.0  # how long `flush` waits, by default, for what is queued to be written


def now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds")


# Migrations: named, numbered, applied once each in order, recorded in `migrations`.
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


@dataclass
class LoggedSuggestion:
    """One suggestion shown, with its outcome once known."""

    kind: str  # chip or inline
    rank: int  # 0 = best
    words: int  # how many words it offered (inline text may offer several)
    latency_ms: float
    typed_chars: int  # letters of the current word typed when it was shown
    probability: float
    outcome: str = "ignored"
    keystrokes_saved: int = 0
    accepted_text: str | None = None
    shown_at: str = ""


@dataclass(eq=False)  # compared and hashed by identity: one object per session
class Session:
    """A session as the writer sees it. Queued alone, it asks the next burst to write its running count.
    Its row is inserted in the transaction of the first burst that holds it: no separate start can fail
    and leave events pointing at no session."""

    model: str
    provider: str
    started_at: str
    characters_typed: int = 0  # the running count, set from the GUI thread, read when a burst is written
    id: int | None = None  # set on the writer thread once the row is committed


def print_problem(text: str) -> None:
    print(text, file=sys.stderr)


def describe(burst: list) -> str:
    """What a burst holds, in words: its events (a queued Session is only the count of characters typed)."""
    events = sum(isinstance(item, tuple) for item in burst)
    return f"{events} events" if events else "the count of characters typed"


class EventLog:
    """Queues events from the GUI thread without waiting; a LogWriter thread writes each burst in one
    transaction, and tells `on_problem` (a callable taking a message; stderr by default) of writes it gave up on."""

    def __init__(self, path: str | Path, store_accepted_words: bool = False, flush_seconds: float = 0.5,
                 on_problem: Callable[[str], None] = print_problem, busy_timeout: float = BUSY_TIMEOUT_SECONDS):
        self.path = Path(path)
        self.db = open_database(self.path, busy_timeout)
        self.store_accepted_words = store_accepted_words
        self.paused = False
        self.session: Session | None = None
        self._dropped_at_flush = 0
        self._writer = LogWriter(self._write_burst, describe, on_problem, self.db.close, flush_seconds)

    @property
    def on_problem(self) -> Callable[[str], None]:
        return self._writer.on_problem

    @on_problem.setter
    def on_problem(self, callback: Callable[[str], None]) -> None:
        self._writer.on_problem = callback

    @property
    def session_started(self) -> bool:
        return self.session is not None

    def start_session(self, model: str, provider: str) -> None:
        """A new session; its row is written with the next burst (queued now, so that is soon)."""
        self.session = Session(model, provider, now())
        self._writer.add(self.session, coalesce=True)

    def note_characters_typed(self, total: int) -> None:
        """The session's running count of characters typed, written with the next burst (one is queued)."""
        if self.session is not None:
            self.session.characters_typed = total
            self._writer.add(self.session, coalesce=True)

    def end_session(self, characters_typed: int | None = None) -> None:
        """The session's last count; its `ended_at` is the time of the last burst written for it."""
        if self.session is not None:
            self.note_characters_typed(self.session.characters_typed if characters_typed is None
                                       else characters_typed)

    def record(self, suggestion: LoggedSuggestion) -> None:
        """One suggestion and its outcome, queued; nothing is queued while learning is paused."""
        if self.paused or self.session is None:
            return
        row = asdict(suggestion)
        row["shown_at"] = row["shown_at"] or now()
        if not self.store_accepted_words or suggestion.outcome != "accepted":
            row["accepted_text"] = None
        self._writer.add((self.session, row))

    def flush(self, timeout: float = FLUSH_SECONDS) -> bool:
        """Wait, at most `timeout` seconds, until everything queued so far is written or given up on.
        True when it came to that and nothing has been given up on since the previous flush."""
        try:
            self._writer.submit(lambda: None).result(timeout)
        except (TimeoutError, RuntimeError):  # still waiting on the disk, or closed
            return False
        dropped = self._writer.dropped
        nothing_dropped, self._dropped_at_flush = dropped == self._dropped_at_flush, dropped
        return nothing_dropped

    def delete_all(self, wait: bool = True, timeout: float = 30.0) -> Future:
        """"Delete my data": every session and suggestion, then the file's free pages. Queued like a write,
        after what is queued now (written, then deleted); the caller starts a new session if logging goes on.
        The Future ends with None once the deletion is committed and a count finds no row left, else with
        the reason; with `wait`, this waits for it (at most `timeout` seconds) and raises that reason."""
        self.session = None
        future = self._writer.submit(self._delete_everything)
        if wait:
            future.result(timeout)
        return future

    def close(self, timeout: float = CLOSE_SECONDS) -> bool:
        """Write what is queued, for at most `timeout` seconds; past that, give up on the rest and say so
        through on_problem. True when everything was written."""
        return self._writer.close(timeout)

    # On the writer thread
    def _write_burst(self, burst: list) -> None:
        """One transaction: each session in the burst (its row inserted, or its count and time updated), then
        every event. The sessions learn their ids only once the transaction is committed."""
        sessions = list(dict.fromkeys(item[0] if isinstance(item, tuple) else item for item in burst))
        ids: dict[Session, int] = {}
        with write_transaction(self.db):  # not `with db.conn`: there sqlite-utils commits after each call
            for session in sessions:
                ids[session] = self._save_session(session)
            rows = [{**row, "session_id": ids[session]} for session, row in
                    (item for item in burst if isinstance(item, tuple))]
            if rows:
                self.db["suggestions"].insert_all(rows)
        for session, session_id in ids.items():
            session.id = session_id

    def _save_session(self, session: Session) -> int:
        values = {"ended_at": now(), "characters_typed": session.characters_typed}  # ended_at: last written
        if session.id is not None and self.db.execute(
                "UPDATE sessions SET ended_at = ?, characters_typed = ? WHERE id = ?",
                [values["ended_at"], values["characters_typed"], session.id]).rowcount:
            return session.id
        # new, or deleted meanwhile by another window's "delete my data": inserted (again)
        return self.db["sessions"].insert({"started_at": session.started_at, "model": session.model,
                                           "provider": session.provider, **values}).last_pk

    def _delete_everything(self) -> None:
        with write_transaction(self.db):
            self.db.execute("DELETE FROM suggestions")
            self.db.execute("DELETE FROM sessions")
        left = self.db.execute("SELECT (SELECT COUNT(*) FROM suggestions) + (SELECT COUNT(*) FROM sessions)"
                               ).fetchone()[0]
        if left:  # another process wrote meanwhile
            raise sqlite3.DatabaseError(f"{left} rows were still there after deleting")
        try:  # rewrite the file without the deleted rows' pages, then empty the journal (as far as readers let it)
            self.db.execute("VACUUM")
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.OperationalError as error:  # tried again like any write; the rows are gone already
            raise sqlite3.OperationalError(f"the rows are deleted but their old pages are still in the file "
                                           f"({error})") from error
