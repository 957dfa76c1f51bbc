"""Opening a big file without freezing the window: read and decoded on a thread, put into the editor a slice
at a time between events, with the editor read-only until the whole file is in.

Measured with a 50 MB file (bench/big_text.py): opened at once, the GUI thread was busy for 2.4 s (reading,
splitting into lines, and Qt laying out the text). Here the thread reads and splits (textfile.decode works
a megabyte at a time, so the thread never holds Python's GIL for long), and each slice the GUI thread takes
is about SLICE_CHARS characters.

While a file is loading nothing can be lost or half saved: the editor takes no typing, Save refuses (a
part of the file must never be written over the whole), the partial text is never marked unsaved (so it is
neither autosaved nor offered to be saved), and closing or opening another file cancels the load.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from desktop import textfile

BIG_FILE_BYTES = 4 * 2**20  # smaller files open at once (a few tenths of a second at most)
SLICE_CHARS = 1 << 20  # characters put into the editor per turn of the event loop (~30 ms for a megabyte)


class FileLoader(QObject):
    decoded = Signal(object)  # from the reading thread: DecodedText, or the exception that stopped it
    finished = Signal(bool)  # True: the whole file is in the editor; False: it failed or was cancelled

    def __init__(self, window, path: Path, on_loaded, on_failed):
        super().__init__(window)
        self.window, self.path = window, Path(path)
        self._on_loaded, self._on_failed = on_loaded, on_failed
        self._cancelled = False
        self._lines: list[str] = []
        self._next_line = 0
        self._inserting = False  # the editor's old text is gone: from here, failing or cancelling empties it
        self.decoded.connect(self._start_inserting)  # a slot of this GUI-thread object: queued

    def start(self) -> None:
        editor = self.window.editor
        editor.setReadOnly(True)
        editor.clear_ghost()
        self.window.messages.say(f"Opening {self.path.name}…")
        threading.Thread(target=self._read, name="file-loader", daemon=True).start()

    def cancel(self) -> None:
        """Stop here: the part put in so far is taken out again, and nothing is said."""
        if not self._cancelled:
            self._cancelled = True
            self._end(False)

    def _read(self) -> None:
        try:
            result = textfile.decode(self.path.read_bytes())
        except (OSError, UnicodeDecodeError) as error:
            result = error
        try:
            self.decoded.emit(result)
        except RuntimeError:  # the window closed meanwhile
            pass

    @Slot(object)
    def _start_inserting(self, result) -> None:
        if self._cancelled:
            return
        if isinstance(result, Exception):
            self._end(False)
            self._on_failed(self.path, result)
            return
        self._decoded, self._lines = result, result.lines
        document = self.window.editor.document()
        document.setUndoRedoEnabled(False)  # the file's text is not an edit to undo
        document.setPlainText("")
        self._inserting = True
        self._insert_slice()

    def _insert_slice(self) -> None:
        if self._cancelled:
            return
        lines, start = self._lines, self._next_line
        end, size = start, 0
        while end < len(lines) and (size < SLICE_CHARS or end == start):
            size += len(lines[end]) + 1
            end += 1
        text = "\n".join(lines[start:end])
        if start == 0 and text.startswith("\ufeff"):
            text = "\ufeff" + text  # Qt drops a U+FEFF at the start of the document: give it one to drop
        document = self.window.editor.document()
        cursor = self.window.editor.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        cursor.insertText(text if start == 0 else "\n" + text)
        document.setModified(False)  # a part of a file is not the person's change: never autosaved or saved
        self._next_line = end
        if end < len(lines):
            QTimer.singleShot(0, self._insert_slice)  # the keys and paints waiting now go first
        else:
            textfile.mark_line_ends(document, self._decoded)
            self._end(True)
            self._on_loaded(self.path, self._decoded)

    def _end(self, whole: bool) -> None:
        editor = self.window.editor
        document = editor.document()
        if not whole and self._inserting:
            document.setPlainText("")  # a part of the file is not the file
        document.setUndoRedoEnabled(True)
        document.setModified(False)
        editor.setReadOnly(False)
        self._lines = []
        self.finished.emit(whole)
