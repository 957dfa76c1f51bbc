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


# A suggestion row the figures can use: a kind and an outcome this Nextword knows, whole numbers for its rank and
# the keystrokes it saved, numbers for its latency and probability, a date at the start of shown_at. Any other row
# (a NULL, text in a number column, an outcome from elsewhere) is left out of every figure and counted as odd.
# The latency index (m002) holds these rows only, and SQLite uses a partial index only for a query whose WHERE
# repeats its terms word for word: change this text only in a new migration that remakes that index and the totals.
# Lists of names are written out as ORs: an IN list of more than two makes SQLite build a table for it each
# time a trigger runs, which made writing a row several times slower.
USABLE_ROW = ("(kind = 'chip' OR kind = 'inline' OR kind = 'correction' OR kind = 'autocorrect') "
              "AND (outcome = 'accepted' OR outcome = 'typed_through' OR outcome = 'dismissed' "
              "OR outcome = 'ignored' OR outcome = 'undone') "
              "AND typeof(rank) = 'integer' AND typeof(keystrokes_saved) = 'integer' "
              "AND typeof(latency_ms) IN ('integer', 'real') AND typeof(probability) IN ('integer', 'real') "
              "AND shown_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'")
SHOWN_TO_THE_PERSON = "kind IN ('chip', 'inline', 'correction')"  # an autocorrection is done for them, not shown
TOTALS = "suggestion_totals"
_DAY = "CASE WHEN shown_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*' THEN substr(shown_at, 1, 10) ELSE '' END"
_ROW_COLUMNS = ("shown_at", "kind", "rank", "outcome", "keystrokes_saved", "latency_ms", "probability")


# Which model a session used, worked out from the description an older Nextword logged ("bundled model: lstm
# model.int8.onnx, exported ...", "v2 (learned from your writing): ...", "my-folder: ..."); '' where it does not say.
MODEL_ID_FROM_DESCRIPTION = (
    "CASE WHEN typeof(model) != 'text' THEN '' "
    "WHEN model = 'bundled model' OR model GLOB 'bundled model: *' THEN 'bundled' "
    "WHEN model GLOB 'v[0-9]* (learned from your writing)*' THEN substr(model, 1, instr(model, ' ') - 1) "
    "WHEN instr(model, ': ') > 1 THEN substr(model, 1, instr(model, ': ') - 1) ELSE '' END")


def model_of_row(model_id: str = "model_id") -> str:
    """The model of a suggestion row `logged` (its session's `model_id`, an expression over a sessions row): ''
    where its session is gone or does not say."""
    return f"COALESCE((SELECT {model_id} FROM sessions WHERE sessions.id = logged.session_id), '')"


def _usable_rows_as_totals(source: str, sign: int = 1, model: str | None = None) -> str:
    """A SELECT of what each usable suggestion row in `source` (a table, or a subquery of a trigger's NEW or OLD
    row) adds to the totals (`sign` -1: takes away); `model`: the expression of its model (m003's totals)."""
    by_model, alias = (f"{model} AS model, ", " AS logged") if model else ("", "")
    return (f"SELECT substr(shown_at, 1, 10) AS day, kind, rank, {by_model}{sign} AS shown, "
            f"{sign} * (outcome = 'accepted') AS accepted, {sign} * (outcome = 'undone') AS undone, "
            f"{sign} * keystrokes_saved AS keystrokes_saved, 0 AS odd FROM {source}{alias} WHERE {USABLE_ROW}")


def _odd_rows_as_totals(source: str, sign: int = 1, model: str | None = None) -> str:
    """The same for each odd row: counted under the day it names ('' where it names none), kind '', rank -1 and
    model ''."""
    by_model, alias = ("'' AS model, ", " AS logged") if model else ("", "")
    return (f"SELECT {_DAY} AS day, '' AS kind, -1 AS rank, {by_model}0 AS shown, 0 AS accepted, 0 AS undone, "
            f"0 AS keystrokes_saved, {sign} AS odd FROM {source}{alias} "
            f"WHERE CASE WHEN {USABLE_ROW} THEN 0 ELSE 1 END")


def totals_of(source: str, model: str | None = None) -> str:
    """A SELECT of the totals by day, kind, rank (and model, where `model` gives each row's) of the suggestion
    rows in `source`, as the totals table holds them: what stats reads from a log whose totals table does not
    count every row, and what fills it."""
    by_model = "model, " if model else ""
    return (f"SELECT day, kind, rank, {by_model}SUM(shown) AS shown, SUM(accepted) AS accepted, "
            f"SUM(undone) AS undone, SUM(keystrokes_saved) AS keystrokes_saved, SUM(odd) AS odd "
            f"FROM ({_usable_rows_as_totals(source, 1, model)} UNION ALL {_odd_rows_as_totals(source, 1, model)}) "
            f"GROUP BY day, kind, rank{', model' if model else ''}")


def open_read_only(path: str | Path) -> sqlite3.Connection:
    """The log at `path` for reading only: never migrated or written, whoever else has it open."""
    return sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)


def _add_to_totals(select: str, by_model: bool = False) -> str:
    """An INSERT of the totals that `select` gives, added to those already there. `select` ends in a WHERE clause,
    so that SQLite reads the ON that follows as the upsert's, not a join's."""
    key = "day, kind, rank, model" if by_model else "day, kind, rank"
    return (f"INSERT INTO {TOTALS} ({key}, shown, accepted, undone, keystrokes_saved, odd) "
            f"{select} ON CONFLICT ({key}) DO UPDATE SET "
            + ", ".join(f"{column} = {column} + excluded.{column}"
                        for column in ("shown", "accepted", "undone", "keystrokes_saved", "odd")))


def _trigger_row(which: str, columns: tuple[str, ...] = _ROW_COLUMNS) -> str:
    """A trigger's NEW or OLD suggestion row as a one-row subquery, to be read as a table."""
    return "(SELECT " + ", ".join(f"{which}.{column} AS {column}" for column in columns) + ")"


def m002_keep_daily_totals_and_index_for_stats(db: Database) -> None:
    """What `nextword stats`, Analytics and the editor's threshold tuning read, so that none of them reads every
    row of a year's log: totals by day, kind and rank kept up to date by triggers as rows are written (filled
    here from the rows already logged); the latencies of the suggestions shown, in order, for percentiles by
    OFFSET; the inline suggestions by time, for the newest few thousand. Rows are only ever added, or all deleted
    at once (EventLog.delete_all empties the totals too); stats checks the totals against the rows' count and
    works from the rows where another program deleted some."""
    db[TOTALS].create({"day": str, "kind": str, "rank": int, "shown": int, "accepted": int, "undone": int,
                       "keystrokes_saved": int, "odd": int}, pk=("day", "kind", "rank"))
    db.execute(_add_to_totals(f"SELECT * FROM ({totals_of('suggestions')}) WHERE true"))
    # Each row's usable and odd parts as two statements: one SELECT holding both would repeat USABLE_ROW
    # in every column, which made each insert some 30 times slower.
    added, taken_away = ("; ".join(_add_to_totals(part(_trigger_row(which), sign))
                                   for part in (_usable_rows_as_totals, _odd_rows_as_totals))
                         for which, sign in (("NEW", 1), ("OLD", -1)))
    db.execute(f"CREATE TRIGGER {TOTALS}_on_insert AFTER INSERT ON suggestions BEGIN {added}; END")
    db.execute(f"CREATE TRIGGER {TOTALS}_on_update AFTER UPDATE ON suggestions BEGIN {taken_away}; {added}; END")
    db.execute(f"CREATE INDEX suggestions_by_latency ON suggestions (latency_ms, shown_at) "
               f"WHERE {SHOWN_TO_THE_PERSON} AND {USABLE_ROW}")
    db.execute("CREATE INDEX suggestions_inline_by_time ON suggestions (shown_at) WHERE kind = 'inline'")


def m003_record_each_sessions_model_and_keep_totals_by_model(db: Database) -> None:
    """Which model each session used, by the model store's id ("bundled", "v2") or a folder's name (`model_id`),
    so that `nextword stats` and Analytics show whether a model learned from the person's writing helps: worked
    out for the sessions already logged from their description ('' where it does not say: "earlier sessions").
    The totals are kept by model too: remade from the rows (once, at the first start after upgrading), each row
    under its session's model, and kept by triggers as m002's were."""
    db.execute("ALTER TABLE sessions ADD COLUMN model_id TEXT")
    db.execute(f"UPDATE sessions SET model_id = {MODEL_ID_FROM_DESCRIPTION}")
    for trigger in ("on_insert", "on_update"):
        db.execute(f"DROP TRIGGER IF EXISTS {TOTALS}_{trigger}")
    db.execute(f"DROP TABLE IF EXISTS {TOTALS}")
    db[TOTALS].create({"day": str, "kind": str, "rank": int, "model": str, "shown": int, "accepted": int,
                       "undone": int, "keystrokes_saved": int, "odd": int}, pk=("day", "kind", "rank", "model"))
    model = model_of_row()
    db.execute(_add_to_totals(f"SELECT * FROM ({totals_of('suggestions', model)}) WHERE true", by_model=True))
    columns = (*_ROW_COLUMNS, "session_id")
    added, taken_away = ("; ".join(_add_to_totals(part(_trigger_row(which, columns), sign, model), by_model=True)
                                   for part in (_usable_rows_as_totals, _odd_rows_as_totals))
                         for which, sign in (("NEW", 1), ("OLD", -1)))
    db.execute(f"CREATE TRIGGER {TOTALS}_on_insert AFTER INSERT ON suggestions BEGIN {added}; END")
    db.execute(f"CREATE TRIGGER {TOTALS}_on_update AFTER UPDATE ON suggestions BEGIN {taken_away}; {added}; END")


MIGRATIONS: list[Callable[[Database], None]] = [m001_create_sessions_and_suggestions,
                                                m002_keep_daily_totals_and_index_for_stats,
                                                m003_record_each_sessions_model_and_keep_totals_by_model]

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


def open_database(path: str | Path, busy_timeout: float = 5.0, finish: bool = True) -> Database:
    """The log at `path`, created readable by its owner alone, migrated to the newest schema, in WAL mode;
    a statement waits up to `busy_timeout` seconds for another connection's lock.

    Checked before anything is written to it: UnusableLog for a file that is not Nextword's log (kept aside by
    the caller), NewerLog for a newer Nextword's, the file's own error where it cannot be written. The checks and
    the migrations are transactions, and the switch to WAL comes only after them, so a file refused or a
    migration failed is left as it was. finish=False leaves out what takes seconds for a year's log (reading
    every page for damage, migrating its rows: `finish_opening`): the editor does that on the log's writer
    thread, before its first write, never while it starts."""
    path = Path(path)
    db = _connect(path, busy_timeout)
    try:
        with _unusable_if_damaged(db, path):
            with write_transaction(db):  # the write lock first: another window migrating the same file waits
                _check_log(db, path)
                db["migrations"].create({"name": str, "applied_at": str}, pk="name", if_not_exists=True)
                db.execute("UPDATE migrations SET name = name WHERE 0")  # writes nothing, fails if read-only
        if finish:
            finish_opening(db, path)
    except BaseException:
        db.close()
        raise
    return db


def finish_opening(db: Database, path: Path) -> None:
    """Every page read for damage, the migrations the log lacks made, its tables checked; then WAL. Raises as
    open_database does (the caller closes `db`)."""
    with _unusable_if_damaged(db, path):
        with write_transaction(db):
            check_every_page(db, path)
            _migrate(db, path)
            _check_tables(db, path)
        db.enable_wal()


def _connect(path: Path, busy_timeout: float) -> Database:
    if path.is_dir():
        raise UnusableLog(path, "is a folder, not a file")
    private_file(path)
    if not path.stat().st_mode & stat.S_IWUSR:  # honoured even where the user could write anyway, as root can
        raise PermissionError(errno.EACCES, f"{path} is read-only")
    with open(path, "rb") as file:
        header = file.read(len(SQLITE_HEADER))
    if header and header != SQLITE_HEADER:
        raise UnusableLog(path, "is not a database (another program's file, or a damaged one)")
    return Database(sqlite3.connect(str(path), timeout=busy_timeout, check_same_thread=False))


@contextlib.contextmanager
def _unusable_if_damaged(db: Database, path: Path):
    """SQLite's "damaged" and "not a database" errors as UnusableLog; a locked, read-only or full disk's as they
    are (the file may be fine)."""
    try:
        yield
    except sqlite3.DatabaseError as error:
        if isinstance(error, sqlite3.OperationalError) or _code(error) not in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
            raise
        raise UnusableLog(path, f"is damaged ({error})") from None


def _migrate(db: Database, path: Path) -> None:
    applied = {row[0] for row in db.execute("SELECT name FROM migrations")}
    for migration in MIGRATIONS:
        if migration.__name__ not in applied:
            try:
                migration(db)
            except sqlite3.OperationalError as error:
                if _code(error) != _SQLITE_ERROR:  # read-only, full, locked: not the file's fault
                    raise
                raise UnusableLog(path, f"has tables Nextword's log cannot use ({error})") from None
            db["migrations"].insert({"name": migration.__name__, "applied_at": now()})


def _code(error: sqlite3.Error) -> int | None:
    code = getattr(error, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def check_every_page(db: Database, path: Path) -> None:
    """The file is whole: every page read (SQLite's quick_check: ~0.3 s per million rows); UnusableLog if not."""
    with _unusable_if_damaged(db, path):
        problems = [row[0] for row in db.execute("PRAGMA quick_check")]
    if problems != ["ok"]:
        lines = [line for line in problems[0].splitlines() if not line.startswith("***")]  # "*** in database main"
        raise UnusableLog(path, f"is damaged ({(lines or problems)[0]})")


def _check_log(db: Database, path: Path) -> None:
    """Before anything is written: it is Nextword's log (or empty)."""
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
