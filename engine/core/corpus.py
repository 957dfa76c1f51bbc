"""Readers for training text: plain text files and folders, speaker,text CSVs, chitchat conversations.

Every reader returns documents: a document is a list of (speaker tag, text) messages kept in order,
so a model trained on a conversation sees the message it is answering.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from engine.core.paths import TRAIN_EXTRA
from engine.core.tokenizer import LINE_BREAKS, starts_sentence, tokenize_cased
from engine.core.vocab import BOS, EOS, SPEAKERS

Message = tuple[str, str]  # (speaker tag, text)
Document = list[Message]

TEXT_SUFFIXES = {".txt", ".md", ".text", ".rst"}
SPLITS = ("train", "valid", "test")


class CorpusError(ValueError):
    """Input text that cannot be read; the message names the file and says what to do."""


def flatten(text: str) -> str:
    """The protocol's flattening: every line boundary becomes a space, then strip."""
    return text.translate({ord(ch): " " for ch in LINE_BREAKS}).strip()


def chitchat_split(conversation_id: str) -> str:
    """shared/PROTOCOL.md 1.1: the split is a hash of the conversation id, never a random draw."""
    bucket = int(hashlib.sha1(conversation_id.encode()).hexdigest(), 16) % 100
    return "train" if bucket < 90 else "valid" if bucket < 95 else "test"


def chitchat_path() -> Path:
    try:
        import chitchat_dataset
    except ImportError:
        raise CorpusError(
            f"chitchat: the chitchat-dataset package is not installed; install it with {TRAIN_EXTRA}"
        ) from None
    return Path(chitchat_dataset.__file__).parent / "dataset.json"


def read_chitchat(split: str | None = None, path: str | Path | None = None) -> list[Document]:
    """Conversations in file order; each message tagged <s1>/<s2> by who spoke first."""
    if split is not None and split not in SPLITS:
        raise CorpusError(f"chitchat: unknown split {split!r}; use one of {', '.join(SPLITS)}")
    source = Path(path) if path else chitchat_path()
    try:
        conversations = json.loads(read_utf8(source))
    except json.JSONDecodeError as error:
        raise CorpusError(f"{source}: not valid JSON ({error}); reinstall chitchat-dataset") from None
    documents: list[Document] = []
    for conversation_id, conversation in conversations.items():
        if split is not None and chitchat_split(conversation_id) != split:
            continue
        speakers: dict[str, str] = {}
        document: Document = []
        for turn in conversation["messages"]:
            for message in turn:
                tag = speakers.setdefault(message["sender"], SPEAKERS[min(len(speakers), 1)])
                text = flatten(message["text"])
                if text:
                    document.append((tag, text))
        documents.append(document)
    return documents


def write_chitchat_splits(out_dir: str | Path, path: str | Path | None = None) -> dict[str, Path]:
    """chitchat.{train,valid,test}.txt: one flattened message per line, as the protocol defines."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for split in SPLITS:
        target = out / f"chitchat.{split}.txt"
        lines = (text for document in read_chitchat(split, path) for _, text in document)
        target.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        written[split] = target
    return written


def read_utf8(path: Path) -> str:
    """The text of a UTF-8 file; any problem is a CorpusError that names the file and what to do."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CorpusError(f"{path}: file not found; check the path") from None
    except IsADirectoryError:
        raise CorpusError(f"{path}: is a folder, expected a file") from None
    except PermissionError:
        raise CorpusError(f"{path}: permission denied; check the file's permissions") from None
    except UnicodeDecodeError as error:
        raise CorpusError(
            f"{path}: not UTF-8 text (byte 0x{error.object[error.start]:02x} at offset {error.start}); "
            "save it as UTF-8 and try again"
        ) from None


def text_files(path: str | Path) -> list[Path]:
    """The file itself, or every .txt/.md file under a folder, in a fixed order."""
    root = Path(path)
    if root.is_dir():
        files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES)
        if not files:
            raise CorpusError(f"{root}: folder has no .txt or .md files to learn from")
        return files
    if root.exists():
        return [root]
    raise CorpusError(f"{root}: file not found; check the path")


def read_text(path: str | Path) -> list[Document]:
    """A text file, or every .txt/.md file under a folder; each non-empty line is one message."""
    documents = []
    for file in text_files(path):
        lines = [flatten(line) for line in read_utf8(file).splitlines()]
        documents.append([(SPEAKERS[0], line) for line in lines if line])
    return documents


def read_speaker_csv(path: str | Path, text: str | None = None) -> list[Document]:
    """A CSV with `speaker,text` columns; the first speaker seen is <s1>, everyone else <s2>.
    text: the file's text, when the caller has read it already."""
    source = Path(path)
    text = read_utf8(source) if text is None else text
    # Without the BOM that Excel writes ("\ufeffspeaker" is no `speaker` column), and split only where the
    # csv module splits rows: str.splitlines() also splits at \x85 or \u2028 inside a message, which lost
    # the rest of it.
    return speaker_rows(source, io.StringIO(text.removeprefix("\ufeff"), newline=""))


def speaker_rows(source: Path, lines: Iterable[str]) -> list[Document]:
    """read_speaker_csv's document from the CSV's lines, each with its line end (split only at \\r, \\n, \\r\\n,
    as a file opened with newline=""): a reader may hand them over as it reads, not the whole text at once."""
    rows = csv.DictReader(lines)
    speakers: dict[str, str] = {}
    document: Document = []
    try:
        columns = {name.strip().lower() for name in rows.fieldnames or []}  # reads the header: may raise too
        if not {"speaker", "text"} <= columns:
            found = ", ".join(rows.fieldnames or []) or "no header"
            raise CorpusError(f"{source}: CSV needs 'speaker' and 'text' columns (found: {found})")
        for row in rows:
            row = {(key or "").strip().lower(): value if isinstance(value, str) else "" for key, value in row.items()}
            message = flatten(row["text"])
            if message:
                tag = speakers.setdefault(row["speaker"].strip(), SPEAKERS[min(len(speakers), 1)])
                document.append((tag, message))
    except csv.Error as error:
        # rows.reader's count: the DictReader's own is that of the last row read whole, one line short here
        raise CorpusError(f"{source}: not a readable CSV (line {rows.reader.line_num}: {error}); "
                          "save it as comma-separated UTF-8 text") from None
    return [document]


def load_corpus(spec: str) -> list[Document]:
    """`chitchat:train` (or valid/test), a .csv of speaker,text, or a text file or folder."""
    if spec.startswith("chitchat"):
        _, _, split = spec.partition(":")
        return read_chitchat(split or "train")
    if spec.lower().endswith(".csv"):
        return read_speaker_csv(spec)
    return read_text(spec)


def source_fingerprint(spec: str) -> str:
    """A hash of the bytes `load_corpus(spec)` reads (and of the split asked for): it changes when the
    text does. Cheap next to reading the text: the bytes are hashed, not parsed."""
    digest = hashlib.sha256(spec.encode())
    if spec.startswith("chitchat"):
        files = [chitchat_path()]
    elif spec.lower().endswith(".csv"):
        files = [Path(spec)]
    else:
        files = text_files(spec)
    root = Path(spec)
    for file in files:
        try:
            digest.update(str(file.relative_to(root) if root.is_dir() else file.name).encode())
            digest.update(file.read_bytes())
        except OSError as error:
            raise CorpusError(f"{file}: cannot be read ({error.strerror}); check the path") from None
    return digest.hexdigest()[:16]


def message_tokens(speaker: str, cased_tokens: list[str]) -> list[str]:
    """The training layout of one message: `<speaker> <bos> words <eos>`."""
    return [speaker, BOS, *(token.lower() if not token.startswith("<") else token for token in cased_tokens), EOS]


def tokenize_documents(documents: Iterable[Document]) -> tuple[list[str], Counter]:
    """One contiguous token stream, and counts of written forms met inside sentences (for casing)."""
    stream: list[str] = []
    display_counts: Counter = Counter()
    for document in documents:
        for speaker, text in document:
            cased = tokenize_cased(text)
            stream.extend(message_tokens(speaker, cased))
            sentence_start = True
            for token in cased:
                if not sentence_start:
                    display_counts[token] += 1
                sentence_start = starts_sentence(token)
    return stream, display_counts
