"""Opening a big file without freezing the window: read and decoded on a thread, put into the editor a slice
at a time between events, with the editor read-only until the whole file is in.

Measured with a 50 MB file (bench/big_text.py): opened at once, the GUI thread was busy for 2.4 s (reading,
splitting into lines, and Qt laying out the text). Here the thread reads and splits (textfile.decode works
a megabyte at a time, so the thread never holds Python's GIL for long), and each slice the GUI thread takes
is about SLICE_CHARS characters. A line longer than long_lines.PIECE_CHARS goes in in pieces
(desktop/document/long_lines.py): a 20 MB line put in whole held the GUI thread 12 s, and then 8 s a key.

While a file is loading nothing can be lost or half saved: the editor takes no typing, Save refuses (a
part of the file must never be written over the whole), the partial text is never marked unsaved (so it is
neither autosaved nor offered to be saved), and closing or opening another file cancels the load.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtGui import QTextBlockFormat

from desktop.document import long_lines, textfile

BIG_FILE_BYTES = 4 * 2**20  # smaller files open at once (a few tenths of a second at most)
SLICE_CHARS = 1 << 20  # characters put into the editor per turn of the event loop (~30 ms for a megabyte)


class FileLoader(QObject):
    # From the reading thread: (DecodedText, the rows to put in, the rows that continue a line: long_lines.rows),
    # or the exception that stopped it
    decoded = Signal(object)
    finished = Signal(bool)  # True: the whole file is in the editor; False: it failed or was cancelled

    def __init__(self, window, path: Path, on_loaded, on_failed):
        super().__init__(window)
        self.window, self.path = window, Path(path)
        self._on_loaded, self._on_failed = on_loaded, on_failed
        self._cancelled = False
        self._rows: list[str] = []  # the blocks to put in: the file's lines, long ones in pieces
        self._continuing: list[int] = []  # the numbers of the rows that are pieces after a line's first
        self._next_row = 0
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
            decoded = textfile.decode(self.path.read_bytes())
            result = (decoded, *long_lines.rows(decoded.lines))
        except (OSError, textfile.NotText) as error:
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
        self._decoded, self._rows, self._continuing = result
        document = self.window.editor.document()
        document.setUndoRedoEnabled(False)  # the file's text is not an edit to undo
        document.setPlainText("")
        self._inserting = True
        self._insert_slice()

    def _insert_slice(self) -> None:
        if self._cancelled:
            return
        rows, start = self._rows, self._next_row
        end, size = start, 0
        while end < len(rows) and (size < SLICE_CHARS or end == start):
            size += len(rows[end]) + 1
            end += 1
        text = "\n".join(rows[start:end])
        if start == 0 and text.startswith("\ufeff"):
            text = "\ufeff" + text  # Qt drops a U+FEFF at the start of the document: give it one to drop
        document = self.window.editor.document()
        cursor = self.window.editor.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        cursor.beginEditBlock()  # Qt lays the slice out once it is all in, marks included
        if start > 0:
            # New blocks take the format of the block before: a piece's mark would spread to every row.
            cursor.insertBlock(QTextBlockFormat())
        cursor.insertText(text)
        long_lines.mark(document, long_lines.numbers_between(self._continuing, start, end))
        cursor.endEditBlock()
        document.setModified(False)  # a part of a file is not the person's change: never autosaved or saved
        self._next_row = end
        if end < len(rows):
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
        self._rows, self._continuing = [], []
        self.finished.emit(whole)
