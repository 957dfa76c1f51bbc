"""Autosave: every open document, saved or not, is copied to the autosave folder soon after it changes, so
that a crash, or a kill, costs a few seconds of typing at most (desktop/document/recovery.py offers it back).

When: AUTOSAVE_DELAY_MS after the last change (a pause in typing), at most AUTOSAVE_MAX_DELAY_MS after the
first change not yet autosaved (typing that never pauses), and when the window loses focus. Nothing is
written while the document has no unsaved changes. The autosave is removed as soon as the document has
none (saved; or a new or opened document after the changes were discarded; or undone back to the file)
and when the window is closed on purpose (it closes only after save or discard: desktop/document/files.py).

The GUI thread only takes a snapshot of the document (its lines and line ends: the document is not
thread-safe). One writer thread per window writes it (desktop/document/autosave_store.py: JSON, atomic, 0600): a
write under way is never interrupted and, meanwhile, only the newest snapshot waits, so a slow disk
costs autosaves, never typing.

A failure (a full disk, a read-only folder) is said once in the status bar, naming the folder and what to
do; the next change or focus loss tries again, and it is said again only after a write has worked in between.

While the window is open it holds `<id>.lock` (QLockFile) beside its autosave. A lock whose process is
gone is stale and QLockFile takes it over: so at start only the autosaves of crashed sessions are offered,
never a window open in another Nextword.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QEvent, QLockFile, QObject, QTimer, Signal, Slot

from desktop.document import autosave_store, textfile
from engine.core.paths import private_dir

AUTOSAVE_DELAY_MS = 2000  # after the last change: a pause in typing
AUTOSAVE_MAX_DELAY_MS = 5000  # after the first change not yet autosaved: typing that never pauses
CLOSE_TIMEOUT_S = 3.0  # closing waits this long at most for the last removal (a disk that hangs)


def lock_file(folder: Path, autosave_id: str) -> QLockFile:
    """The lock on an autosave, not taken yet. Only a dead process's lock is stale: a live window keeps its
    lock however long it is open (QLockFile's default would take over a lock 30 s old)."""
    lock = QLockFile(str(Path(folder) / f"{autosave_id}.lock"))
    lock.setStaleLockTime(0)
    return lock


def try_lock(lock: QLockFile) -> bool:
    """Take the lock if no live process holds it. QLockFile writes its file with the umask's mode: it is narrowed
    to the owner alone, like every file in the user's data folder."""
    if not lock.tryLock(0):
        return False
    try:
        os.chmod(lock.fileName(), 0o600)
    except OSError:
        pass  # the lock holds all the same; the privacy test names a file left readable
    return True


def split_blocks(raw: str, piece: int = 1 << 20) -> list[str]:
    """raw.split(BLOCK_BREAK), a megabyte at a time: on the writer's thread, one split of a 50 MB text would
    hold Python's GIL, and so the GUI thread, for a tenth of a second."""
    lines, start = [], 0
    while (cut := raw.find(textfile.BLOCK_BREAK, start + piece)) >= 0:
        lines += raw[start:cut].split(textfile.BLOCK_BREAK)
        start = cut + 1
    return lines + raw[start:].split(textfile.BLOCK_BREAK)


class AutosaveWriter:
    """One daemon thread that writes and removes autosaves in the order asked; for each autosave only the newest
    request waits. `report(problem)` is called on that thread after each: '' when it worked."""

    def __init__(self, folder: Path, report: Callable[[str], None]):
        self.folder, self._report = folder, report
        # id -> the call that makes the autosave to write, or None: remove it
        self._pending: dict[str, Callable[[], autosave_store.Autosave] | None] = {}
        self._ready = threading.Condition()
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="autosave-writer", daemon=True)
        self._thread.start()

    def request(self, autosave_id: str, snapshot: Callable[[], autosave_store.Autosave] | None) -> None:
        with self._ready:
            self._pending[autosave_id] = snapshot  # replaces an older one still waiting
            self._ready.notify()

    def close(self, timeout: float) -> bool:
        """Do what is asked, for `timeout` seconds at most; True when all of it was done."""
        with self._ready:
            self._closing = True
            self._ready.notify()
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        while (job := self._take()) is not None:
            autosave_id, snapshot = job
            try:
                if snapshot is None:
                    autosave_store.remove(self.folder, autosave_id)
                else:
                    autosave_store.write(self.folder, snapshot())
            except OSError as error:
                self._tell(f"Autosave is not working: {self.folder}: {error.strerror or error}. Your text is "
                           "still here; free some disk space or make that folder writable, and save your work.")
            else:
                self._tell("")

    def _take(self) -> tuple[str, Callable[[], autosave_store.Autosave] | None] | None:
        with self._ready:
            while not self._pending and not self._closing:
                self._ready.wait()
            if not self._pending:
                return None
            autosave_id = next(iter(self._pending))
            return autosave_id, self._pending.pop(autosave_id)

    def _tell(self, problem: str) -> None:
        try:
            self._report(problem)
        except RuntimeError:  # the window is gone (its Qt object deleted): nobody to tell
            pass


class Autosaver(QObject):
    written = Signal(str)  # from the writer thread, queued to the GUI thread: '' when it worked, else why not

    def __init__(self, window):
        super().__init__(window)
        self.window, self.document = window, window.editor.document()
        self.folder = autosave_store.default_folder()
        self.autosave_id, self.lock = uuid.uuid4().hex, None
        self._lock(self.autosave_id)
        self._changed_at: float | None = None  # the time of the last change, for the autosave's metadata
        self._unsaved = False  # changes since the last snapshot
        self._has_file = False  # an autosave was asked for since the last removal
        self._told = False  # a failure was said and no write has worked since
        self._quiet = QTimer(self, singleShot=True, interval=AUTOSAVE_DELAY_MS, timeout=self.save_now)
        self._longest = QTimer(self, singleShot=True, interval=AUTOSAVE_MAX_DELAY_MS, timeout=self.save_now)
        # Putting new text in (File > New, Open) can clear the modified flag without modificationChanged (Qt does
        # not emit it for setPlainText("")): looked at again once the change is done.
        self._settled = QTimer(self, singleShot=True, interval=0,
                               timeout=lambda: self._on_modification_changed(self.document.isModified()))
        self._writer = AutosaveWriter(self.folder, self.written.emit)
        self.written.connect(self._on_written)
        self.document.contentsChanged.connect(self._on_changed)
        self.document.modificationChanged.connect(self._on_modification_changed)
        window.installEventFilter(self)

    def _lock(self, autosave_id: str) -> None:
        """Hold this window's lock; without it (a folder we cannot write) autosaves are still tried."""
        try:
            private_dir(self.folder)
        except OSError:
            return  # the first write says what is wrong
        self.lock = lock_file(self.folder, autosave_id)
        try_lock(self.lock)

    def _on_changed(self) -> None:
        self._changed_at, self._unsaved = time.time(), True
        self._settled.start()
        self._quiet.start()  # restarted by every change
        if not self._longest.isActive():  # started by the first change only
            self._longest.start()

    def _on_modification_changed(self, modified: bool) -> None:
        if not modified:  # saved, or a new or opened document, or undone back to the file: the file is it
            self._quiet.stop()
            self._longest.stop()
            self._unsaved = False
            self._remove()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.WindowDeactivate:
            self.save_now()
        return False

    def save_now(self) -> None:
        """Hand a snapshot of the document to the writer thread, if it has changes not autosaved yet."""
        self._quiet.stop()
        self._longest.stop()
        if not self._unsaved or not self.document.isModified():
            return
        self._unsaved, self._has_file = False, True
        started = time.perf_counter()
        self._writer.request(self.autosave_id, self.snapshot())
        # A big document's copy holds the GUI thread (about 0.15 s for 50 MB): while typing never pauses, it is
        # taken at most every 50 times as long, so the editor stays responsive however big the text.
        took_ms = (time.perf_counter() - started) * 1000
        self._longest.setInterval(max(AUTOSAVE_MAX_DELAY_MS, int(took_ms * 50)))

    def snapshot(self) -> Callable[[], autosave_store.Autosave]:
        """What the document holds now, copied on the GUI thread (the document is not thread-safe); the
        returned call makes the autosave of it on the writer's thread (the split into lines takes a while)."""
        raw = self.document.toRawText()
        text_format = replace(self.window.document.file_format)  # the snapshot's own: the writer reads it later
        count = self.document.blockCount() - 1
        # Block states and formats (odd line ends, long lines in pieces) are read here, on the GUI thread
        ends = None if textfile.uniform(self.document, text_format) else textfile.terminators(self.document,
                                                                                              text_format, count)
        path = self.window.document.path
        path = str(Path(path).absolute()) if path else None
        changed_at = datetime.fromtimestamp(self._changed_at or time.time(), UTC)
        autosave_id = self.autosave_id

        def make() -> autosave_store.Autosave:
            lines, line_ends = textfile.whole_lines(split_blocks(raw), ends or [text_format.line_end] * count)
            decoded = textfile.DecodedText(lines, line_ends, text_format)
            return autosave_store.Autosave(autosave_id, path, changed_at, os.getpid(), decoded)

        return make

    def _remove(self) -> None:
        if self._has_file:
            self._has_file = False
            self._writer.request(self.autosave_id, None)

    @Slot(str)
    def _on_written(self, problem: str) -> None:
        if not problem:
            self._told = False
            return
        # Tried again at the next change or focus loss (never in a loop against a full disk)
        self._unsaved, self._has_file = self.document.isModified(), True
        if not self._told:
            self._told = True
            self.window.messages.say(problem)

    def take_over(self, autosave: autosave_store.Autosave, lock: QLockFile) -> None:
        """Go on autosaving a recovered document as the autosave it came from (its lock held already): a
        second crash still has it. This window's own autosave and lock go."""
        self._quiet.stop()
        self._longest.stop()
        self._remove()
        if self.lock is not None:
            self.lock.unlock()
        self.autosave_id, self.lock = autosave.id, lock
        self._changed_at, self._unsaved, self._has_file = autosave.changed_at.timestamp(), False, True

    def close(self) -> None:
        """The window closes on purpose (after save or discard): its autosave and its lock go."""
        self._quiet.stop()
        self._longest.stop()
        self.window.removeEventFilter(self)
        self._remove()
        self._writer.close(CLOSE_TIMEOUT_S)
        if self.lock is not None:
            self.lock.unlock()
