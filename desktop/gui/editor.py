"""The text widget: inserts accepted words with the right spacing and shows ghost text after the cursor.

Ghost text is painted over the viewport, never put in the document: it cannot be saved, undone or
searched by mistake, and it vanishes as soon as the cursor is somewhere else.

Learning: what the person's own typing finishes (a sentence, a line) is handed over for the personal cache by
`TypingFinished` (desktop/gui/typing_finished.py), which the editor tells of each key and change.

Keys (Help > Keyboard Shortcuts lists them for the person, desktop/gui/shortcuts.py): Tab takes the grey text, or else
the best guess (the chip Alt+1 takes); a tab character only where there is nothing to take and the line is empty so
far, after Esc, or on a second Tab. An accepted word comes with its space, which punctuation typed next takes back.
Capitals where the person means them (Preferences, "Capitals"): a sentence's first letter as it is typed, and "i"
alone as it is finished; each is one undo step with the typing.

A very long line is held in pieces, one block each (desktop/document/long_lines.py): pastes go through
`long_lines.insert`, copies and drags give the pieces joined, and the predictor reads across the break before a piece.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QKeySequence, QPainter, QTextBlock, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit

from desktop.core.context import CONTEXT_CHARACTERS, LOOKBEHIND, context_start
from desktop.document import long_lines
from desktop.gui.autocorrect import Autocorrector
from desktop.gui.typing_finished import LINE_KEYS, TypingFinished, claim
from engine.core.tokenizer import split_partial, starts_sentence

ATTACHING_PUNCTUATION = set(".,!?;:)")  # typed right after an accepted word, it takes the space's place
REMOVING_KEYS = (Qt.Key.Key_Backspace, Qt.Key.Key_Delete)
ARROW_KEYS = (Qt.Key.Key_Left, Qt.Key.Key_Right)
# Keys that are only held with others (Shift for "?"): they change nothing, so the space an accepted word added stays
# for the punctuation they type.
HELD_KEYS = (Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_AltGr, Qt.Key.Key_Meta,
             Qt.Key.Key_CapsLock, Qt.Key.Key_Super_L, Qt.Key.Key_Super_R)
WORD_REST = re.compile(r"(?:'?[A-Za-z0-9]+)*")  # the rest of a word right of the cursor (as split_partial reads words)
# Written alone, "i" is the pronoun: a capital as the word is finished (and in its contractions).
PRONOUN_I = {"i", "i'm", "i'll", "i've", "i'd"}
# A full stop after these does not end a sentence: no capital needed after them.
ABBREVIATIONS = {"e.g", "i.e", "etc", "vs", "mr", "mrs", "ms", "dr", "st", "approx", "cf", "fig"}
# Keys that change the text but are not typing it (some platforms give them a printable text, "v" for Ctrl+V).
NOT_TYPING = (QKeySequence.StandardKey.Paste, QKeySequence.StandardKey.Undo, QKeySequence.StandardKey.Redo)


class SuggestingEditor(QPlainTextEdit):
    suggestion_accepted = Signal(str, str, int)  # kind ("chip" or "inline"), the text inserted, keystrokes saved
    ghost_dismissed = Signal()
    character_typed = Signal()  # a key that wrote a character: the person's own typing
    hint = Signal(str)  # a word for the status bar ("press Tab again for a tab character")
    sentence_finished = Signal(str)  # the person's own typing finished this sentence or line (to learn from)
    shown_in_pieces = Signal()  # a long line in pieces now (pasted, or opened: document/files.py); said once

    def __init__(self, parent=None):
        super().__init__(parent)
        self.ghost_text = ""
        self._ghost_position = -1
        self._dismissed_word_start = -1  # Esc hides ghost text for this word: until the cursor leaves it or it goes
        self._best_guess, self._best_position = "", -1  # the best chip's word (Tab takes it), at that cursor position
        self._tab_pending = False  # a Tab with nothing to take was pressed: a second Tab types a tab character
        self.auto_capitalize = True  # Preferences.auto_capitalize
        self._capital_at = self._small_at = -1  # a capital made by the last key; one Backspace took back there
        self._auto_space_position = -1  # where the space added after an accepted word ends
        self._typing = False  # a change now is the person's typing (or a suggestion they accepted)
        self.cursorPositionChanged.connect(self._on_cursor_moved)
        self.typing_finished = TypingFinished(self.document(), self.sentence_finished.emit)
        self.document().contentsChange.connect(
            lambda position, removed, added: self.typing_finished.contents_changed(position, removed, added,
                                                                                   self._typing))
        self.autocorrector = Autocorrector(self)  # desktop/gui/autocorrect.py; off until the window turns it on

    # What the predictor sees
    def left_text(self) -> str:
        """The current paragraph left of the cursor: at most its last CONTEXT_CHARACTERS, starting at a
        place that stays put while typing (desktop/core/context.py). Near the start of a piece of a long line it
        goes on into the piece before, where they meet between words (a word is never split)."""
        cursor = self.textCursor()
        end, in_block = cursor.position(), cursor.positionInBlock()
        wanted = CONTEXT_CHARACTERS + LOOKBEHIND
        in_line = in_block + (self._piece_before(cursor.block(), in_block) if in_block < wanted else 0)
        fetched = min(in_line, wanted)
        # Logical positions, not Left/Right: in right-to-left text "left" is the other way. The break between
        # two pieces is one position more, and no text.
        cursor.setPosition(end - fetched - (1 if fetched > in_block else 0))
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        tail = cursor.selectedText().replace("\u2029", "")
        return tail[context_start(tail, in_line - fetched, in_line):]

    def _piece_before(self, block: QTextBlock, in_block: int) -> int:
        """The length of the piece this block continues, where no word left of the cursor runs across the
        break between them (the word being typed must lie in one block: accepting a suggestion replaces it by
        its length); else 0."""
        if not long_lines.continues(block):
            return 0
        document, start = self.document(), block.position()
        if document.characterAt(start - 2).isspace() or (in_block > 0 and document.characterAt(start).isspace()):
            return block.previous().length() - 1
        return 0

    def _word_start(self) -> int:
        _, partial = split_partial(self.left_text())
        return self.textCursor().position() - len(partial)

    # Inserting accepted words
    def insert_word(self, word: str) -> None:
        """Complete the partial word at the cursor, or add a next word, then a space: one undo step."""
        left = self.left_text()
        _, partial = split_partial(left)
        cursor = self.textCursor()
        space = " "
        if partial:
            # Inside a word ("Fri|day?"), the whole word is replaced: the rest of it too, and no space is added
            # before the text that follows it on the line.
            rest = self._word_rest(cursor)
            end = cursor.position() + len(rest)
            if end < cursor.block().position() + cursor.block().length() - 1 and rest:
                space = ""
            cursor.setPosition(cursor.position() - len(partial))
            cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
            inserted = word + space
        else:
            inserted = ("" if not left or left[-1].isspace() else " ") + word + space
        self._insert_as_typed(cursor, inserted)
        self.setTextCursor(cursor)
        self._auto_space_position = cursor.position() if space else -1
        self.clear_ghost()
        # Characters written beyond what was typed, less the one key (or click) that accepted them.
        self.suggestion_accepted.emit("chip", word, max(0, len(inserted) - len(partial) - 1))

    def accept_ghost(self, next_word_only: bool = False) -> bool:
        """Tab: all of the grey text; Ctrl+Right: its next word. Each comes with its space, as a chip's word does
        (so the chips offer the next word, not longer words starting with the last one)."""
        if not self.ghost_showing():
            return False
        text = self.ghost_text
        if next_word_only:
            stripped = text.lstrip(" ")
            end = len(text) - len(stripped) + (stripped.find(" ") if " " in stripped else len(stripped))
            text = text[:end]
        rest = self.ghost_text[len(text):].lstrip(" ")
        cursor = self.textCursor()
        inserted = text
        _, partial = split_partial(self.left_text())
        head = text.split(" ", 1)[0]
        best = self.best_guess()
        if partial and head and best != partial + head and best.lower() == (partial + head).lower():
            # The word written as its chip writes it ("fri" + Tab: "Friday", as Alt+1 gives): grey text can only
            # show the letters after the cursor.
            cursor.setPosition(cursor.position() - len(partial), QTextCursor.MoveMode.KeepAnchor)
            inserted = best + text[len(head):]
        self._insert_as_typed(cursor, inserted + " ")
        self.setTextCursor(cursor)
        self._auto_space_position = cursor.position()
        self.suggestion_accepted.emit("inline", text, len(text))  # the space too, less the one key
        if rest:
            self.set_ghost(rest, cursor.position())
        else:
            self.clear_ghost()
        return True

    def _word_rest(self, cursor: QTextCursor) -> str:
        """The letters of the word the cursor is in, right of it ("day" in "Fri|day?")."""
        line, at = cursor.block().text(), cursor.positionInBlock()
        return WORD_REST.match(line, at).group() if at < len(line) else ""

    # The best guess: the best chip's word, which the grey text starts with
    def set_best_guess(self, word: str, position: int) -> None:
        self._best_guess, self._best_position = word, position

    def best_guess(self) -> str:
        """The word Tab takes when no grey text shows: the best chip's, for where the cursor is now."""
        cursor = self.textCursor()
        if cursor.position() != self._best_position or cursor.hasSelection() or self._dismissed_here():
            return ""
        return self._best_guess

    def replace_as_typed(self, start: int, end: int, text: str) -> None:
        """Replace the document's text from start to end (an autocorrection, a spelling correction chosen) as one
        undo step, part of what the person is typing; the cursor stays where it was relative to the text after."""
        cursor = QTextCursor(self.document())
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        self._insert_as_typed(cursor, text)

    def undo_as_typed(self, position: int) -> None:
        """Undo the last step as part of the person's typing (an autocorrection put back); the cursor to `position`."""
        self._typing = True
        try:
            self.document().undo()
        finally:
            self._typing = False
        cursor = self.textCursor()
        cursor.setPosition(position)
        self.setTextCursor(cursor)

    def undo(self) -> None:
        """Edit > Undo: right after an autocorrection, it puts back what was typed (Autocorrector.undo)."""
        if not self.autocorrector.undo():
            super().undo()

    # Pasting and copying: long lines in pieces (desktop/document/long_lines.py)
    def insertFromMimeData(self, source) -> None:  # noqa: N802 (Qt override)
        """Paste and drop. Text that could make a line over long_lines.PIECE_CHARS goes in with that line in
        pieces (one undo step, as Qt's paste is): Qt would lay the whole line out again at every key."""
        text = source.text() if source is not None and source.hasText() else ""
        if self.isReadOnly() or not long_lines.may_need_pieces(self.textCursor(), text):
            super().insertFromMimeData(source)
            return
        self._insert_in_pieces(text)

    def insertPlainText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        if not long_lines.may_need_pieces(self.textCursor(), text):
            super().insertPlainText(text)
            return
        self._insert_in_pieces(text)

    def _insert_in_pieces(self, text: str) -> None:
        cursor = self.textCursor()
        made = long_lines.insert(cursor, text)
        self.setTextCursor(cursor)
        self.ensureCursorVisible()
        if made:
            self.shown_in_pieces.emit()

    def createMimeDataFromSelection(self):  # noqa: N802 (Qt override)
        """Copy, cut and drag: Qt's own data, its text replaced where the selection crosses pieces of a long
        line by the text joined as the file has it. (Qt's object, not one made here: a QMimeData made in
        Python and still on the clipboard crashes the program when it exits.)"""
        mime = super().createMimeDataFromSelection()
        joined = long_lines.joined_text(self.textCursor())
        if joined is not None:
            mime.text()  # Qt fills in its formats when first read: after that they are only data
            for kind in mime.formats():
                mime.removeFormat(kind)  # its HTML would show the pieces as paragraphs
            mime.setText(joined)
        return mime

    def _insert_as_typed(self, cursor: QTextCursor, text: str) -> None:
        """One undo step. An accepted suggestion is part of the sentence the person is typing: learned with it
        (the document reports the change when the edit block ends, so the flag spans the block)."""
        claim(cursor.block())
        self._typing = True
        try:
            cursor.beginEditBlock()
            cursor.insertText(text)
            cursor.endEditBlock()
        finally:
            self._typing = False

    # Ghost text
    def ghost_showing(self) -> bool:
        cursor = self.textCursor()
        return bool(self.ghost_text) and cursor.position() == self._ghost_position and not cursor.hasSelection()

    def set_ghost(self, text: str, position: int) -> None:
        """Grey text at the end of a line only: elsewhere it would be painted over the text right of the cursor."""
        cursor = self.textCursor()
        text_after = cursor.block().text()[cursor.positionInBlock():].strip()
        if position != cursor.position() or self._dismissed_here() or text_after:
            text = ""
        self.ghost_text, self._ghost_position = text, position
        self.viewport().update()

    def clear_ghost(self) -> None:
        if self.ghost_text:
            self.ghost_text, self._ghost_position = "", -1
            self.viewport().update()

    def dismiss_ghost(self) -> None:
        showing = self.ghost_showing()
        self._dismissed_word_start = self._word_start()
        self.clear_ghost()
        if showing:
            self.ghost_dismissed.emit()

    def _dismissed_here(self) -> bool:
        return self._dismissed_word_start >= 0 and self._word_start() == self._dismissed_word_start

    def _on_cursor_moved(self) -> None:
        position = self.textCursor().position()
        if self.ghost_text and position != self._ghost_position:
            self.clear_ghost()
        if self._dismissed_word_start >= 0:
            # Esc holds for the word it was pressed in: the cursor out of it, or the word deleted, and it is over.
            if position <= self._dismissed_word_start or self._word_start() != self._dismissed_word_start:
                self._dismissed_word_start = -1

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
        if key in HELD_KEYS:
            super().keyPressEvent(event)
            return  # Shift on its way to "?": the accepted word's space stays for it
        capital_at, self._capital_at = self._capital_at, -1
        small_at, self._small_at = self._small_at, -1
        cursor = self.textCursor()
        if key == Qt.Key.Key_Backspace and capital_at >= 0 and cursor.position() == capital_at + 1 \
                and not cursor.hasSelection():
            self._small_at = capital_at  # the capital just made, taken back: the letter typed again stays small
        tab = key == Qt.Key.Key_Tab and modifiers == Qt.KeyboardModifier.NoModifier
        tab_pending, self._tab_pending = self._tab_pending, False
        if tab and not self.isReadOnly() and self._tab_accepts(tab_pending):
            return
        if key == Qt.Key.Key_Right and modifiers == Qt.KeyboardModifier.ControlModifier:
            if self.accept_ghost(next_word_only=True):
                return
        if key == Qt.Key.Key_Escape and (self.ghost_showing() or self.best_guess()):
            self.dismiss_ghost()  # and the best guess: Tab types a tab character in this word now
            return
        if self.autocorrector.undo_key(event):
            return
        if key in ARROW_KEYS and modifiers in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier):
            moved = long_lines.step_over_break(self.textCursor(), backwards=key == Qt.Key.Key_Left,
                                               keep_anchor=modifiers == Qt.KeyboardModifier.ShiftModifier)
            if moved is not None:  # at a break between pieces of a long line: one key, one character
                self.setTextCursor(moved)
                return
        if key in REMOVING_KEYS and modifiers == Qt.KeyboardModifier.NoModifier and not self.isReadOnly():
            reach = long_lines.across_break(self.textCursor(), backwards=key == Qt.Key.Key_Backspace)
            if reach is not None:  # at a break between pieces: the key takes the character beyond it
                self.setTextCursor(reach)
        event = self._capitalised(event, small_at)
        pronoun = self._pronoun_finished_by(event)
        finished_word = None if pronoun is not None else self.autocorrector.word_finished_by(event)
        typing = (key in LINE_KEYS or key in REMOVING_KEYS or (bool(event.text()) and event.text().isprintable())) \
            and not any(event.matches(shortcut) for shortcut in NOT_TYPING)
        before = self.typing_finished.before_key(self.textCursor(), key) if typing else None
        revision = self.document().revision()
        self._typing = typing
        try:
            if event.text() and event.text() in ATTACHING_PUNCTUATION and self._takes_auto_space():
                self._replace_auto_space(event.text())  # "hello |" + "," -> "hello,": one undo step
            else:
                self._auto_space_position = -1
                super().keyPressEvent(event)
            if pronoun is not None:
                self._capitalise_pronoun(pronoun)
        finally:
            self._typing = False
        if key in LINE_KEYS and self.document().revision() != revision:
            long_lines.after_line_break(self.textCursor())
        if finished_word is not None:
            self.autocorrector.ask(finished_word)  # before the sentence is handed over: the worker answers it first
        if before is not None:
            self.typing_finished.after_key(key, event.text(), before, self.textCursor())
        if event.text() and event.text().isprintable():
            self.character_typed.emit()

    def _takes_auto_space(self) -> bool:
        cursor = self.textCursor()
        if cursor.position() != self._auto_space_position or cursor.hasSelection():
            return False
        return self.document().characterAt(cursor.position() - 1) == " "

    def _replace_auto_space(self, text: str) -> None:
        """The space an accepted word added, replaced by the punctuation typed: one undo step (Qt's typing would
        make two, the space's removal and the character)."""
        self._auto_space_position = -1
        cursor = self.textCursor()
        cursor.beginEditBlock()
        cursor.deletePreviousChar()
        cursor.insertText(text)
        cursor.endEditBlock()
        self.setTextCursor(cursor)

    # Tab
    def _tab_accepts(self, second_tab: bool) -> bool:
        """Tab takes the grey text, else the best guess; True when it did, or when it only said what a second
        Tab does (nothing to take on a line begun). False: Qt types a tab character."""
        if self.accept_ghost():
            return True
        left = self.textCursor().block().text()[:self.textCursor().positionInBlock()]
        if second_tab or not left.strip() or self._dismissed_here():
            return False  # indenting, a tab asked for twice, or suggestions refused with Esc
        best = self.best_guess()
        if best:
            self.insert_word(best)
            return True
        self._tab_pending = True
        self.hint.emit("Nothing to take: press Tab again to type a tab character")
        return True

    # Capitals (Preferences: auto_capitalize)
    def _capitalised(self, event: QKeyEvent, small_at: int) -> QKeyEvent:
        """A small letter typed where a sentence starts, as a capital (as phones and word processors do); but not
        where the person just took such a capital back with Backspace (small_at)."""
        text = event.text()
        if not (self.auto_capitalize and len(text) == 1 and text.islower() and text.isalpha()) \
                or event.modifiers() & ~(Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier):
            return event
        cursor = self.textCursor()
        if self.document().characterAt(cursor.position() - 1).isalnum():
            return event  # inside a word, as most letters are: decided without reading the line
        if cursor.hasSelection() or cursor.position() == small_at or self._word_rest(cursor) \
                or not self._sentence_starts_here():
            return event
        self._capital_at = cursor.position()
        return QKeyEvent(event.type(), event.key(), event.modifiers(), text.upper(), event.isAutoRepeat(),
                         event.count())

    def _sentence_starts_here(self) -> bool:
        context, partial = split_partial(self.left_text())
        if partial or (context and not context[-1].isspace() and context[-1] not in "\"'(["):
            return False  # inside or right after a word or a mark ("2.5", "e.g.")
        if not starts_sentence(context):
            return False
        last = context.split()[-1].lower().strip("\"'()[]") if context.split() else ""
        return last.rstrip(".") not in ABBREVIATIONS

    def _pronoun_finished_by(self, event: QKeyEvent) -> int | None:
        """Where "i" (or "i'm", "i'll"...) starts, when this key finishes it; else None."""
        text = event.text()
        finishing = event.key() in LINE_KEYS or (len(text) == 1 and (text.isspace() or text in ATTACHING_PUNCTUATION))
        if not self.auto_capitalize or not finishing or self.textCursor().hasSelection():
            return None
        _, partial = split_partial(self.left_text())
        if partial not in PRONOUN_I:
            return None
        return self.textCursor().position() - len(partial)

    def _capitalise_pronoun(self, start: int) -> None:
        """"i" -> "I", in the undo step of the key that finished it."""
        cursor = QTextCursor(self.document())
        cursor.joinPreviousEditBlock()
        cursor.setPosition(start)
        cursor.setPosition(start + 1, QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText("I")
        cursor.endEditBlock()

    def pass_over_typing_so_far(self) -> None:
        """What was typed so far is never handed over for learning (Off the Record turned on or off)."""
        self.typing_finished.pass_over_typing_so_far()
