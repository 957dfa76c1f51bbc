"""Reading the person's own writing for a fine-tune: whatever they point at, never a traceback, never a hang.

Files and folders (searched recursively, in name order) of `.txt`, `.md` and `.csv`; every other file,
a binary one, one that is not UTF-8 or one that cannot be read is skipped and named once, with why.
A text file gives one line per non-empty line; a CSV its `text` column (with `speaker` when there is one).
The lines keep their order, file by file: the last part of what the person wrote is held out for the proof.

Both `nextword finetune` and the editor's Learn from My Writing read through read_user_text, so what is
bounded here is bounded for both:
- only regular files are opened (never a FIFO, which would block, nor a device such as /dev/zero, which never
  ends), and a symbolic link that loops or leads nowhere is named, not followed for ever;
- a file is read a chunk at a time, never whole: a file over MAX_FILE_BYTES, or one that holds a NUL byte
  (looked for in blocks sampled across the whole file first, then in every chunk read) is refused before
  much of it is held, so a sparse 2 GB "notes.txt" costs a few reads, not 8 GB of memory;
- a line longer than MAX_LINE_CHARS is cut into several at whitespace (split_long_line), so no line of the
  person's text is ever longer than that when it is tokenized or taught to the personal cache.
"""

from __future__ import annotations

import codecs
import errno
import io
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from engine.core.corpus import CorpusError, Document, flatten, speaker_rows
from engine.core.tokenizer import LINE_BREAKS, shorten_runs, split_at_spaces
from engine.core.vocab import SPEAKERS

SUFFIXES = {".txt", ".md", ".markdown", ".csv", ".text"}
# Far more than anyone writes (a novel is about 1 MB); a file this big is a log or an export, and holding its
# lines (about four times its size in memory) would crowd out the editor.
MAX_FILE_BYTES = 256 * 2**20
MAX_TOTAL_BYTES = 512 * 2**20  # of one run's files together; the files after are named, not read
# Read and decoded at a time: a few milliseconds of work, so the editor's reading thread can pause between two
# (desktop/core/file_reader.py) and the prediction thread never waits long for the interpreter.
CHUNK_BYTES = 64 * 2**10
SAMPLED_BLOCKS, SAMPLE_BYTES = 16, 4096  # looked at across a file for NUL bytes before it is read
# A line longer than this is cut at whitespace into several (a few typed paragraphs' worth): what is learned
# from each piece is the same, and no line can make tokenizing or teaching one line take long.
MAX_LINE_CHARS = 2000
CSV_PENDING_CHARS = 2**20  # a CSV "line" longer than this goes to the csv module as is: it refuses the field
_KINDS = {stat.S_IFIFO: "a named pipe (FIFO)", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
          stat.S_IFSOCK: "a socket"}


@dataclass
class UserText:
    documents: list[Document] = field(default_factory=list)  # one per file, lines in order
    files: list[Path] = field(default_factory=list)  # the files read
    skipped: list[tuple[Path, str]] = field(default_factory=list)  # (file, why), each once
    bytes_read: int = 0

    @property
    def lines(self) -> list[str]:
        return [text for document in self.documents for _, text in document]


class Stopped(Exception):
    """Reading was asked to stop (the editor is closing)."""


def split_long_line(line: str, limit: int = MAX_LINE_CHARS) -> list[str]:
    """The one place a long line is cut: pieces of at most `limit` characters, cut at whitespace where there is
    some (a run of one character is shortened first: it tokenizes the same, see tokenizer.KEPT_RUN)."""
    if len(line) <= limit:
        return [line]
    return split_at_spaces(shorten_runs(line), limit)


def read_user_text(paths: list[str | Path], stop: Callable[[], bool] = lambda: False) -> UserText:
    """Every readable text under `paths`, in order; what could not be read is in `skipped`.
    stop: asked between chunks; when it says so, Stopped is raised (nothing read is wanted any more)."""
    text = UserText()
    seen: set = set()
    for given in paths:
        for file in _candidates(Path(given), text):
            identity = _identity(file)
            if identity in seen:
                continue
            seen.add(identity)
            _read_one(file, text, stop)
    return text


def _read_one(file: Path, text: UserText, stop: Callable[[], bool]) -> None:
    if file.suffix.lower() not in SUFFIXES:
        text.skipped.append((file, f"not a .txt, .md or .csv file ({file.suffix or 'no suffix'})"))
        return
    try:
        document, size = _read_file(file, MAX_TOTAL_BYTES - text.bytes_read, stop)
    except CorpusError as error:
        text.skipped.append((file, str(error)))
        return
    except MemoryError:  # the rest may well fit: this file is named and the others are read
        text.skipped.append((file, "too big to learn from with the memory free here; learn from a part of it"))
        return
    text.bytes_read += size
    if document:
        text.documents.append(document)
        text.files.append(file)


def _identity(file: Path):
    """The same file reached twice (named twice, or by a link) is read once."""
    try:
        status = os.stat(file)
    except (OSError, ValueError):
        return os.path.abspath(file)
    return status.st_dev, status.st_ino


# Finding the files
def _candidates(path: Path, text: UserText) -> list[Path]:
    """The file named, or every file under the folder named (hidden ones left out), in name order. Whatever is
    not a folder is a candidate here, pipes and broken links too: reading it says why it is skipped."""
    try:
        status = os.stat(path)
    except (OSError, ValueError) as error:
        text.skipped.append((path, _unreachable(path, error)))
        return []
    if not stat.S_ISDIR(status.st_mode):
        return [path]
    found: list[Path] = []
    # A stack, not recursion: a folder nested a few thousand deep would raise RecursionError. Each folder is
    # walked once: a link back up would be walked for ever, and links to links again and again.
    folders, walked = [path], {(status.st_dev, status.st_ino)}
    while folders:
        for entry, entry_status in _entries(folders.pop(), text):
            if entry_status is None or not stat.S_ISDIR(entry_status.st_mode):
                found.append(entry)  # a file, or a broken or looping link: reading it says why it is skipped
            elif (entry_status.st_dev, entry_status.st_ino) in walked:
                text.skipped.append((entry, "a link to a folder already being read (it would be read again, or "
                                            "for ever); skipped"))
            else:
                walked.add((entry_status.st_dev, entry_status.st_ino))
                folders.append(entry)
    return sorted(found)


def _entries(folder: Path, text: UserText) -> list[tuple[Path, os.stat_result | None]]:
    """What the folder holds (hidden entries left out), each with its os.stat (links followed), or None where
    that fails; a folder that cannot be listed is named."""
    try:
        with os.scandir(folder) as listing:
            names = [entry.name for entry in listing if not entry.name.startswith(".")]  # hidden: not their writing
    except OSError as error:
        text.skipped.append((folder, f"folder cannot be read ({error.strerror or error}); check its permissions"))
        return []
    entries = []
    for name in names:
        try:
            entries.append((folder / name, os.stat(folder / name)))
        except (OSError, ValueError):
            entries.append((folder / name, None))
    return entries


def _unreachable(path: Path, error: Exception) -> str:
    """Why os.stat failed, in the person's terms."""
    code = getattr(error, "errno", None)
    if code == errno.ELOOP:
        return "a symbolic link that loops (it leads back to itself); skipped"
    if code == errno.ENOENT and os.path.islink(path):
        return f"a link to {os.readlink(path)!r}, which does not exist; skipped"
    if code == errno.ENOENT:
        return "not found"
    if code in (errno.EACCES, errno.EPERM):
        return "cannot be read (permission denied); check its permissions"
    return f"cannot be read ({getattr(error, 'strerror', None) or error})"


# Reading one file
def _read_file(path: Path, budget: int, stop: Callable[[], bool]) -> tuple[Document, int]:
    """One file's lines and its size; CorpusError (with why) for one that is not readable text."""
    fd = _open_regular(path)
    with open(fd, "rb", buffering=0, closefd=True) as raw:
        size = os.fstat(raw.fileno()).st_size
        _refuse_binary(raw, size)
        if size > MAX_FILE_BYTES:
            raise CorpusError(f"larger than {MAX_FILE_BYTES // 2**20} MB ({size / 2**20:,.0f} MB): too big to be "
                              "your own writing; learn from the part you wrote, saved as its own file")
        if size > budget:
            raise CorpusError(f"the files before it already make {MAX_TOTAL_BYTES // 2**20} MB, as much as one "
                              "learning run reads; learn from this one in another run")
        chunks = _decoded_chunks(raw, min(budget, MAX_FILE_BYTES), stop)
        if path.suffix.lower() == ".csv":
            return _read_csv(path, chunks), size
        return [(SPEAKERS[0], line) for line in map(flatten, _text_lines(chunks)) if line], size


def _open_regular(path: Path) -> int:
    """A descriptor of `path` when it is a regular file. Looked at before it is opened (a FIFO would block
    open() until something writes to it), opened without blocking all the same, and looked at again."""
    try:
        kind = _kind(os.stat(path).st_mode)
        if kind is None:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
            kind = _kind(os.fstat(fd).st_mode)
            if kind is None:
                return fd
            os.close(fd)  # replaced by something else since it was looked at
    except (OSError, ValueError) as error:
        raise CorpusError(_unreachable(path, error)) from None
    if os.path.islink(path):
        kind = f"a link to {os.readlink(path)!r}, {kind}"
    raise CorpusError(f"{kind}, not a file of text; only plain files are read")


def _kind(mode: int) -> str | None:
    """None for a regular file; else what it is."""
    if stat.S_ISREG(mode):
        return None
    return "a folder" if stat.S_ISDIR(mode) else _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def _refuse_binary(raw: io.RawIOBase, size: int) -> None:
    """Blocks spread across the whole file, before any is decoded: a NUL in one is a binary file (or a sparse
    one, whose holes read as NULs), refused now rather than after reading up to it."""
    step = max(SAMPLE_BYTES, size // SAMPLED_BLOCKS)
    for offset in [*range(0, size, step), max(0, size - SAMPLE_BYTES)]:
        raw.seek(offset)
        block = raw.read(SAMPLE_BYTES) or b""
        if b"\x00" in block:
            _refuse_nul(offset + block.index(b"\x00"))
    raw.seek(0)


def _refuse_nul(offset: int) -> None:
    raise CorpusError(f"binary, not text (a NUL byte at offset {offset:,}); learn from text files saved as UTF-8")


def _decoded_chunks(raw: io.RawIOBase, limit: int, stop: Callable[[], bool]) -> Iterator[str]:
    """The file's text, CHUNK_BYTES at a time, without its BOM; CorpusError for a NUL byte, bytes that are not
    UTF-8, more than `limit` bytes (a file that grew as it was read), or a read that fails midway."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    offset = 0
    while True:
        if stop():
            raise Stopped()
        try:
            chunk = raw.read(CHUNK_BYTES)
        except OSError as error:
            raise CorpusError(f"could not be read past byte {offset:,} ({error.strerror or error}); skipped") \
                from None
        if not chunk:
            break
        if b"\x00" in chunk:
            _refuse_nul(offset + chunk.index(b"\x00"))
        if offset + len(chunk) > limit:
            raise CorpusError(f"grew past {limit // 2**20} MB while it was read; learn from it once it is finished")
        start = 3 if offset == 0 and chunk.startswith(codecs.BOM_UTF8) else 0
        yield _decode(decoder, chunk[start:], offset + start)
        offset += len(chunk)
    yield _decode(decoder, b"", offset, final=True)


def _decode(decoder, data: bytes, offset: int, final: bool = False) -> str:
    held = len(decoder.getstate()[0])  # the start of a character left from the chunk before
    try:
        return decoder.decode(data, final)
    except UnicodeDecodeError as error:
        at = offset - held + error.start
        raise CorpusError(f"not UTF-8 (byte 0x{error.object[error.start]:02x} at offset {at:,}); save it as UTF-8 "
                          "to learn from it") from None


def _text_lines(chunks: Iterable[str]) -> Iterator[str]:
    """The lines of decoded chunks (at every line boundary str.splitlines knows), none longer than
    MAX_LINE_CHARS: a line that goes on is cut as it comes, so a 20 MB line is never held whole."""
    pending = ""
    for chunk in chunks:
        lines = (pending + chunk).splitlines(keepends=True)
        pending = lines.pop() if lines and lines[-1][-1] not in LINE_BREAKS else ""
        for line in lines:
            yield from split_long_line(line)
        if len(pending) > MAX_LINE_CHARS:
            *done, pending = split_long_line(pending)
            yield from done
    if pending:
        yield from split_long_line(pending)


def _read_csv(path: Path, chunks: Iterable[str]) -> Document:
    try:
        documents = speaker_rows(path, _csv_lines(chunks))
    except CorpusError as error:
        raise CorpusError(str(error).removeprefix(f"{path}: ")) from None
    pieces = ((speaker, piece.strip()) for speaker, message in documents[0] for piece in split_long_line(message))
    return [(speaker, piece) for speaker, piece in pieces if piece]


def _csv_lines(chunks: Iterable[str]) -> Iterator[str]:
    """Lines as a file opened with newline="" gives them (split at \\r, \\n and \\r\\n only: a message may hold
    \\u2028), as the chunks come; a "\\r" that ends a chunk waits for a "\\n" that may begin the next."""
    pending = ""
    for chunk in chunks:
        lines = io.StringIO(pending + chunk, newline="").readlines()
        pending = lines.pop() if lines and (lines[-1][-1] not in "\r\n" or lines[-1][-1] == "\r") else ""
        yield from lines
        if len(pending) > CSV_PENDING_CHARS:  # no line end for a megabyte: the csv module refuses the field
            yield pending
            pending = ""
    if pending:
        yield pending


def split_held_out(documents: list[Document], share: float) -> tuple[list[Document], list[Document]]:
    """(earlier, later): the last `share` of the lines, by words, in order, is the later part."""
    lines = [(speaker, line) for document in documents for speaker, line in document]
    words = [len(line.split()) for _, line in lines]
    total, running, cut = sum(words), 0, len(lines)
    for index, count in enumerate(words):
        if running >= total * (1 - share):
            cut = index
            break
        running += count
    return [lines[:cut]], [lines[cut:]]
