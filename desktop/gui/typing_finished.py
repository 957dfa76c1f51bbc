"""What the person's own typing finished, handed over for learning (the personal cache).

When the person's own typing finishes a sentence (`.`, `!` or `?` typed) or a line (Enter), the text finished
since the last point handed over in that paragraph is handed over (`sentence_finished`). Each paragraph's
handed-over point is kept in its QTextBlock's user data: how many characters at its start were handed over
already, or are not the person's typing. A paragraph without it (opened, pasted, undone or redone text) counts
as handed over entirely until the person types in it. Edits inside the handed-over part keep it handed over, so
a sentence is never handed over twice. (The blocks' user *state* is not ours: desktop/document/textfile.py keeps
odd line ends there.)

The editor (desktop/gui/editor.py) tells it of each key that types (`before_key`, `after_key`), of each change
to the document and whether it was typing (`contents_changed`), and of text it inserts as typed (`claim`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextBlock, QTextBlockUserData, QTextCursor, QTextDocument

SENTENCE_ENDS = set(".!?")  # typed, they finish a sentence: it is handed over for learning
LINE_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class KeyEdit(NamedTuple):
    """What a key is about to replace, for keeping the handed-over points (see the module's docstring)."""

    start: int  # where what it replaces starts
    first_handed: int  # that paragraph's handed-over point
    tail_handed: int  # how much of the text after what it replaces was handed over
    joins_paragraphs: bool
    cuts_word: bool  # it removes a letter or digit


class TypingFinished:
    def __init__(self, document: QTextDocument, hand_over: Callable[[str], None]):
        self.document = document
        self.hand_over = hand_over  # the editor's sentence_finished.emit

    def before_key(self, cursor: QTextCursor, key) -> KeyEdit:
        """Before a key that types (or removes) changes the text at `cursor`."""
        document = self.document
        start, end = cursor.selectionStart(), cursor.selectionEnd()
        if not cursor.hasSelection():
            if key == Qt.Key.Key_Backspace and not cursor.atStart():
                start -= 1  # the character, or the paragraph break, before the cursor
            elif key == Qt.Key.Key_Delete and not cursor.atEnd():
                end += 1
        first, last = document.findBlock(start), document.findBlock(end)
        claim(first)
        return KeyEdit(start, _handed(first), max(0, _handed(last) - (end - last.position())),
                       first.blockNumber() != last.blockNumber(), end > start and document.characterAt(start).isalnum())

    def after_key(self, key, text: str, edit: KeyEdit, cursor: QTextCursor) -> None:
        """After it: the handed-over points kept on the same text, and what it finished handed over."""
        first = self.document.findBlock(edit.start)
        at = edit.start - first.position()
        if edit.joins_paragraphs:  # the paragraphs' handed-over parts stay handed over if they meet
            _set_handed(first, at + edit.tail_handed if edit.first_handed >= at else edit.first_handed)
        elif edit.cuts_word and edit.first_handed > at and _handed(first) == at:
            # The end of the last word handed over deleted ("thanks" -> "thank"): hand the word over again
            # when it is finished, rather than its new end alone ("s").
            line = first.text()
            while at > 0 and line[at - 1].isalnum():
                at -= 1
            _set_handed(first, at)
        if key in LINE_KEYS and cursor.blockNumber() > first.blockNumber():
            line = cursor.block().previous()  # the line Enter finished: all of it is handed over now
            self._hand_over(line, len(line.text()))
            _set_handed(cursor.block(), edit.tail_handed)  # the rest of the paragraph, moved to the new line
        elif key in LINE_KEYS or (text and text in SENTENCE_ENDS):
            self._hand_over(cursor.block(), cursor.positionInBlock())

    def _hand_over(self, block: QTextBlock, end: int) -> None:
        """Hand the block's text from its handed-over point to `end` over (if it has a word) and move the point."""
        start = _handed(block)
        if start >= end:
            return  # typed inside what was handed over already
        finished = block.text()[start:end].replace("\u2028", " ").strip()  # Shift+Enter's line separator
        _set_handed(block, end)
        if any(character.isalnum() for character in finished):
            self.hand_over(finished)

    def pass_over_typing_so_far(self) -> None:
        """Everything typed so far counts as handed over, without being handed over: what was typed off the record
        never reaches learning, even in a sentence finished once back on the record."""
        block = self.document.firstBlock()
        while block.isValid():
            if isinstance(block.userData(), _HandedOver):
                _set_handed(block, len(block.text()))
            block = block.next()

    def contents_changed(self, position: int, removed: int, added: int, typing: bool) -> None:
        """Keep each paragraph's handed-over point on the same text; text that is not typing is handed over."""
        first = self.document.findBlock(position)
        data = first.userData()
        if not isinstance(data, _HandedOver):
            return  # not typed in yet: handed over entirely, whatever the change
        at = position - first.position()
        if typing or not added:
            if data.characters > at:  # typed or deleted inside what was handed over: the rest stays handed over
                data.characters = max(at, data.characters - removed) + added
        elif first.position() + first.length() <= position + added:  # the paste runs past this paragraph's end
            first.setUserData(None)  # pasted (or undone) across paragraphs: none of it is the person's typing
        else:  # pasted into the paragraph: handed over up to the paste's end
            data.characters = at + added + max(0, data.characters - at - removed)


class _HandedOver(QTextBlockUserData):
    """A paragraph the person typed in: how many characters at its start were handed over."""

    def __init__(self, characters: int):
        super().__init__()
        self.characters = characters


def _handed(block: QTextBlock) -> int:
    data = block.userData()
    return data.characters if isinstance(data, _HandedOver) else len(block.text())


def _set_handed(block: QTextBlock, characters: int) -> None:
    data = block.userData()
    if isinstance(data, _HandedOver):
        data.characters = characters
    else:
        block.setUserData(_HandedOver(characters))


def claim(block: QTextBlock) -> None:
    """The person types in this paragraph: what is in it now is handed over, what they type next is not."""
    if not isinstance(block.userData(), _HandedOver):
        block.setUserData(_HandedOver(len(block.text())))
