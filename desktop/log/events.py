"""The acceptance log: a local SQLite database (sqlite-utils) of suggestions shown and what became of them.

No typed text is stored unless the person opts in: not the document, not the context, not the
suggested word. A row says what kind of suggestion was shown, at which rank, how likely the model
thought it, how fast it came, how many letters of the word were typed, and its outcome.

The GUI thread only queues events (`record`); a LogWriter thread (desktop/log/log_writer.py) writes each
burst of them in one transaction, with the session's row (created by the first burst that needs it) and
its running count of characters typed, so a crash loses at most the burst being gathered (about half a
second of events) and whatever the disk was refusing. A write that keeps failing (the file locked by
another process, read-only, a disk error) is dropped after a few tries and said once through
`on_problem`; logging goes on. SQLite's WAL journal means a crash at any moment leaves a database that
opens with every committed row.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import asdict, dataclass
from pathlib import Path

from desktop.log.log_schema import (
    TOTALS,
    NewerLog,
    UnusableLog,
    finish_opening,
    keep_log_aside,
    now,
    open_database,
    write_transaction,
)
from desktop.log.log_writer import LogWriter

LOG_FILE = "nextword.db"
OUTCOMES = ("accepted", "typed_through", "dismissed", "ignored", "undone")  # undone: an autocorrection put back
# A kind or an outcome added here needs a migration too: log_schema.USABLE_ROW counts any other as odd.
BUSY_TIMEOUT_SECONDS = 1.0  # how long a write waits for another process's lock before it is tried again
CLOSE_SECONDS = 3.0  # how long closing may spend writing what is still queued
FLUSH_SECONDS = 5.0  # how long `flush` waits, by default, for what is queued to be written


@dataclass
class LoggedSuggestion:
    """One suggestion shown, with its outcome once known."""

    kind: str  # chip, inline, correction (a chip that replaces the word typed) or autocorrect
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

    model: str  # the model's description and version, as the person knows it
    provider: str
    started_at: str
    model_id: str = ""  # what stats groups sessions by: the store's id ("bundled", "v2") or a folder's name
    characters_typed: int = 0  # the running count, set from the GUI thread, read when a burst is written
    id: int | None = None  # set on the writer thread once the row is committed


def print_problem(text: str) -> None:
    print(text, file=sys.stderr)


def describe(burst: list) -> str:
    """What a burst holds, in words: its events (a queued Session is only the count of characters typed)."""
    events = sum(isinstance(item, tuple) for item in burst)
    return f"{events} events" if events else "the count of characters typed"


def started_afresh(path: Path, problem: UnusableLog, aside: Path) -> str:
    """What to tell the person when an unusable log was kept aside and a fresh one started."""
    return f"The acceptance log {path} {problem.why}; it was kept aside as {aside.name} and a fresh log started"


class EventLog:
    """Queues events from the GUI thread without waiting; a LogWriter thread writes each burst in one
    transaction, and tells `on_problem` (a callable taking a message; stderr by default) of writes it gave up on."""

    def __init__(self, path: str | Path, store_accepted_words: bool = False, flush_seconds: float = 0.5,
                 on_problem: Callable[[str], None] = print_problem, busy_timeout: float = BUSY_TIMEOUT_SECONDS,
                 finish_later: bool = False):
        """finish_later: what takes seconds for a year's log (reading every page for damage, migrating its rows) is
        done on the writer thread before its first write, once finish_opening_later is called."""
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self.db = open_database(self.path, busy_timeout, finish=not finish_later)
        self.off = False  # found damaged after opening, and no fresh log could be started: nothing is written
        self.store_accepted_words = store_accepted_words
        self.paused = False
        self.session: Session | None = None
        self._dropped_at_flush = 0
        self._writer = LogWriter(self._write_burst, describe, on_problem, lambda: self.db.close(), flush_seconds)

    @property
    def on_problem(self) -> Callable[[str], None]:
        return self._writer.on_problem

    @on_problem.setter
    def on_problem(self, callback: Callable[[str], None]) -> None:
        self._writer.on_problem = callback

    @property
    def session_started(self) -> bool:
        return self.session is not None

    def start_session(self, model: str, provider: str, model_id: str = "") -> None:
        """A new session; its row is written with the next burst (queued now, so that is soon). model: the
        model's description; model_id: the store's id or the folder's name (empty: not known)."""
        self.session = Session(model, provider, now(), model_id=model_id)
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

    def finish_opening_later(self) -> None:
        """Every page read for damage and the log migrated, on the writer thread before its first write (a year's
        log takes seconds: never while the editor starts). A damaged log is then kept aside and a fresh one
        started, said once through on_problem."""
        self._writer.submit(self._finish_opening)

    # On the writer thread
    def _finish_opening(self) -> None:
        try:
            finish_opening(self.db, self.path)
        except UnusableLog as problem:
            self.db.close()
            self._writer.on_problem(self._start_afresh(problem))

    def _start_afresh(self, problem: UnusableLog) -> str:
        try:
            aside = keep_log_aside(self.path)
            self.db = open_database(self.path, self.busy_timeout)
        except (OSError, UnusableLog, NewerLog, sqlite3.DatabaseError) as error:
            self.off = True
            return (f"Acceptance log off: {problem}, and a fresh log could not be started ({error}); move or delete "
                    "it to log again")
        return started_afresh(self.path, problem, aside)

    def _write_burst(self, burst: list) -> None:
        """One transaction: each session in the burst (its row inserted, or its count and time updated), then
        every event. The sessions learn their ids only once the transaction is committed."""
        if self.off:
            return  # said once when it was found
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
                                           "provider": session.provider, "model_id": session.model_id,
                                           **values}).last_pk

    def _delete_everything(self) -> None:
        with write_transaction(self.db):
            self.db.execute("DELETE FROM suggestions")
            self.db.execute(f"DELETE FROM {TOTALS}")  # by hand: a trigger per deleted row would be slow
            self.db.execute("DELETE FROM sessions")
        left = self.db.execute(f"SELECT (SELECT COUNT(*) FROM suggestions) + (SELECT COUNT(*) FROM {TOTALS}) "
                               "+ (SELECT COUNT(*) FROM sessions)").fetchone()[0]
        if left:  # another process wrote meanwhile
            raise sqlite3.DatabaseError(f"{left} rows were still there after deleting")
        try:  # rewrite the file without the deleted rows' pages, then empty the journal (as far as readers let it)
            self.db.execute("VACUUM")
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.OperationalError as error:  # tried again like any write; the rows are gone already
            raise sqlite3.OperationalError(f"the rows are deleted but their old pages are still in the file "
                                           f"({error})") from error
