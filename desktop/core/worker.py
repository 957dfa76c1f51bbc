"""Runs the predictor off the GUI thread. The newest request wins: older ones are skipped unstarted,
and the window drops any result that is not for its latest request.

The worker also owns the person's personal cache (engine/runtime/personal_cache.py): it is read, taught,
edited and saved on this thread only, attached to every predictor loaded, and saved a few seconds
after its last change and when the worker stops. The GUI asks for what it knows through signals.
"""

from __future__ import annotations

import gc
import time
from collections import deque
from dataclasses import dataclass, field

from PySide6.QtCore import QMetaObject, QObject, Qt, QThread, QTimer, Signal, Slot

from desktop.core.file_reader import FilesReader
from engine.core.tokenizer import split_partial

SAVE_DELAY_MS = 3000  # the personal cache is written this long after its last change (and when the worker stops),
SAVE_AT_MOST_MS = 30000  # and no later than this after its first unsaved change, however long the typing goes on
# How often the cache's file is looked at (one stat) for what another editor on the same data folder saved,
# or forgot: an idle editor stops suggesting forgotten words within this.
SYNC_EVERY_MS = 2000
LEARN_SLICE_S = 0.02  # teaching files: at most this long between two keystrokes' predictions
TUNED_LINES = 500  # of a batch of files, the last lines also tune the cache's share beside the model (~10 ms each)


def keep_collections_short() -> None:
    """Python's full garbage collection stops every thread, the GUI's too, for as long as it takes to look at every
    container object: the model's word indexes and a big personal cache are hundreds of thousands of them (a
    collection took 87 ms after loading, 217 ms while a 30 MB file was being learned: bench/learn_files.py). What
    lives on (the model, the cache as saved) is frozen out of the collector's sight after a model is loaded and
    after each save (gc.freeze); only what is newer is looked at. (What is frozen is still freed when nothing
    refers to it; only a reference cycle among frozen objects would stay.)"""
    gc.freeze()


@dataclass(frozen=True)
class Request:
    request_id: int
    left_text: str  # the current paragraph left of the cursor, at most a few hundred characters
    chips: int
    inline: bool
    min_confidence: float
    corrections: bool = True  # offer the words meant by a mistyped word among the chips


@dataclass(frozen=True)
class Result:
    request_id: int
    left_text: str  # what the suggestions are for
    words: list[str]  # best first
    probabilities: list[float]
    inline_text: str  # empty: nothing confident enough
    inline_probability: float
    latency_ms: float
    corrections: list[bool] = field(default_factory=list)  # for each word: it replaces the word typed
    partial: str = ""  # the word being typed at the end of left_text (the protocol's partial word)

    @property
    def context(self) -> str:
        """left_text before the partial word."""
        return self.left_text[:len(self.left_text) - len(self.partial)]


@dataclass
class FilesLearned:
    """What teaching a batch of files to the personal cache did."""

    lines: list[str] = field(repr=False, default_factory=list)
    files: list[str] = field(default_factory=list)  # the files read
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why)
    lines_learned: int = 0
    paused: bool = False  # learning was paused: nothing was learned
    next_line: int = field(default=0, repr=False)
    lines_failed: int = 0  # lines that could not be taught (the first one's why in `problem`); the rest were
    problem: str = ""
    forgotten_at: float = field(default=0.0, repr=False)  # the cache's last forget when the files were chosen


class PredictionWorker(QObject):
    model_loaded = Signal(object)  # LoadedModel (engine/runtime/model_opening.py): plain data, read on any thread
    model_failed = Signal(str)  # the reason, for the status bar
    suggestions_ready = Signal(object)  # Result
    # For the status bar: the personal cache, the kept text or a model learned from the person's writing (the
    # store's pointer or a version): a damaged file kept aside, a failed write, a fallback to another model.
    learning_problem = Signal(str)
    learned_words_ready = Signal(object)  # list[LearnedWord], most used first: a snapshot for the GUI
    files_learned = Signal(object)  # FilesLearned
    spellings_ready = Signal(object)  # list[str]: the words the person taught as spelled, sorted
    # Spell-check and autocorrect (desktop/gui/autocorrect.py, desktop/gui/spellcheck.py): each answer carries its ask
    autocorrection_ready = Signal(object, object)  # AutocorrectAsk, Autocorrection or None
    spelling_checked = Signal(object, object)  # SpellingAsk, list[Misspelling]
    corrections_found = Signal(object, object)  # CorrectionsAsk, list[str]

    def __init__(self):
        super().__init__()
        self.predictor = None
        self.latest_request = 0  # written by the GUI thread; an int store is atomic under the GIL
        self.blocked_words: set[str] = set()  # the person's own ("Never suggest this word")
        self._shipped_blocklist: set[str] | None = None
        self.personal_cache = None  # PersonalCache, opened on this thread by the first request that needs it
        self.learning_paused = False
        self.autocorrecting = False  # autocorrect is on: a finished sentence is learned as it corrects it
        self.latest_spelling = 0  # the GUI's latest spell-check ask (older ones queued are skipped)
        self.model_id = ""  # the store's model loaded ("bundled", "v2"); empty for a folder named by hand
        self._cache_kept_from = None  # the damaged cache file that could not be kept aside: never saved over
        # A child: moved to the worker's thread with it, so it fires (and saves) there.
        self._save_timer = QTimer(self, singleShot=True, interval=SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self.save_personal_cache)
        self._sync_timer = QTimer(self, interval=SYNC_EVERY_MS)
        self._sync_timer.timeout.connect(self.sync_personal_cache)
        self._unsaved_since: float | None = None  # time.monotonic() of the first change not saved yet
        self._save_failed = False  # the last save failed and the person was told
        self._file_batches: deque[FilesLearned] = deque()
        self._files_reader = FilesReader(self)  # a child: it moves to the worker's thread, and is read back there
        self._files_reader.read.connect(self._files_read, Qt.ConnectionType.QueuedConnection)

    @property
    def shipped_blocklist(self) -> set[str]:
        """resources/blocklist.txt, read once, on this thread."""
        if self._shipped_blocklist is None:
            from engine.core.paths import read_blocklist

            self._shipped_blocklist = read_blocklist()
        return self._shipped_blocklist

    @Slot(str, str)
    def load(self, model_path: str, provider: str) -> None:
        """The bundle at `model_path`, or (empty) the store's active model; the personal cache attached.
        Always ends in model_loaded or model_failed: the window never stays on "loading model…"."""
        from engine.core.bundle import ModelError
        from engine.runtime.model_opening import open_for_editor

        try:
            cache = self.open_personal_cache()
            predictor, loaded = open_for_editor(model_path, provider, self.shipped_blocklist | self.blocked_words,
                                                self.learning_problem.emit)
            predictor.attach_personal_cache(cache)
            predictor.warm_up()  # before "loaded": not in the first keystroke's time (or its logged latency)
        except ModelError as error:
            self._fail(str(error))
            return
        except Exception as error:  # a last resort: a fault nothing above foresaw still ends in a message
            detail = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
            self._fail(f"the model could not be loaded ({type(error).__name__}{': ' if detail else ''}{detail}); "
                       "choose another in Tools > Models, or reinstall Nextword")
            return
        self.predictor, self.model_id = predictor, loaded.store_id
        keep_collections_short()
        self.model_loaded.emit(loaded)

    def _fail(self, reason: str) -> None:
        self.predictor = None
        self.model_id = ""
        self.model_failed.emit(reason)

    @Slot(object)
    def set_blocked_words(self, words) -> None:
        self.blocked_words = {word.lower() for word in words}
        if self.predictor is not None:
            self.predictor.chooser.set_blocked_words(self.shipped_blocklist | self.blocked_words)

    @Slot(object)
    def predict(self, request: Request) -> None:
        if self.predictor is None or request.request_id < self.latest_request:
            return  # no model, or a newer keystroke is already queued
        started = time.perf_counter()
        suggestions = self.predictor.suggest(request.left_text, request.chips, corrections=request.corrections) \
            if request.chips else []
        completion = self._grey_text(request, suggestions[0] if suggestions else None)
        self.suggestions_ready.emit(Result(
            request.request_id, request.left_text, [s.word for s in suggestions], [s.probability for s in suggestions],
            completion.text if completion else "", completion.probability if completion else 0.0,
            (time.perf_counter() - started) * 1000, [s.correction for s in suggestions],
            split_partial(request.left_text)[1]))

    def _grey_text(self, request: Request, best):
        """One best guess: the grey text starts with the best chip's word, or is not shown (nor for a correction,
        which replaces the word typed: grey text after the cursor cannot). With no chips, the likeliest."""
        if not request.inline or (request.chips and (best is None or best.correction)):
            return None
        return self.predictor.complete(request.left_text, min_probability=request.min_confidence,
                                       first_word=best.word if best is not None else None)

    # Typos (engine/runtime/spelling.py): answers to the editor's asks, each sent back with its ask
    @Slot(object)
    def autocorrect(self, ask) -> None:
        found = self.predictor.autocorrection(ask.left_text) if self.predictor is not None else None
        self.autocorrection_ready.emit(ask, found)

    @Slot(object)
    def check_spelling(self, ask) -> None:
        if self.predictor is None or ask.serial < self.latest_spelling:
            return  # no model, or the person scrolled or typed on: a newer ask is queued
        from engine.runtime.spelling import misspellings

        self.spelling_checked.emit(ask, misspellings(self.predictor, ask.text))

    @Slot(object)
    def find_corrections(self, ask) -> None:
        from engine.runtime.spelling import spelling_corrections

        found = spelling_corrections(self.predictor, ask.left_text) if self.predictor is not None else []
        self.corrections_found.emit(ask, found)

    @Slot(str)
    def set_correction_mode(self, mode: str) -> None:
        self.autocorrecting = mode == "autocorrect"

    # The personal cache: everything below runs on the worker's thread
    def open_personal_cache(self):
        """The person's cache, read once; a damaged file is kept aside (and said once) and learning starts afresh."""
        if self.personal_cache is None:
            from engine.runtime.personal_cache import CacheError, PersonalCache, default_path

            try:
                cache = PersonalCache.load()
            except CacheError as error:
                cache = PersonalCache(default_path())
                self.learning_problem.emit(self._keep_cache_aside(default_path(), error))
            cache.paused = self.learning_paused
            self.personal_cache = cache
            self._sync_timer.start()  # here: a timer starts on its own thread, and this is the worker's
        return self.personal_cache

    @Slot()
    def sync_personal_cache(self) -> None:
        """What another editor on this data folder saved (or forgot) since, taken in
        (engine/runtime/personal_cache.py)."""
        cache = self.personal_cache
        if cache is None or self._cache_kept_from is not None:
            return
        try:
            changed = cache.sync()
        except OSError:
            return  # looked at again in SYNC_EVERY_MS; a save says what is wrong if it lasts
        if changed and self.predictor is not None:
            self.predictor.refresh_spellings()

    def _keep_cache_aside(self, path, error) -> str:
        from engine.core.damaged import KeepAsideError, keep_aside

        problem = str(error).removesuffix("; move it away or delete it to start learning afresh")  # done here
        try:
            aside = keep_aside(path)
        except KeepAsideError as keep_error:
            self._cache_kept_from = path  # learning goes on for this session, but is never saved over it
            return (f"{problem}; it could not be moved aside either ({keep_error}), so what is learned now is not "
                    "saved: move or delete that file")
        return f"{problem}; it was moved to {aside} and learning starts afresh"

    @Slot(bool)
    def set_learning_paused(self, paused: bool) -> None:
        self.learning_paused = paused
        if self.personal_cache is not None:
            self.personal_cache.paused = paused

    @Slot(str, bool)
    def learn_sentence(self, text: str, keep: bool) -> None:
        """A sentence the person finished: taught to the cache, and kept for fine-tuning when they opted in."""
        cache = self.open_personal_cache()
        if cache.paused:
            return
        if self.autocorrecting and self.predictor is not None:
            from engine.runtime.spelling import as_meant

            text = as_meant(self.predictor, text)  # the editor corrects a typo a moment after it is finished
        if keep:
            from engine.core.kept_text import keep as keep_text

            try:
                keep_text(text)
            except OSError as error:
                from engine.core.safe_write import describe_write_error

                where = error.filename or "the kept text"
                self.learning_problem.emit(f"The sentence kept for learning could not be written to {where}: "
                                           f"{describe_write_error(error)}")
        # Predictor.observe also tunes the cache's share beside the model; without a model, counts alone.
        learned = self.predictor.observe(text) if self.predictor is not None else cache.observe(text)
        if learned:
            self._save_soon()

    @Slot()
    def send_learned_words(self) -> None:
        cache = self.open_personal_cache()
        self.learned_words_ready.emit(cache.learned_words())
        self.spellings_ready.emit(sorted(cache.spellings))

    def _spellings_changed(self) -> None:
        """Saved at once (the person asked), the predictor told (a taught misspelling is offered), the GUI too."""
        if self.predictor is not None:
            self.predictor.refresh_spellings()
        self.save_personal_cache()
        self.send_learned_words()

    @Slot(str)
    def add_spelling(self, word: str) -> None:
        """Never corrected or underlined again ("Add to dictionary", an autocorrection undone); saved at once."""
        self.open_personal_cache().add_spelling(word)
        self._spellings_changed()

    @Slot(object)
    def remove_spellings(self, words) -> None:
        """Not the person's words after all: corrected again, so the uses learned of them are forgotten too."""
        cache = self.open_personal_cache()
        for word in words:
            cache.remove_spelling(word)
            cache.remove_word(word)
        self._spellings_changed()

    @Slot(object)
    def remove_learned_words(self, words) -> None:
        """Forgotten, and never learned again; saved at once (the person asked for them to be gone)."""
        cache = self.open_personal_cache()
        for word in words:
            cache.remove_word(word)
        self.save_personal_cache()
        self.send_learned_words()

    @Slot()
    def forget_learned(self) -> None:
        """Everything the cache learned, gone; saved at once."""
        self.open_personal_cache().forget()
        for batch in self._file_batches:
            del batch.lines[batch.next_line:]  # files being taught stop here (and say what they taught)
        self._spellings_changed()  # forgotten with the rest

    @Slot(object)
    def learn_files(self, paths) -> None:
        """Teach the lines of these files (.txt, .md, .csv; folders of them) to the cache: read on a thread of
        their own (desktop/core/file_reader.py: a big file takes seconds, and this thread answers keystrokes), then
        taught a slice at a time between keystrokes' predictions; files_learned says when it is done."""
        cache = self.open_personal_cache()
        self._files_reader.ask(FilesLearned(paused=cache.paused, forgotten_at=cache.forgotten_at), list(paths))

    @Slot(object)
    def _files_read(self, batch: FilesLearned) -> None:
        """A batch read (FilesReader): queued to be taught after the batches before it."""
        if self.open_personal_cache().forgotten_at != batch.forgotten_at:
            batch.lines = []  # forgotten while they were read: as files being taught stop at a forget
        self._file_batches.append(batch)
        if len(self._file_batches) == 1:
            self._learn_some_lines()

    def _learn_some_lines(self) -> None:
        if not self._file_batches:
            return  # forgotten meanwhile
        batch = self._file_batches[0]
        tuned_from = len(batch.lines) - TUNED_LINES
        deadline = time.perf_counter() + LEARN_SLICE_S
        while batch.next_line < len(batch.lines) and time.perf_counter() < deadline:
            line = batch.lines[batch.next_line]
            tuned = batch.next_line >= tuned_from and self.predictor is not None
            batch.lines_learned += self._teach_line(batch, line, tuned) > 0
            batch.next_line += 1
        if batch.next_line < len(batch.lines):
            QTimer.singleShot(0, self._learn_some_lines)  # queued behind the keystrokes waiting now
            return
        self._file_batches.popleft()
        batch.lines = []
        if batch.lines_learned:
            self._save_soon()
        self.files_learned.emit(batch)
        if self._file_batches:
            QTimer.singleShot(0, self._learn_some_lines)

    def _teach_line(self, batch: FilesLearned, line: str, tuned: bool) -> int:
        try:
            return self.predictor.observe(line) if tuned else self.personal_cache.observe(line)
        except Exception as error:  # a last resort: one line never leaves the batch (and the dialog) waiting
            batch.lines_failed += 1
            batch.problem = batch.problem or str(error)[:200] or "an unexpected error"
            return 0

    def _save_soon(self) -> None:
        """Saved once the person pauses; while they go on typing, every SAVE_AT_MOST_MS (a crash loses at most that)."""
        now = time.monotonic()
        if self._unsaved_since is None:
            self._unsaved_since = now
        waited_ms = (now - self._unsaved_since) * 1000
        self._save_timer.start(int(max(0, min(SAVE_DELAY_MS, SAVE_AT_MOST_MS - waited_ms))))

    @Slot()
    def save_personal_cache(self) -> None:
        self._save_timer.stop()
        self._unsaved_since = None
        cache = self.personal_cache
        if cache is None or not cache.dirty or self._cache_kept_from is not None:
            return
        try:
            cache.save()
            keep_collections_short()
            self._save_failed = False
        except OSError as error:
            from engine.core.safe_write import describe_write_error

            if self._save_failed:
                return  # said already; said again only after a save works and another fails
            self._save_failed = True
            self.learning_problem.emit(f"What Nextword learned could not be saved to {cache.path}: "
                                       f"{describe_write_error(error)}. It is tried again at the next change; "
                                       "what was saved before is kept.")

    @Slot()
    def shutdown(self) -> None:
        """Save the cache, then end the thread's event loop (WorkerThread.stop)."""
        self._file_batches.clear()
        self._files_reader.stop()
        self._sync_timer.stop()
        self.save_personal_cache()
        QThread.currentThread().quit()


class WorkerThread:
    """The worker and its thread, started together and stopped together."""

    def __init__(self):
        self.thread = QThread()
        self.thread.setObjectName("prediction")
        self.worker = PredictionWorker()
        self.worker.moveToThread(self.thread)
        self.thread.start()

    def stop(self) -> None:
        """The worker saves the personal cache on its own thread, after the requests queued before, then stops."""
        if self.thread.isRunning():
            QMetaObject.invokeMethod(self.worker, "shutdown", Qt.ConnectionType.QueuedConnection)
            self.thread.wait(5000)
