"""Spell-check in the editor: words neither Nextword nor the person knows get a red wavy underline, and the
context menu on one offers the words likeliest meant there, "Add to Dictionary" and "Ignore".

Only the visible part of the document is checked (at most MAX_CHECKED characters of it), a moment after the
person stops typing or scrolling, on the worker's thread (engine/runtime/spelling.py): the GUI thread never
waits on it, and a 50 MB document costs what a page does. The underlines are extra selections, which move with
the text as it is edited; an answer for text that has changed since is checked word by word before it is shown.
The word being typed is not underlined until it is finished.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QMenu, QTextEdit

from desktop.core.context import CONTEXT_CHARACTERS

CHECK_DELAY_MS = 250  # after the last key or scroll: typing at speed does not check at every key
MAX_CHECKED = 20_000  # characters around the visible part: a full screen of text at a small font
UNDERLINE = QColor(220, 40, 40)


@dataclass(frozen=True)
class SpellingAsk:
    serial: int
    start: int  # where `text` starts in the document
    text: str
    revision: int  # the document's revision when asked


@dataclass(frozen=True)
class CorrectionsAsk:
    left_text: str  # the paragraph up to the misspelled word's end, as the predictor reads it
    start: int  # the word's position in the document
    word: str


class SpellChecker(QObject):
    check_wanted = Signal(object)  # SpellingAsk, to the worker
    corrections_wanted = Signal(object)  # CorrectionsAsk, to the worker
    spelling_added = Signal(str)  # "Add to Dictionary": never underlined or corrected again

    def __init__(self, editor):
        super().__init__(editor)
        self.editor = editor
        self.enabled = False  # set from Preferences
        self.ignored: set[str] = set()  # "Ignore": for this window, lower-case
        self.serial = 0
        self._menu: tuple[QMenu, CorrectionsAsk, object] | None = None  # the open menu, its ask, its placeholder
        self._timer = QTimer(self, singleShot=True, interval=CHECK_DELAY_MS, timeout=self._ask)
        editor.textChanged.connect(self.schedule)
        editor.verticalScrollBar().valueChanged.connect(self.schedule)
        editor.horizontalScrollBar().valueChanged.connect(self.schedule)
        editor.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        editor.customContextMenuRequested.connect(self._show_menu)

    def set_enabled(self, enabled: bool) -> None:
        self.enabled = enabled
        if enabled:
            self.schedule()
        else:
            self._timer.stop()
            self.serial += 1  # an answer on its way is dropped
            self.editor.setExtraSelections([])

    def schedule(self) -> None:
        if self.enabled:
            self._timer.start()

    # Checking what is visible
    def visible_range(self) -> tuple[int, int]:
        """From the word at the viewport's top left to the end of the word at its bottom right."""
        editor = self.editor
        viewport = editor.viewport().rect()
        start = editor.cursorForPosition(QPoint(0, 0)).position()
        end = editor.cursorForPosition(QPoint(viewport.width(), viewport.height())).position()
        end = min(max(end, start), start + MAX_CHECKED)
        cursor = QTextCursor(editor.document())
        cursor.setPosition(start)
        cursor.movePosition(QTextCursor.MoveOperation.StartOfWord)
        start = cursor.position()
        cursor.setPosition(end)
        cursor.movePosition(QTextCursor.MoveOperation.EndOfWord)
        return start, cursor.position()

    def _ask(self) -> None:
        if not self.enabled:
            return
        start, end = self.visible_range()
        cursor = QTextCursor(self.editor.document())
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        text = cursor.selectedText().replace("\u2029", "\n").replace("\u2028", "\n")  # paragraph, line separators
        self.serial += 1
        self.check_wanted.emit(SpellingAsk(self.serial, start, text, self.editor.document().revision()))

    def show(self, ask: SpellingAsk, misspellings) -> None:
        """The worker's answer: underline each misspelled word still there, but not the one being typed."""
        if ask.serial != self.serial or not self.enabled:
            return
        editor, document = self.editor, self.editor.document()
        changed = document.revision() != ask.revision
        typing_at = editor.textCursor().position()
        underline = QTextCharFormat()
        underline.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SpellCheckUnderline)
        underline.setUnderlineColor(UNDERLINE)
        selections = []
        for found in misspellings:
            start, end = ask.start + found.start, ask.start + found.start + len(found.word)
            if found.word.lower() in self.ignored or end == typing_at:
                continue
            cursor = QTextCursor(document)
            cursor.setPosition(start)
            cursor.setPosition(min(end, document.characterCount() - 1), QTextCursor.MoveMode.KeepAnchor)
            if changed and cursor.selectedText() != found.word:
                continue  # edited since it was checked: checked again in a moment
            selection = QTextEdit.ExtraSelection()
            selection.cursor, selection.format = cursor, underline
            selections.append(selection)
        editor.setExtraSelections(selections)

    def underlined(self) -> list[tuple[int, str]]:
        """(position, word) of each underlined word, in order."""
        return [(selection.cursor.selectionStart(), selection.cursor.selectedText())
                for selection in self.editor.extraSelections()]

    def misspelling_at(self, position: int) -> tuple[int, str] | None:
        for selection in self.editor.extraSelections():
            cursor = selection.cursor
            if cursor.selectionStart() <= position <= cursor.selectionEnd() and cursor.hasSelection():
                return cursor.selectionStart(), cursor.selectedText()
        return None

    # Forgetting underlines
    def add_to_dictionary(self, word: str) -> None:
        self.spelling_added.emit(word)
        self._drop(word)

    def ignore(self, word: str) -> None:
        self.ignored.add(word.lower())
        self._drop(word)

    def _drop(self, word: str) -> None:
        """Underlines of this word (and of words replaced since) gone at once; the next check agrees (the worker
        knows the word now, or it is ignored)."""
        self.editor.setExtraSelections([selection for selection in self.editor.extraSelections()
                                        if selection.cursor.selectedText().lower() not in (word.lower(), "")])

    # The context menu
    def _show_menu(self, point: QPoint) -> None:
        menu = self.menu_at(point)
        menu.popup(self.editor.viewport().mapToGlobal(point))

    def menu_at(self, point: QPoint) -> QMenu:
        """The editor's usual menu; on an underlined word, the corrections (asked of the worker, shown as they come),
        Add to Dictionary and Ignore above it."""
        editor = self.editor
        menu = editor.createStandardContextMenu(editor.viewport().mapToGlobal(point))
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        found = self.misspelling_at(editor.cursorForPosition(point).position()) if self.enabled else None
        if found is None:
            return menu
        start, word = found
        first = menu.actions()[0] if menu.actions() else None
        placeholder = menu.addAction("Looking for corrections…")
        placeholder.setEnabled(False)
        add = menu.addAction(f"Add \u201c{word}\u201d to Dictionary")
        add.triggered.connect(lambda: self.add_to_dictionary(word))
        ignore = menu.addAction(f"Ignore \u201c{word}\u201d")
        ignore.triggered.connect(lambda: self.ignore(word))
        separator = menu.addSeparator()
        for action in (placeholder, add, ignore, separator):
            menu.insertAction(first, action)  # above the usual Undo, Cut, Copy…
        ask = CorrectionsAsk(self._left_text(start + len(word)), start, word)
        self._menu = (menu, ask, placeholder)
        menu.aboutToHide.connect(lambda: self._forget_menu(menu))
        self.corrections_wanted.emit(ask)
        return menu

    def _left_text(self, end: int) -> str:
        cursor = QTextCursor(self.editor.document())
        cursor.setPosition(end)
        block_start = cursor.block().position()
        cursor.setPosition(max(block_start, end - CONTEXT_CHARACTERS), QTextCursor.MoveMode.KeepAnchor)
        return cursor.selectedText()

    def _forget_menu(self, menu: QMenu) -> None:
        if self._menu is not None and self._menu[0] is menu:
            self._menu = None

    def show_corrections(self, ask: CorrectionsAsk, words: list[str]) -> None:
        """The worker's answer for the open menu: the placeholder becomes one action per word."""
        if self._menu is None or self._menu[1] != ask:
            return
        menu, _, placeholder = self._menu
        if not words:
            placeholder.setText("No corrections found")
            return
        for word in words:
            action = QAction(word, menu)
            font = action.font()
            font.setBold(True)
            action.setFont(font)
            action.triggered.connect(lambda _=False, word=word: self.correct(ask, word))
            menu.insertAction(placeholder, action)
        menu.removeAction(placeholder)

    def correct(self, ask: CorrectionsAsk, word: str) -> None:
        """Replace the misspelled word with `word` (one undo step), if it is still there."""
        cursor = QTextCursor(self.editor.document())
        cursor.setPosition(ask.start)
        cursor.setPosition(ask.start + len(ask.word), QTextCursor.MoveMode.KeepAnchor)
        if cursor.selectedText() == ask.word:
            self.editor.replace_as_typed(ask.start, ask.start + len(ask.word), word)
            self._drop(ask.word)
