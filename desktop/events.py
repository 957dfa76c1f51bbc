"""The acceptance log: a local SQLite database (sqlite-utils) of suggestions shown and what became of them.

No typed text is stored unless the person opts in: not the document, not the context, not the
suggested word. A row says what kind of suggestion was shown, at which rank, how likely the model
thought it, how fast it came, how many letters of the word were typed, and its outcome.
Writes go through a background thread in small transactions, so typing never waits on the disk;
SQLite's WAL journal means a crash at any moment leaves a database that opens with every committed row.
"""

from __future__ import annotations

import datetime
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlite_utils import Database

LOG_FILE = "nextword.db"
OUTCOMES = ("accepted", "typed_through", "dismissed", "ignored")


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


def open_database(path: str | Path) -> Database:
    """The log at `path`, created readable by its owner alone, in WAL mode, migrated to the newest schema."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.touch(mode=0o600)
    db = Database(sqlite3.connect(str(path), check_same_thread=False))
    db.enable_wal()
    with db.conn:
        db["migrations"].create({"name": str, "applied_at": str}, pk="name", if_not_exists=True)
        applied = {row["name"] for row in db["migrations"].rows}
        for migration in MIGRATIONS:
            if migration.__name__ not in applied:
                migration(db)
                db["migrations"].insert({"name": migration.__name__, "applied_at": now()})
    return db


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


class EventLog:
    """Buffers events and writes them from a background thread, a small transaction at a time."""

    def __init__(self, path: str | Path, store_accepted_words: bool = False, flush_seconds: float = 0.5):
        self.path = Path(path)
        self.db = open_database(self.path)
        self.store_accepted_words = store_accepted_words
        self.paused = False
        self._queue: queue.Queue = queue.Queue()
        self._flush_seconds = flush_seconds
        self.session_id: int | None = None  # set by the writer thread once the session row exists
        self.session_started = False
        self._closed = False
        self._writer = threading.Thread(target=self._write_loop, name="event-log", daemon=True)
        self._writer.start()

    def start_session(self, model: str, provider: str) -> None:
        """Queued like every write: the caller (the GUI thread) never waits on the disk."""
        if self._closed:
            return
        self.session_started = True

        def insert(db: Database) -> None:
            self.session_id = db["sessions"].insert(
                {"started_at": now(), "model": model, "provider": provider, "characters_typed": 0}).last_pk
        self._queue.put(insert)

    def end_session(self, characters_typed: int = 0) -> None:
        if self.session_started and not self._closed:
            self._queue.put(lambda db: db["sessions"].update(
                self.session_id, {"ended_at": now(), "characters_typed": characters_typed}))

    def record(self, suggestion: LoggedSuggestion) -> None:
        """One suggestion and its outcome; nothing is written while learning is paused."""
        if self.paused or not self.session_started or self._closed:
            return
        row = asdict(suggestion)
        row["shown_at"] = row["shown_at"] or now()
        if not self.store_accepted_words or suggestion.outcome != "accepted":
            row["accepted_text"] = None
        self._queue.put(lambda db: db["suggestions"].insert({**row, "session_id": self.session_id}))

    def flush(self) -> None:
        """Wait until everything recorded so far is committed."""
        self._call(lambda db: None)

    def delete_all(self, wait: bool = True) -> None:
        """"Delete my data": every session and suggestion, then the file's free pages (so deleted rows do
        not linger on disk). The GUI passes wait=False: queued behind what is being written, never waited on."""
        def wipe(db: Database) -> None:
            db["suggestions"].delete_where()
            db["sessions"].delete_where()
        self.session_id, self.session_started = None, False
        self._queue.put(wipe)
        vacuum = (lambda db: db.execute("VACUUM"), queue.Queue(), False)
        self._queue.put(vacuum)
        if wait:
            result = vacuum[1].get()
            if isinstance(result, BaseException):
                raise result

    def close(self) -> None:
        if self._closed:
            return
        self.flush()
        self._closed = True
        self._queue.put(None)
        self._writer.join(timeout=5)

    def _call(self, work, transaction: bool = True):
        if self._closed:
            raise RuntimeError(f"{self.path}: the acceptance log is closed")
        done: queue.Queue = queue.Queue()
        self._queue.put((work, done, transaction))
        result = done.get()
        if isinstance(result, BaseException):
            raise result
        return result

    def _write_loop(self) -> None:
        while True:
            batch = [self._queue.get()]
            deadline = time.monotonic() + self._flush_seconds
            while callable(batch[-1]) and len(batch) < 200:  # an event: gather the burst into one transaction
                try:
                    batch.append(self._queue.get(timeout=max(0.0, deadline - time.monotonic())))
                except queue.Empty:
                    break
            events = [item for item in batch if callable(item)]
            if events:
                with self.db.conn:
                    for work in events:
                        work(self.db)
            last = batch[-1]
            if last is None:
                return
            if isinstance(last, tuple):
                self._answer(*last)

    def _answer(self, work, done: queue.Queue, transaction: bool) -> None:
        try:
            if transaction:
                with self.db.conn:
                    done.put(work(self.db))
            else:
                done.put(work(self.db))
        except Exception as error:  # handed to the caller's thread, raised there
            done.put(error)
