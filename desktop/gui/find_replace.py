"""Edit > Find and Replace: a dialog beside the text (not modal: the person types on while it is open).

What is searched is the text as the file has it: the pieces of a long line (desktop/document/long_lines.py) are joined
first, so a phrase a cut splits is found and replaced like any other (the pieces stay pieces: the replacement
goes in the first), and no replacement ever puts a break into a line. A no-break space matches a space, as in
Qt's own find. Matches never cross a line end (the fields hold one line).

Replace All is one edit block: one undo step, and Qt lays the text out once at its end. Measured on a 5 MB
document (bench/replace_all.py), the window's GUI thread is busy about a second for 150,000 replacements;
the mouse pointer shows it is working meanwhile.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QTextCursor, QTextDocument
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from desktop.document import long_lines

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")  # two positions each in Qt (UTF-16), one character in Python
_LINE_BREAKS = re.compile("[\r\n\u2028\u2029]")
_NO_BREAK_SPACE = str.maketrans({"\u00a0": " "})
_KEEP_ANCHOR = QTextCursor.MoveMode.KeepAnchor  # looked up once: Replace All may use it a million times


def pattern(needle: str, match_case: bool) -> re.Pattern:
    return re.compile(re.escape(needle), 0 if match_case else re.IGNORECASE)


class DocumentText:
    """The document's text with the pieces of long lines joined, and the way between its indices and the
    document's positions (Qt counts an emoji as two, and each break between pieces as one)."""

    def __init__(self, document: QTextDocument):
        raw = document.toRawText()
        self._astral = [match.start() for match in _ASTRAL.finditer(raw)]  # indices into raw
        self._astral_at = [index + count for count, index in enumerate(self._astral)]  # their positions
        self._breaks_raw = sorted(self._raw_index(block.position()) - 1 for block in _piece_starts(document))
        self._breaks = [index - count for count, index in enumerate(self._breaks_raw)]  # what follows: index in text
        parts, start = [], 0
        for index in self._breaks_raw:
            parts.append(raw[start:index])
            start = index + 1
        parts.append(raw[start:])
        self.text = "".join(parts).replace("\u00a0", " ")  # str.translate takes 30 times as long on 5 MB

    def _raw_index(self, position: int) -> int:
        return position - bisect_left(self._astral_at, position)

    def _position(self, raw_index: int) -> int:
        return raw_index + bisect_left(self._astral, raw_index)

    def index(self, position: int) -> int:
        """The index into `text` of a document position."""
        raw_index = self._raw_index(position)
        return raw_index - bisect_left(self._breaks_raw, raw_index)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The document positions of text[start:end]: from after any break before it to before any after it."""
        if not self._astral and not self._breaks:
            return start, end  # the usual document: the same numbers
        return (self._position(start + bisect_right(self._breaks, start)),
                self._position(end + bisect_left(self._breaks, end)))

    def crosses_break(self, start: int, end: int) -> bool:
        """text[start:end] runs over a break between two pieces."""
        return bool(self._breaks) and bisect_right(self._breaks, start) != bisect_left(self._breaks, end)


def _piece_starts(document: QTextDocument):
    """The blocks that continue a long line (none in a document without pieces: no block is looked at)."""
    marked = long_lines.marked_formats(document)
    block = document.firstBlock()
    while marked and block.isValid():
        if block.blockFormatIndex() in marked:
            yield block
        block = block.next()


def find(document: QTextDocument, needle: str, match_case: bool, start: int, end: int,
         backwards: bool = False) -> tuple[int, int, bool] | None:
    """The next match after the selection start..end (before it, `backwards`), going round the end of the text
    once: its document positions, and whether it went round. None when there is none."""
    text = DocumentText(document)
    search = pattern(needle, match_case)
    if search.search(text.text) is None:
        return None  # said at once, without looking both ways
    if backwards:
        found = _last(search, text.text, 0, text.index(start))
        wrapped = found is None
        found = found or _last(search, text.text, 0, len(text.text))
    else:
        found = search.search(text.text, text.index(end))
        wrapped = found is None
        found = found or search.search(text.text)
    if found is None:
        return None
    return (*text.span(found.start(), found.end()), wrapped)


def _last(search: re.Pattern, text: str, start: int, end: int):
    """The last match in text[start:end]: looked for in the end first, then in a window four times as long each
    time, so that finding the one before the cursor does not go through every match before it."""
    found, low, width = None, end, 4096
    while found is None and low > start:
        low, width = max(start, low - width), width * 4
        for found in search.finditer(text, low, end):  # noqa: B007 (the last one is wanted)
            pass
    return found


def selection_matches(cursor: QTextCursor, needle: str, match_case: bool) -> bool:
    if not cursor.hasSelection():
        return False
    selected = long_lines.joined_text(cursor) or cursor.selectedText()
    return pattern(needle, match_case).fullmatch(selected.translate(_NO_BREAK_SPACE)) is not None


def replace_all(document: QTextDocument, needle: str, replacement: str, match_case: bool) -> tuple[int, bool]:
    """Replace every match, in one undo step; how many, and whether a line is shown in pieces it was not in."""
    text = DocumentText(document)
    matches = [found.span() for found in pattern(needle, match_case).finditer(text.text)]
    if not matches:
        return 0, False
    grows, long_now = len(replacement) > len(needle), False
    cursor = QTextCursor(document)
    cursor.beginEditBlock()
    try:
        for start, end in reversed(matches):  # from the end: the positions before stay put
            if text.crosses_break(start, end):
                long_now = _replace(cursor, *text.span(start, end), replacement) or long_now
                continue
            # Within one block (nearly every match): the plain edit, as little Python as can be per match.
            start, end = text.span(start, end)
            cursor.setPosition(start)
            cursor.setPosition(end, _KEEP_ANCHOR)
            cursor.insertText(replacement)
            long_now = long_now or (grows and cursor.block().length() - 1 > long_lines.PIECE_CHARS)
        made = _split_long_blocks(document) if long_now else False
    finally:
        cursor.endEditBlock()
    return len(matches), made


def replace_selection(cursor: QTextCursor, replacement: str) -> bool:
    """Replace the cursor's selection (a match) as one undo step; True when a line now shows in pieces."""
    cursor.beginEditBlock()
    try:
        made = _replace(cursor, cursor.selectionStart(), cursor.selectionEnd(), replacement) and \
            long_lines.split(cursor.block())
    finally:
        cursor.endEditBlock()
    return made


def _replace(cursor: QTextCursor, start: int, end: int, replacement: str) -> bool:
    """Put `replacement` at start..end (inside the caller's edit). Across a break between pieces, each piece's
    part is replaced on its own and the break stays: the pieces keep their marks and the line its own end (in
    the last piece's state: desktop/document/textfile.py), which undo would not give back to joined pieces.
    True when the first piece is over long_lines.PIECE_CHARS now."""
    document = cursor.document()
    parts, block = [], document.findBlock(start)
    while block.isValid() and block.position() <= end:
        parts.append((max(start, block.position()), min(end, block.position() + block.length() - 1)))
        block = block.next()
    for number, (part_start, part_end) in reversed(list(enumerate(parts))):
        cursor.setPosition(part_start)
        cursor.setPosition(part_end, _KEEP_ANCHOR)
        cursor.insertText(replacement if number == 0 else "")
    return cursor.block().length() - 1 > long_lines.PIECE_CHARS


def _split_long_blocks(document: QTextDocument) -> bool:
    made, block = False, document.firstBlock()
    while block.isValid():
        following = block.next()
        if block.length() - 1 > long_lines.PIECE_CHARS:
            made = long_lines.split(block) or made
        block = following
    return made


class FindReplaceDialog(QDialog):
    """Find Next, Replace (the match selected, then the next one found) and Replace All, Match case; what
    happened is said in the dialog. Enter finds the next match, Esc closes."""

    def __init__(self, window):
        super().__init__(window)
        self.editor = window.editor
        self.setWindowTitle("Find and Replace")
        self.find_field, self.replace_field = QLineEdit(), QLineEdit()
        self.match_case = QCheckBox("&Match case")
        self.result = QLabel("")
        self.result.setTextFormat(Qt.TextFormat.PlainText)  # the person's words: "<b>" is no markup
        self.result.setWordWrap(True)
        self.find_next_button = QPushButton("Find &Next")
        self.find_previous_button = QPushButton("Find &Previous")
        self.replace_button, self.replace_all_button = QPushButton("&Replace"), QPushButton("Replace &All")
        self._lay_out()
        self.find_next_button.clicked.connect(self.find_next)
        self.find_previous_button.clicked.connect(self.find_previous)
        self.replace_button.clicked.connect(self.replace)
        self.replace_all_button.clicked.connect(self.replace_all)
        self.find_field.textChanged.connect(self._enable_buttons)
        self._enable_buttons()

    def _lay_out(self) -> None:
        form = QFormLayout()
        find_label, replace_label = QLabel("&Find:"), QLabel("Replace &with:")
        find_label.setBuddy(self.find_field)
        replace_label.setBuddy(self.replace_field)
        form.addRow(find_label, self.find_field)
        form.addRow(replace_label, self.replace_field)
        form.addRow("", self.match_case)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        buttons = QVBoxLayout()
        for button in (self.find_next_button, self.find_previous_button, self.replace_button,
                       self.replace_all_button, close):
            button.setAutoDefault(False)  # Enter is Find Next, wherever the keyboard is
            buttons.addWidget(button)
        buttons.addStretch()
        self.find_next_button.setDefault(True)
        fields = QVBoxLayout()
        fields.addLayout(form)
        fields.addWidget(self.result)
        fields.addStretch()
        layout = QHBoxLayout(self)
        layout.addLayout(fields, stretch=1)
        layout.addLayout(buttons)

    def _enable_buttons(self) -> None:
        has_needle = bool(self.find_field.text())
        for button in (self.find_next_button, self.find_previous_button, self.replace_button,
                       self.replace_all_button):
            button.setEnabled(has_needle)

    def present(self) -> None:
        """Shown (again) with the selection as the words to find, if it is a short piece of one line."""
        selected = self.editor.textCursor().selectedText()
        if selected and not _LINE_BREAKS.search(selected) and len(selected) <= 200:
            self.find_field.setText(selected.translate(_NO_BREAK_SPACE))
        self.result.setText("")
        self.show()
        self.raise_()
        self.activateWindow()
        self.find_field.setFocus()
        self.find_field.selectAll()

    def needle(self) -> str:
        """The words to find: one line (a line end pasted into the field is no part of any match)."""
        return _LINE_BREAKS.split(self.find_field.text())[0]

    def find_next(self) -> bool:
        return self._find(backwards=False)

    def find_previous(self) -> bool:
        return self._find(backwards=True)

    def _find(self, backwards: bool) -> bool:
        needle = self.needle()
        if not needle:
            return False
        cursor = self.editor.textCursor()
        found = find(self.editor.document(), needle, self.match_case.isChecked(), cursor.selectionStart(),
                     cursor.selectionEnd(), backwards)
        if found is None:
            self._say(f"“{needle}” is not in the text.")
            return False
        start, end, wrapped = found
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        self.editor.setTextCursor(cursor)
        self.editor.ensureCursorVisible()
        self._say(("Went on from the end of the text." if backwards else "Went on from the start of the text.")
                  if wrapped else "")
        return True

    def replace(self) -> None:
        """The selected match replaced, then the next one selected; with no match selected, the next found."""
        needle, cursor = self.needle(), self.editor.textCursor()
        if not needle or not self._may_edit():
            return
        if selection_matches(cursor, needle, self.match_case.isChecked()):
            if replace_selection(cursor, self.replace_field.text()):
                self.editor.shown_in_pieces.emit()
            self.editor.setTextCursor(cursor)
        self.find_next()

    def replace_all(self) -> int:
        needle = self.needle()
        if not needle or not self._may_edit():
            return 0
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            count, made = replace_all(self.editor.document(), needle, self.replace_field.text(),
                                      self.match_case.isChecked())
        finally:
            QGuiApplication.restoreOverrideCursor()
        if made:
            self.editor.shown_in_pieces.emit()
        self._say(replaced_words(count, needle))
        return count

    def _may_edit(self) -> bool:
        if self.editor.isReadOnly():  # a file still opening (desktop/document/loading.py)
            self._say("The file is still opening; replace once it is open.")
            return False
        return True

    def _say(self, text: str) -> None:
        self.result.setText(text)


def replaced_words(count: int, needle: str) -> str:
    if count == 0:
        return f"“{needle}” is not in the text: nothing was replaced."
    return f"Replaced {count:,} {'match' if count == 1 else 'matches'}."
