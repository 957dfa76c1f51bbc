"""The document a window holds: its text, and the file it comes from or goes to.

Opening, saving, big-file loading and crash recovery (desktop/document/files.py, loading.py, recovery.py, autosave.py)
change the document through these names, never through the window; the window only shows what the document
says (its title, through `title_changed`).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QTextDocument

from desktop.document.textfile import TextFormat


class Document(QObject):
    title_changed = Signal()  # the name or the unsaved mark changed: the window's title follows

    def __init__(self, text: QTextDocument, parent: QObject | None = None):
        super().__init__(parent)
        self.text = text  # the editor's own QTextDocument: what the person sees and types in
        self.path: Path | None = None  # None: Untitled, never saved
        self.file_format = TextFormat()  # the file's BOM, line ends and encoding; a new document: UTF-8 and \n
        self.loader = None  # a big file being opened into the text (desktop/document/loading.py), until it is in
        text.modificationChanged.connect(self.title_changed)

    @property
    def name(self) -> str:
        """As the title bar and questions name it."""
        return self.path.name if self.path else "Untitled"

    @property
    def title(self) -> str:
        return f"{self.name}{' •' if self.text.isModified() else ''}"

    def is_modified(self) -> bool:
        return self.text.isModified()

    def is_untitled_and_empty(self) -> bool:
        """Nothing to lose: never saved and empty, even if text was typed and taken out again."""
        return self.path is None and self.text.isEmpty()

    def belongs_to(self, path: Path | None, file_format: TextFormat | None = None) -> None:
        """The document is (now) the file at `path` (None: Untitled), in `file_format` when given."""
        self.path = path
        if file_format is not None:
            self.file_format = file_format
        self.title_changed.emit()

    def mark_saved(self, path: Path, file_format: TextFormat) -> None:
        """Written to `path` in `file_format`: nothing unsaved any more."""
        self.path, self.file_format = path, file_format
        self.text.setModified(False)
        self.title_changed.emit()

    def start_empty(self) -> None:
        """File > New: an empty Untitled document in UTF-8, with nothing unsaved."""
        self.text.setPlainText("")
        self.text.setModified(False)
        self.belongs_to(None, TextFormat())
