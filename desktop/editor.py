"""The text widget: inserts accepted words with the right spacing and shows ghost text after the cursor.

Ghost text is painted over the viewport, never put in the document: it cannot be saved, undone or
searched by mistake, and it vanishes as soon as the cursor is somewhere else.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit

from desktop.context import CONTEXT_CHARACTERS, LOOKBEHIND, context_start
from engine.core.tokenizer import split_partial

ATTACHING_PUNCTUATION = set(".,!?;:)")  # typed right after an accepted word, it takes the space's place


class SuggestingEditor(QPlainTextEdit):
    suggestion_accepted = Signal(str, str, int)  # kind ("chip" or "inline"), the text inserted, keystrokes saved
    ghost_dismissed = Signal()
    character_typed = Signal()  # a key that wrote a character: the person's own typing

    def __init__(self, parent=None):
        super().__init__(parent)
        self.ghost_text = ""
        self._ghost_position = -1
        self._dismissed_word_start = -1  # Esc hides ghost text until the cursor is in another word
        self._auto_space_position = -1  # where the space added after an accepted word ends
        self.cursorPositionChanged.connect(self._on_cursor_moved)

    # What the predictor sees
    def left_text(self) -> str:
        """The current paragraph left of the cursor: at most its last CONTEXT_CHARACTERS, starting at a
        place that stays put while typing (desktop/context.py)."""
        cursor = self.textCursor()
        end, in_block = cursor.position(), cursor.positionInBlock()
        fetched = min(in_block, CONTEXT_CHARACTERS + LOOKBEHIND)
        # Logical positions, not Left/Right: in right-to-left text "left" is the other way.
        cursor.setPosition(end - fetched)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        tail = cursor.selectedText()
        return tail[context_start(tail, in_block - fetched, in_block):]

    def _word_start(self) -> int:
        _, partial = split_partial(self.left_text())
        return self.textCursor().position() - len(partial)

    # Inserting accepted words
    def insert_word(self, word: str) -> None:
        """Complete the partial word at the cursor, or add a next word, then a space: one undo step."""
        left = self.left_text()
        _, partial = split_partial(left)
        cursor = self.textCursor()
        cursor.beginEditBlock()
        if partial:
            cursor.setPosition(cursor.position() - len(partial), QTextCursor.MoveMode.KeepAnchor)
            inserted = word + " "
        else:
            inserted = ("" if not left or left[-1].isspace() else " ") + word + " "
        cursor.insertText(inserted)
        cursor.endEditBlock()
        self.setTextCursor(cursor)
        self._auto_space_position = cursor.position()
        self.clear_ghost()
        # Characters written beyond what was typed, less the one key (or click) that accepted them.
        self.suggestion_accepted.emit("chip", word, max(0, len(inserted) - len(partial) - 1))

    def accept_ghost(self, next_word_only: bool = False) -> bool:
        if not self.ghost_showing():
            return False
        text = self.ghost_text
        if next_word_only:
            stripped = text.lstrip(" ")
            end = len(text) - len(stripped) + (stripped.find(" ") if " " in stripped else len(stripped))
            text = text[:end]
        cursor = self.textCursor()
        cursor.beginEditBlock()
        cursor.insertText(text)
        cursor.endEditBlock()
        rest = self.ghost_text[len(text):]
        self.setTextCursor(cursor)
        self._auto_space_position = -1
        self.suggestion_accepted.emit("inline", text, max(0, len(text) - 1))
        if rest:
            self.set_ghost(rest, cursor.position())
        else:
            self.clear_ghost()
        return True

    # Ghost text
    def ghost_showing(self) -> bool:
        cursor = self.textCursor()
        return bool(self.ghost_text) and cursor.position() == self._ghost_position and not cursor.hasSelection()

    def set_ghost(self, text: str, position: int) -> None:
        if position != self.textCursor().position() or self._word_start() == self._dismissed_word_start:
            text = ""
        self.ghost_text, self._ghost_position = text, position
        self.viewport().update()

    def clear_ghost(self) -> None:
        if self.ghost_text:
            self.ghost_text, self._ghost_position = "", -1
            self.viewport().update()

    def dismiss_ghost(self) -> None:
        self._dismissed_word_start = self._word_start()
        self.clear_ghost()
        self.ghost_dismissed.emit()

    def _on_cursor_moved(self) -> None:
        if self.ghost_text and self.textCursor().position() != self._ghost_position:
            self.clear_ghost()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().paintEvent(event)
        if not self.ghost_showing():
            return
        rect = self.cursorRect()
        painter = QPainter(self.viewport())
        painter.setFont(self.font())
        color = QColor(self.palette().text().color())
        color.setAlpha(110)  # grey on light and dark themes alike
        painter.setPen(color)
        painter.drawText(QPoint(rect.left() + 1, rect.top() + self.fontMetrics().ascent()), self.ghost_text)
        painter.end()

    # Keys
    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        key, modifiers = event.key(), event.modifiers()
        if key == Qt.Key.Key_Tab and modifiers == Qt.KeyboardModifier.NoModifier and self.accept_ghost():
            return
        if key == Qt.Key.Key_Right and modifiers == Qt.KeyboardModifier.ControlModifier:
            if self.accept_ghost(next_word_only=True):
                return
        if key == Qt.Key.Key_Escape and self.ghost_showing():
            self.dismiss_ghost()
            return
        if event.text() and event.text() in ATTACHING_PUNCTUATION and self._takes_auto_space():
            cursor = self.textCursor()
            cursor.deletePreviousChar()  # "hello |" + "," -> "hello,"
        self._auto_space_position = -1
        super().keyPressEvent(event)
        if event.text() and event.text().isprintable():
            self.character_typed.emit()

    def _takes_auto_space(self) -> bool:
        cursor = self.textCursor()
        if cursor.position() != self._auto_space_position or cursor.hasSelection():
            return False
        return self.document().characterAt(cursor.position() - 1) == " "
