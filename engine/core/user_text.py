"""Reading the person's own writing for a fine-tune: whatever they point at, never a traceback.

Files and folders (searched recursively, in name order) of `.txt`, `.md` and `.csv`; every other file,
a binary one, one that is not UTF-8 or one that cannot be read is skipped and named once, with why.
A text file gives one line per non-empty line; a CSV its `text` column (with `speaker` when there is one).
The lines keep their order, file by file: the last part of what the person wrote is held out for the proof.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from engine.core.corpus import CorpusError, Document, flatten, read_speaker_csv
from engine.core.vocab import SPEAKERS

SUFFIXES = {".txt", ".md", ".markdown", ".csv", ".text"}


@dataclass
class UserText:
    documents: list[Document] = field(default_factory=list)  # one per file, lines in order
    files: list[Path] = field(default_factory=list)  # the files read
    skipped: list[tuple[Path, str]] = field(default_factory=list)  # (file, why), each once

    @property
    def lines(self) -> list[str]:
        return [text for document in self.documents for _, text in document]


def _candidates(path: Path, text: UserText) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and not any(part.startswith(".") for part in
                                                                            p.relative_to(path).parts))
    if path.is_file():
        return [path]
    text.skipped.append((path, "not found"))
    return []


def _read_file(path: Path) -> Document:
    """One file's lines; CorpusError (with why) for one that is not readable text."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise CorpusError(f"cannot be read ({error.strerror})") from None
    if b"\x00" in raw[:8192]:
        raise CorpusError("binary, not text")
    try:
        decoded = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CorpusError(f"not UTF-8 (byte 0x{raw[error.start]:02x} at offset {error.start}); save it as UTF-8 "
                          "to learn from it") from None
    if path.suffix.lower() == ".csv":
        return _read_csv(path, decoded)  # the text read here, not the file again: its BOM is gone
    return [(SPEAKERS[0], line) for line in (flatten(line) for line in decoded.splitlines()) if line]


def _read_csv(path: Path, text: str) -> Document:
    try:
        documents = read_speaker_csv(path, text)
    except CorpusError as error:
        raise CorpusError(str(error).removeprefix(f"{path}: ")) from None
    return documents[0]


def read_user_text(paths: list[str | Path]) -> UserText:
    """Every readable text under `paths`, in order; what could not be read is in `skipped`."""
    text = UserText()
    seen: set[Path] = set()
    for given in paths:
        for file in _candidates(Path(given), text):
            resolved = file.resolve()
            if resolved in seen:
                continue
            seen.add(resolved)
            if file.suffix.lower() not in SUFFIXES:
                text.skipped.append((file, f"not a .txt, .md or .csv file ({file.suffix or 'no suffix'})"))
                continue
            try:
                document = _read_file(file)
            except CorpusError as error:
                text.skipped.append((file, str(error)))
                continue
            if document:
                text.documents.append(document)
                text.files.append(file)
    return text


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
