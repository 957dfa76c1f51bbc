"""Reading the files of Learn from My Writing off the prediction thread.

The prediction worker answers every keystroke; reading a 100 MB file on its thread blocked the chips for
4.7 s. So the files are read here, on a thread of their own (one at a time, in the order asked, so batches
are taught in that order), and handed to the worker, which teaches their lines a slice at a time between
keystrokes as before. Reading goes a chunk at a time (engine/core/user_text.py), and this thread pauses
between chunks, so the worker's predictions go on meanwhile.
"""

from __future__ import annotations

import queue
import threading
import time

from PySide6.QtCore import QObject, Signal

# After each chunk read (64 KB, a few ms of work) the reading thread lets go of the interpreter for this long.
# Without it the prediction thread, which lets go of the interpreter at every model step, waited for it each
# time up to the 5 ms switch interval: keys took 110-160 ms to show chips while a 100 MB file was read; with it,
# under 100 ms but for one (bench/learn_files.py), for 1.6 s more reading.
PAUSE_S = 0.001


class FilesReader(QObject):
    """Reads each batch asked for on its own thread and sends it back with `read`, lines filled in."""

    read = Signal(object)  # the FilesLearned asked for: files, skipped and lines (none when paused)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._asks: queue.SimpleQueue = queue.SimpleQueue()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def ask(self, batch, paths) -> None:
        """Read `paths` into `batch` (worker.FilesLearned); `read` sends it back when it is done."""
        if self._thread is None:
            # A daemon: a read still under way never keeps the editor from closing (stop() ends it sooner).
            self._thread = threading.Thread(target=self._run, name="learn-files", daemon=True)
            self._thread.start()
        self._asks.put((batch, [str(path) for path in paths]))

    def stop(self) -> None:
        """The editor is closing: what is being read is dropped (after the chunk being read) and nothing is sent."""
        self._stopping.set()
        self._asks.put(None)

    def _pause_then_ask(self) -> bool:
        """Between two chunks: whether to stop, after a moment's pause (see PAUSE_S)."""
        time.sleep(PAUSE_S)
        return self._stopping.is_set()

    def _run(self) -> None:
        while (ask := self._asks.get()) is not None:
            batch, paths = ask
            if not read_into(batch, paths, self._pause_then_ask) or self._stopping.is_set():
                return
            self.read.emit(batch)


def read_into(batch, paths: list[str], stop) -> bool:
    """batch.files, batch.skipped and batch.lines from `paths`; False when asked to stop meanwhile."""
    from engine.core.user_text import Stopped, read_user_text

    try:
        text = read_user_text(paths, stop)
    except Stopped:
        return False
    except Exception as error:  # a last resort: the person still hears how it went, and learning never waits
        batch.skipped.append((", ".join(paths), f"could not be read ({type(error).__name__}: {error})"))
        return True
    batch.files = [str(path) for path in text.files]
    batch.skipped = [(str(path), why) for path, why in text.skipped]
    batch.lines = [] if batch.paused else text.lines
    return True
