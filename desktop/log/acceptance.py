"""Connects the window to the acceptance log: suggestions shown, accepted, dismissed; characters typed.

The log's problems (a write given up on, "delete my data" done or not) arrive from its writer thread as
signals, queued to the GUI thread, and are shown in the status bar.
"""

from __future__ import annotations

import re
import sqlite3
from concurrent.futures import Future

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from desktop.log.events import LOG_FILE, EventLog, print_problem, started_afresh
from desktop.log.log_schema import NewerLog, UnusableLog, keep_log_aside
from desktop.log.tracker import SuggestionTracker
from desktop.log.tuning import tune_from_log
from engine.core.paths import user_data_dir

LAST_WORD = re.compile(r"([A-Za-z0-9]+(?:'[A-Za-z0-9]+)*)\W*$")


class _TuneJob(QRunnable):
    def __init__(self, log: EventLog, done):
        super().__init__()
        self.log, self.done = log, done

    def run(self) -> None:
        try:
            self.log.flush()
            self.done.emit(tune_from_log(self.log.path))  # the newest inline suggestions only
        except Exception:  # an unreadable or closed log: keep the threshold as it is
            self.done.emit(None)


def open_log(path, store_accepted_words: bool = False) -> tuple[EventLog | None, str]:
    """The acceptance log at `path` and what to tell the person (empty: nothing). Another program's file, a
    damaged one or a folder there is kept aside (renamed beside itself) and a fresh log started; a newer
    Nextword's is left as it is, and so is one the disk will not let us write: logging is off this session."""
    try:  # its pages are read for damage and its rows migrated later, on its writer thread (AcceptanceRecorder)
        return EventLog(path, store_accepted_words=store_accepted_words, finish_later=True), ""
    except UnusableLog as problem:
        try:
            aside = keep_log_aside(path)
        except OSError as error:
            return None, (f"Acceptance log off: {problem} and it could not be kept aside ({error}); "
                          "move or delete it to log again")
        said = started_afresh(path, problem, aside)
    except NewerLog as problem:
        return None, f"Acceptance log off: {problem}; it is left as it is: upgrade Nextword to log again"
    except (OSError, sqlite3.DatabaseError) as error:
        if "readonly" in str(error) or isinstance(error, PermissionError):
            return None, (f"Acceptance log off: {path} is read-only, so nothing is logged this session; "
                          "make it (and its folder) writable to log again")
        return None, f"Acceptance log off: {path}: {error}"
    try:
        return EventLog(path, store_accepted_words=store_accepted_words), said
    except (UnusableLog, NewerLog, OSError, sqlite3.DatabaseError) as error:
        return None, f"{said}, but that could not be opened either ({error}): nothing is logged this session"


class AcceptanceRecorder(QObject):
    tuned = Signal(object)  # the tuned minimum confidence for inline text, or None (too little logged)
    problem = Signal(str)  # emitted on the log's writer thread: writes given up on
    deletion_done = Signal(str)  # emitted on the log's writer thread: what became of "delete my data"

    def __init__(self, window, log: EventLog):
        super().__init__(window)
        self.window, self.log = window, log
        self.problem.connect(window.messages.say)  # a slot of a GUI-thread object: queued to the GUI thread
        self.deletion_done.connect(window.messages.say)
        log.on_problem = self.problem.emit
        log.finish_opening_later()  # after on_problem is set: what it finds goes to the status bar
        self.tracker = SuggestionTracker(log.record)
        self.characters_typed = 0
        self._model: tuple[str, str, str] | None = None  # description, provider, model id
        self.apply_preferences(window.preferences)
        editor = window.editor
        window.suggestions_shown.connect(self._on_shown)
        editor.suggestion_accepted.connect(self._on_accepted)
        editor.ghost_dismissed.connect(self.tracker.dismissed)
        editor.character_typed.connect(self._on_character_typed)
        editor.autocorrector.settled.connect(self._on_autocorrection_settled)
        window.worker_thread.worker.model_loaded.connect(self._on_model_loaded)

    @classmethod
    def attach(cls, window) -> AcceptanceRecorder | None:
        """The recorder with the log in the user's data folder; None (and a status message) if it cannot open.
        A file there that is not a usable log is kept aside and a fresh log started, said once."""
        path = user_data_dir() / LOG_FILE
        log, said = open_log(path, window.preferences.store_accepted_words)
        if said:
            window.messages.say(said)
        return cls(window, log) if log is not None else None

    def tune_inline_confidence(self) -> None:
        """On a pool thread: read the log, tune the minimum confidence, hand it to the window."""
        QThreadPool.globalInstance().start(_TuneJob(self.log, self.tuned))

    def apply_preferences(self, preferences) -> None:
        self.log.paused = preferences.learning_paused  # pausing learning pauses logging too
        self.log.store_accepted_words = preferences.store_accepted_words

    def _on_model_loaded(self, loaded) -> None:
        """loaded: the worker's LoadedModel, plain data; the session records which model it is (by the store's
        id, for `nextword stats` and Analytics to compare) and its version: which bundle, which export, which
        graph."""
        self._model = (f"{loaded.name}: {loaded.version}", loaded.provider, loaded.logged_as)
        if not self.log.session_started:
            self.log.start_session(*self._model)

    def _on_shown(self, result) -> None:
        partial = result.partial
        previous = LAST_WORD.search(result.context)
        word_start = self.window.editor.textCursor().position() - len(partial)
        inline = (result.inline_text, result.inline_probability) if result.inline_text else None
        corrections = result.corrections or [False] * len(result.words)
        self.tracker.shown(word_start, partial, list(zip(result.words, result.probabilities, corrections, strict=True)),
                           inline, result.latency_ms, previous.group(1) if previous else "")

    def _on_accepted(self, kind: str, text: str, keystrokes_saved: int) -> None:
        self.tracker.accepted(kind, text, keystrokes_saved)

    def _on_autocorrection_settled(self, made, undone: bool) -> None:
        self.tracker.autocorrected(made.ask.word, made.confidence, made.latency_ms, undone)

    def _on_character_typed(self) -> None:
        self.characters_typed += 1
        self.log.note_characters_typed(self.characters_typed)  # written with the next burst, crash or not

    def delete_all(self) -> None:
        """Empty the log on its writer thread (the GUI never waits); deletion_done says how it went."""
        self.tracker = SuggestionTracker(self.log.record)  # what is on screen now is forgotten too
        self.log.delete_all(wait=False).add_done_callback(self._on_deleted)
        self.characters_typed = 0
        if self._model is not None:
            self.log.start_session(*self._model)  # logging goes on, from an empty log

    def _on_deleted(self, deletion: Future) -> None:
        """On the writer thread: said through a signal, so the status bar changes on the GUI thread."""
        error = deletion.exception()
        self.deletion_done.emit("Acceptance log deleted" if error is None else
                                f"The acceptance log could not be deleted ({error}); "
                                "try Edit > Delete My Data again")

    def close(self) -> None:
        """Settle what is on screen and write it; closing waits for the disk a few seconds at most."""
        self.window.worker_thread.worker.model_loaded.disconnect(self._on_model_loaded)
        self.window.suggestions_shown.disconnect(self._on_shown)
        self.window.editor.autocorrector.settled.disconnect(self._on_autocorrection_settled)
        self.tracker.settle(completed_word=None)
        self.log.end_session(self.characters_typed)
        self.log.on_problem = print_problem  # the status bar is going away: what closing gives up on goes to stderr
        self.log.close()
