"""Very long lines held in pieces, so that typing in one stays as fast as in a short one; the file keeps them whole.

Qt lays out a paragraph (a QTextBlock) whole each time it changes. Measured in a bare QPlainTextEdit (800×600,
offscreen), a key typed at the end of a 1 MB line took 0.25 s with word wrap, 0.25 s wrapping anywhere and
0.42 s without wrapping; in a 10,000-character line, 3 ms. No wrap mode helps: the cost is the block's length.
(In the window, a 2 MB line cost 0.9 s a key and a 20 MB file 12 s to open: bench/big_text.py --one-line.)

So a line longer than PIECE_CHARS is held as several blocks, cut after a space where there is one. Each block
after the first of a line carries CONTINUES in its block format: the break before it is not in the text. Qt's
undo and redo keep block formats (block states and user data they do not), so an undone or redone paste keeps
its pieces, and an undone deletion its breaks.

Only the editor sees the pieces. Saving and the autosave join them (desktop/document/textfile.py), so do copying and
dragging (joined_text), and the predictor reads across a break (SuggestingEditor.left_text). With word wrap
on, pieces look like wrapped lines; with it off, each piece shows as a line of its own, which the status bar
says (once a window). Backspace at a piece's start and Delete at its end take the character beyond the
break, as they would in one line (the pieces join); Enter inside a piece ends the line there.

Left and Right step over a break as over the space between two characters of a line (step_over_break). What a
piece does not do as a line would: Find does not find a phrase that a cut splits (cuts are after spaces, so a
word is found), and Up and Down move by pieces where word wrap is off.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextBlock, QTextCursor, QTextDocument, QTextDocumentFragment, QTextFormat

PIECE_CHARS = 10_000  # a key typed in a block this long costs Qt about 3 ms of layout
CUT_SEARCH = 1_000  # a cut goes after the last space within this many characters of a piece's end
CONTINUES = QTextFormat.Property.UserProperty + 1  # a block format property: the break before it is not text
NOTE = (f"Lines longer than {PIECE_CHARS:,} characters are shown in pieces, so that typing stays fast; "
        "saving keeps every line whole")
_BLOCK_BREAK = re.compile("\r\n|[\r\n\u2029\ufdd0\ufdd1]")  # where Qt starts a new block (textfile.SPLIT)
_PLAIN = str.maketrans({"\u2029": "\n", "\u2028": "\n", "\ufdd0": "\n", "\ufdd1": "\n", "\u00a0": " "})


# Cutting text into pieces
def cuts(line: str) -> list[int]:
    """Where the pieces of `line` after the first start (indices into it): as few pieces as PIECE_CHARS allows,
    of about equal length (a line a little too long makes two halves, not a full piece and a scrap), each
    cut after the last space near its place, else between two characters a person sees as two."""
    found, start = [], 0
    size = -(-len(line) // -(-len(line) // PIECE_CHARS)) if line else 0
    while len(line) - start > PIECE_CHARS:
        end = start + size
        space = line.rfind(" ", max(start + 1, end - CUT_SEARCH), end)
        cut = space + 1 if space >= 0 else _between_characters(line, end, start)
        found.append(cut)
        start = cut
    return found


def _between_characters(line: str, cut: int, start: int) -> int:
    """`cut`, or a little before it, so that no accent, joiner or variation selector starts a piece."""
    for _ in range(32):
        if cut - 1 <= start or not (unicodedata.category(line[cut]) in ("Mn", "Mc", "Me", "Cf")
                                    or line[cut - 1] == "\u200d"):
            break
        cut -= 1
    return cut


def rows(lines: list[str]) -> tuple[list[str], list[int]]:
    """The blocks that show `lines`: each line, a long one in pieces; and, in order, the numbers of the rows
    that continue the row before them."""
    if max(map(len, lines), default=0) <= PIECE_CHARS:
        return lines, []
    shown, continuing = [], []
    for line in lines:
        start = 0
        for cut in cuts(line):
            shown.append(line[start:cut])
            continuing.append(len(shown))  # the row appended next
            start = cut
        shown.append(line[start:])
    return shown, continuing


def numbers_between(continuing: list[int], first: int, end: int) -> list[int]:
    """The numbers of `continuing` (sorted) from first up to end, end excluded."""
    return continuing[bisect_left(continuing, first):bisect_left(continuing, end)]


# Marks in the document
def continues(block: QTextBlock) -> bool:
    """The break before this block is not in the text: it continues the line of the block before."""
    return block.isValid() and block.blockFormat().boolProperty(CONTINUES)


def marked_formats(document: QTextDocument) -> set[int]:
    """The indices of the document's block formats that carry CONTINUES (compare with block.blockFormatIndex()).
    Empty for a document that has never had a piece since its text was last set (setPlainText drops formats)."""
    return {index for index, text_format in enumerate(document.allFormats()) if text_format.boolProperty(CONTINUES)}


def has_pieces(document: QTextDocument) -> bool:
    return bool(marked_formats(document))


def mark(document: QTextDocument, numbers: list[int], offset: int = 0) -> None:
    """Mark the blocks numbered offset + each of `numbers` as continuing the block before. One edit: Qt lays
    out once, not once per block (a block's format change lays it out again)."""
    if not numbers:
        return
    cursor = QTextCursor(document)
    cursor.beginEditBlock()
    for number in numbers:
        block = document.findBlockByNumber(offset + number)
        cursor.setPosition(block.position())
        cursor.setBlockFormat(_with_mark(block, True))
    cursor.endEditBlock()


def _with_mark(block: QTextBlock, marked: bool):
    block_format = block.blockFormat()
    if marked:
        block_format.setProperty(CONTINUES, True)
    else:
        block_format.clearProperty(CONTINUES)
    return block_format


def mark_without_undo(document: QTextDocument, numbers: list[int]) -> None:
    """`mark` for text just put in (a file opened): the marks are no step to undo. Turning undo off and on
    empties the undo history, as putting text in did already."""
    if numbers:
        undoing = document.isUndoRedoEnabled()
        document.setUndoRedoEnabled(False)
        mark(document, numbers)
        document.setUndoRedoEnabled(undoing)


# Editing
def may_need_pieces(cursor: QTextCursor, text: str) -> bool:
    """Whether putting `text` in place of the cursor's selection could leave a block over PIECE_CHARS long."""
    document = cursor.document()
    touched = document.findBlock(cursor.selectionStart()).length() + document.findBlock(cursor.selectionEnd()).length()
    return touched + len(text) > PIECE_CHARS


def insert(cursor: QTextCursor, text: str) -> bool:
    """Put `text` in place of the cursor's selection as one undo step, as Qt's paste does, each line it makes
    over PIECE_CHARS long in pieces. The cursor ends after the text. True when pieces were made."""
    document = cursor.document()
    shown, continuing = rows(_BLOCK_BREAK.split(text))
    cursor.beginEditBlock()
    first = document.findBlock(cursor.selectionStart()).blockNumber()
    cursor.insertFragment(QTextDocumentFragment.fromPlainText("\n".join(shown)))  # new blocks: unmarked formats
    mark(document, continuing, first)
    # Where the text met what was there, the joined line may be long: cut it too. The cursor follows its text.
    made = split(document.findBlockByNumber(first))
    made = split(cursor.block()) or made
    cursor.endEditBlock()
    return bool(continuing) or made


def split(block: QTextBlock) -> bool:
    """Cut a block over PIECE_CHARS long into pieces (inside the caller's edit). The line's end stays after its
    last piece: the block's state (its own line end, desktop/document/textfile.py) moves there. True if it was cut."""
    text = block.text()
    found = cuts(text)
    if not found:
        return False
    state, start = block.userState(), block.position()
    block.setUserState(-1)
    cursor, marked = QTextCursor(block), _with_mark(block, True)
    positions, offset, previous = [], start, 0
    for cut in found:  # Qt counts UTF-16 units; an emoji is two
        offset += len(text[previous:cut].encode("utf-16-le")) // 2
        positions.append(offset)
        previous = cut
    for position in reversed(positions):  # from the end: the positions before stay put
        cursor.setPosition(position)
        cursor.insertBlock(marked)  # the new block, after the cut, gets the mark; the one before keeps its format
    block.document().findBlock(positions[-1] + len(positions)).setUserState(state)
    return True


def after_line_break(cursor: QTextCursor) -> None:
    """Enter typed inside a piece: Qt gives the new block the piece's format, mark included, but the break the
    person typed is text. The block after it continues nothing (in Enter's undo step)."""
    block = cursor.block()
    if cursor.positionInBlock() == 0 and continues(block):
        edit = QTextCursor(block)
        edit.joinPreviousEditBlock()
        edit.setBlockFormat(_with_mark(block, False))
        edit.endEditBlock()


def across_break(cursor: QTextCursor, backwards: bool) -> QTextCursor | None:
    """For Backspace (`backwards`) at a piece's start or Delete at its end: a selection of the break and the
    character beyond it, which the key then removes as it would that character in one line (the pieces join).
    None where the cursor is at no break."""
    if cursor.hasSelection():
        return None
    block = cursor.block()
    if backwards and cursor.positionInBlock() == 0 and continues(block) and block.previous().length() > 1:
        reach = QTextCursor(block.previous())
        reach.movePosition(QTextCursor.MoveOperation.EndOfBlock)
        reach.movePosition(QTextCursor.MoveOperation.PreviousCharacter)
        return _selection(block.position(), reach.position(), block)
    following = block.next()
    if not backwards and cursor.atBlockEnd() and continues(following) and following.length() > 1:
        reach = QTextCursor(following)
        reach.movePosition(QTextCursor.MoveOperation.NextCharacter)
        return _selection(cursor.position(), reach.position(), block)
    return None


def step_over_break(cursor: QTextCursor, backwards: bool, keep_anchor: bool) -> QTextCursor | None:
    """For Left (`backwards`) at a piece's start or Right at its end, in left-to-right text: the cursor one
    character beyond the break, as one key moves it in one line (the break is a position, not a character).
    None where the cursor is at no break, or the piece beyond it is empty."""
    block = cursor.block()
    if block.textDirection() != Qt.LayoutDirection.LeftToRight:
        return None  # in right-to-left text Left goes forwards: Qt's own moves are right there
    if backwards and cursor.positionInBlock() == 0 and continues(block) and block.previous().length() > 1:
        target = block.position() - 2  # before the last character of the piece before
    elif not backwards and cursor.atBlockEnd() and continues(block.next()) and block.next().length() > 1:
        target = block.next().position() + 1  # after the first character of the next piece
    else:
        return None
    moved = QTextCursor(cursor)
    moved.setPosition(target, QTextCursor.MoveMode.KeepAnchor if keep_anchor else QTextCursor.MoveMode.MoveAnchor)
    return moved


def _selection(anchor: int, position: int, block: QTextBlock) -> QTextCursor:
    selection = QTextCursor(block)
    selection.setPosition(anchor)
    selection.setPosition(position, QTextCursor.MoveMode.KeepAnchor)
    return selection


# Reading
def joined_text(cursor: QTextCursor) -> str | None:
    """The selection as the file has it, as Qt's copy gives text (line breaks as \\n, no-break spaces as
    spaces), its pieces joined; None when it crosses no break between pieces (Qt's own copy is right)."""
    document = cursor.document()
    marked = marked_formats(document)
    start, end = cursor.selectionStart(), cursor.selectionEnd()
    block, last = document.findBlock(start), document.findBlock(end)
    if not marked or block == last:
        return None
    parts, crossed, part = [], False, QTextCursor(document)
    while block.isValid():
        part.setPosition(max(start, block.position()))
        part.setPosition(min(end, block.position() + block.length() - 1), QTextCursor.MoveMode.KeepAnchor)
        parts.append(part.selectedText())
        if block == last:
            break
        block = block.next()
        soft = block.blockFormatIndex() in marked
        crossed = crossed or soft
        parts.append("" if soft else "\n")
    return "".join(parts).translate(_PLAIN) if crossed else None
