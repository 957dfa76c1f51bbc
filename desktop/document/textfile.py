"""The format of a text file (BOM, line ends) and its bytes to and from the editor's document, so that
opening a file and saving it unchanged gives back exactly the same bytes.

What Qt does to text, measured with PySide6 (QPlainTextEdit.setPlainText, QTextDocument.toRawText):
- \\r\\n, \\r, \\n, U+2029 and the frame marks U+FDD0/U+FDD1 each end a block; none is kept in the text.
- toPlainText() turns U+00A0 into a space and U+2028 into \\n; toRawText() keeps both and writes each
  block break as U+2029, so saving reads toRawText().
- One U+FEFF at the very start of the document is dropped: a BOM is taken off here, and a second one is
  doubled before Qt sees it.
- Shift+Enter inserts U+2028. A file that had none gets the file's line end there instead, as
  toPlainText() used to write; a file that had U+2028 keeps every one.

Each line's own ending is kept in its block's userState (an index into TERMINATORS) only where it is not
the file's dominant one; blocks with state -1 (all blocks of a uniform file, and every new block) get
the dominant ending. A QSyntaxHighlighter would overwrite these states: the editor has none.

A line longer than long_lines.PIECE_CHARS is shown in several blocks (desktop/document/long_lines.py: typing in one
huge block is slow); the breaks between them are no line ends, so its terminator is "" here.

Encodings: UTF-8 first. A file that is not UTF-8 is read as Windows-1252 (Western European: Latin-1 with quotes,
dashes and € where Latin-1 has control codes), or as Latin-1 where it holds one of the five bytes Windows-1252
leaves out; either way each byte is one character and back, so the file saves in its own encoding byte for
byte. A file with a NUL byte is binary, not text (as engine/core/user_text.py refuses one for learning).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from desktop.document import long_lines

BOM = b"\xef\xbb\xbf"
TERMINATORS = ("\n", "\r\n", "\r", "\u2029", "\ufdd0", "\ufdd1")  # a block's userState indexes this
LINE_ENDS = TERMINATORS[:4]  # the ones a person means as line ends; the dominant one is among them
SPLIT = re.compile("(\r\n|\r|\n|\u2029|\ufdd0|\ufdd1)")  # every break Qt makes a new block at
BLOCK_BREAK = "\u2029"  # how toRawText() writes a block break
LINE_SEPARATOR = "\u2028"
UTF8, WINDOWS_1252, LATIN_1 = "utf-8", "cp1252", "latin-1"
ENCODING_NAMES = {UTF8: "UTF-8", WINDOWS_1252: "Western European (Windows-1252)",
                  LATIN_1: "Western European (Latin-1)"}  # what a person is told; the keys are Python's names
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class NotText(ValueError):
    """Bytes that are no text file's: a NUL byte (a binary file), or UTF-16 (its ASCII letters hold NULs)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class TextFormat:
    """How a file writes what the editor does not show: remembered per open document."""

    bom: bool = False
    line_end: str = "\n"  # the dominant one: for new lines, and for every line of a uniform file
    mixed: bool = False  # some lines end otherwise: their block states say how
    keeps_line_separators: bool = False  # the file had U+2028: save U+2028 as it is
    encoding: str = UTF8  # a key of ENCODING_NAMES: the file is saved in the encoding it was read in


@dataclass
class DecodedText:
    lines: list[str]
    terminators: list[str]  # one fewer than lines: the last line never has one
    format: TextFormat


def decode(data: bytes) -> DecodedText:
    """The file's lines: UTF-8 (a BOM taken off and remembered), else Windows-1252 or Latin-1 (see the module's
    docstring). NotText for a binary or UTF-16 file."""
    if b"\0" in data:
        raise NotText("saved as UTF-16" if data.startswith(UTF16_BOMS) else "binary, not text")
    text, encoding = to_text(data)
    bom = encoding == UTF8 and data.startswith(BOM)
    lines, terminators = split_lines(text[1:] if bom else text)
    line_end = dominant(terminators)
    text_format = TextFormat(bom=bom, line_end=line_end, mixed=any(end != line_end for end in terminators),
                             keeps_line_separators=LINE_SEPARATOR in text, encoding=encoding)
    return DecodedText(lines, terminators, text_format)


def to_text(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was read in: every byte kept, none replaced."""
    for encoding in (UTF8, WINDOWS_1252):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            pass
    return data.decode(LATIN_1), LATIN_1  # every byte is a character in Latin-1


def split_lines(text: str, piece: int = 1 << 20) -> tuple[list[str], list[str]]:
    """The lines and the breaks between them, a megabyte at a time: one regex split of a 50 MB text holds
    Python's GIL, and so the GUI thread, for most of a second (desktop/document/loading.py reads on a thread)."""
    lines, terminators, start = [""], [], 0
    while start < len(text):
        cut = text.find("\n", start + piece)  # after a \n: a \r\n is never cut in two
        end = len(text) if cut < 0 else cut + 1
        parts = SPLIT.split(text[start:end])
        lines[-1] += parts[0]  # a piece ends with a break, so this only joins at the very start
        lines += parts[2::2]
        terminators += parts[1::2]
        start = end
    return lines, terminators


def dominant(terminators: list[str]) -> str:
    """The most common line end; \\n when there is none or two are as common."""
    counts = Counter(end for end in terminators if end in LINE_ENDS).most_common(2)
    if not counts or (len(counts) == 2 and counts[0][1] == counts[1][1]):
        return "\n"
    return counts[0][0]


def encode(lines: list[str], terminators: list[str], text_format: TextFormat) -> bytes:
    """The file's bytes in its encoding: each line with its terminator (the last has none), the BOM if it had
    one. UnicodeEncodeError for a character the encoding cannot hold."""
    if not text_format.keeps_line_separators:
        lines = [line.replace(LINE_SEPARATOR, text_format.line_end) for line in lines]
    pieces = [piece for line, end in zip(lines, terminators, strict=False) for piece in (line, end)]
    data = ("".join(pieces) + lines[-1]).encode(text_format.encoding)
    return BOM + data if text_format.bom else data


# The editor's document
def show(document, decoded: DecodedText) -> None:
    """Put the text in a QTextDocument, lines joined by \\n (long ones in pieces), each odd line end in its
    block's state."""
    shown, continuing = long_lines.rows(decoded.lines)
    text = "\n".join(shown)
    # Qt drops a U+FEFF at the start of the document: give it one to drop.
    document.setPlainText("\ufeff" + text if text.startswith("\ufeff") else text)
    long_lines.mark_without_undo(document, continuing)
    mark_line_ends(document, decoded)


def mark_line_ends(document, decoded: DecodedText) -> None:
    """Each block whose line end is not the file's dominant one has it in its state (a long line's last piece)."""
    if decoded.format.mixed:
        line_end, block = decoded.format.line_end, document.firstBlock()
        marked = long_lines.marked_formats(document)
        for end in decoded.terminators:
            while marked and block.next().blockFormatIndex() in marked:
                block = block.next()
            if end != line_end:
                block.setUserState(TERMINATORS.index(end))
            block = block.next()


def file_bytes(document, text_format: TextFormat) -> bytes:
    """The document as the file's bytes (UnicodeEncodeError for text its encoding cannot hold)."""
    lines = document.toRawText().split(BLOCK_BREAK)
    return encode(lines, terminators(document, text_format, len(lines) - 1), text_format)


def uniform(document, text_format: TextFormat) -> bool:
    """Every block break is the file's line end: no line has its own, no long line is in pieces."""
    return not text_format.mixed and not long_lines.has_pieces(document)


def terminators(document, text_format: TextFormat, count: int) -> list[str]:
    """What follows each block: its own line end where its state names one, nothing where the next block is a
    piece of the same line, the dominant line end otherwise."""
    if uniform(document, text_format):
        return [text_format.line_end] * count
    marked, mixed = long_lines.marked_formats(document), text_format.mixed
    ends, block = [], document.firstBlock()
    for _ in range(count):
        following = block.next()
        if following.blockFormatIndex() in marked:
            ends.append("")
        else:
            state = block.userState() if mixed else -1
            ends.append(TERMINATORS[state] if 0 <= state < len(TERMINATORS) else text_format.line_end)
        block = following
    return ends


def whole_lines(lines: list[str], ends: list[str]) -> tuple[list[str], list[str]]:
    """The blocks' texts and what follows each (`terminators`) as the file's lines and line ends: the pieces of
    a long line joined."""
    if "" not in ends:
        return lines, ends
    joined, joined_ends, current = [], [], [lines[0]]
    for line, end in zip(lines[1:], ends, strict=True):
        if end:
            joined.append("".join(current))
            joined_ends.append(end)
            current = [line]
        else:
            current.append(line)
    return [*joined, "".join(current)], joined_ends
