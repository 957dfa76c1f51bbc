"""A run folder's data: the vocabulary and the encoded train/valid token streams, built once and reused.

Beside them, data.json records what they were built from: the sources and a hash of their bytes,
and how the vocabulary was made (minimum count and size, or the checkpoint it came from). A run
folder is reused only for the same data; training into a folder built from other data is refused,
instead of silently training on old ids while run.json names the new data. Torch-free.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.core import characters
from engine.core.atomic import write_text_atomically
from engine.core.corpus import CorpusError, load_corpus, source_fingerprint, tokenize_documents
from engine.core.vocab import Vocab

VOCAB_FILE, TRAIN_FILE, VALID_FILE, RECORD_FILE = "vocab.json", "train_ids.npy", "valid_ids.npy", "data.json"
WORDS_FILE = "words.json"  # a character model's run: the word vocabulary beside its characters (VOCAB_FILE)
RECORD_FORMAT = "nextword-run-data"
NEW_FOLDER = "use a new --out-dir, or the same --data, --valid, --min-count and --max-vocab as before"


def hash_ids(ids: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(ids, dtype=np.int32).tobytes()).hexdigest()[:16]


@dataclass
class RunData:
    vocab: Vocab  # what the ids index: words, or characters for a character model
    train_ids: np.ndarray
    valid_ids: np.ndarray
    words: Vocab | None = None  # a character model's word vocabulary (engine/core/characters.py)
    hashes: dict = field(init=False)  # what a checkpoint records of its data

    def __post_init__(self) -> None:
        self.hashes = {"train": hash_ids(self.train_ids), "valid": hash_ids(self.valid_ids),
                       "vocab": self.vocab.content_hash}


def readable_fingerprint(spec: str, unreadable: dict[str, str] | None) -> str | None:
    """The source's fingerprint. Given `unreadable`, a source this machine cannot read (a run folder moved
    to a machine without its text, such as a GPU machine without chitchat-dataset) gives None, and why
    goes into `unreadable`; without it, the CorpusError is raised."""
    try:
        return source_fingerprint(spec)
    except CorpusError as error:
        if unreadable is None:
            raise
        unreadable[spec] = str(error)
        return None


def recipe(config, vocab: Vocab | None, unreadable: dict[str, str] | None = None) -> dict:
    """What the encoded data is built from: sources, their bytes, and how the vocabulary is made.
    With `unreadable`, a source this machine cannot read has None for its bytes (readable_fingerprint)."""
    how = {"from": config.init_from} if config.init_from else {"min_count": config.min_count,
                                                               "max_vocab": config.max_vocab}
    if config.model.arch == "char-lstm":
        how["units"] = "characters"
    specs = dict.fromkeys([*config.train_data, *config.valid_data])
    return {"train_data": list(config.train_data), "valid_data": list(config.valid_data),
            "sources": {spec: readable_fingerprint(spec, unreadable) for spec in specs}, "vocabulary": how,
            **({"vocab_hash": vocab.content_hash} if vocab is not None else {})}


def differences(recorded: dict, wanted: dict) -> list[str]:
    """What differs between a folder's record and what this run asks for ("" when it fits)."""
    found = []
    for key in ("train_data", "valid_data", "sources", "vocabulary", "vocab_hash"):
        if key in wanted and not _same(key, recorded.get(key), wanted[key]):
            found.append(f"{key} was {recorded.get(key)}, now {wanted[key]}")
    return found


def _same(key: str, recorded, wanted) -> bool:
    """Equal, except that a source that cannot be read here (None) matches whatever was recorded for it."""
    if key != "sources" or not isinstance(recorded, dict):
        return recorded == wanted
    return set(recorded) == set(wanted) and all(wanted[spec] in (None, recorded[spec]) for spec in wanted)


def prepare_data(config, out: Path, log=print, vocab: Vocab | None = None) -> RunData:
    """The run folder's vocabulary and encoded streams: reused when built from the same data, copied
    from the --init-from run when that run encoded the same text with the same vocabulary, else built.

    A given vocabulary (fine-tuning) is used as it is instead of one built from the text.
    """
    unreadable: dict[str, str] = {}
    wanted = recipe(config, vocab, unreadable)
    data = None
    if (out / TRAIN_FILE).exists() or (out / RECORD_FILE).exists():
        data = _reuse(out, wanted)
    elif vocab is not None and config.init_from:
        data = _copy_from(Path(config.init_from).parent, out, wanted, log)
    if data is None:  # a new folder: built from the text, so every source must be readable (raises why not)
        return _build(config, out, recipe(config, vocab) if unreadable else wanted, vocab, log)
    for spec, why in unreadable.items():
        log(f"{spec} cannot be read here ({why}); training on the encoded data recorded from it")
    return data


def _read_record(folder: Path) -> dict | None:
    try:
        record = json.loads((folder / RECORD_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and record.get("format") == RECORD_FORMAT else None


def _load(folder: Path) -> RunData:
    words = Vocab.load(folder / WORDS_FILE) if (folder / WORDS_FILE).exists() else None
    return RunData(Vocab.load(folder / VOCAB_FILE), np.load(folder / TRAIN_FILE), np.load(folder / VALID_FILE), words)


def _reuse(out: Path, wanted: dict) -> RunData:
    record = _read_record(out)
    if record is None:
        raise CorpusError(f"{out / RECORD_FILE}: this run folder holds encoded data but no readable record of "
                          f"what it was built from; {NEW_FOLDER}")
    found = differences(record, wanted)
    if found:
        raise CorpusError(f"{out}: this run folder's data was built from other data ({'; '.join(found)}); "
                          f"{NEW_FOLDER}")
    try:
        data = _load(out)
    except (OSError, ValueError) as error:
        raise CorpusError(f"{out}: the encoded data cannot be read ({error}); {NEW_FOLDER}") from None
    if data.hashes["train"] != record.get("train_ids") or data.hashes["valid"] != record.get("valid_ids"):
        raise CorpusError(f"{out}: the encoded data does not match {RECORD_FILE} (changed or cut short); {NEW_FOLDER}")
    return data


def _copy_from(source: Path, out: Path, wanted: dict, log) -> RunData | None:
    """The --init-from run's encoded data, when it was built from the same text into the same vocabulary."""
    record = _read_record(source)
    if record is None or differences(record, {**wanted, "vocabulary": record.get("vocabulary")}):
        return None
    # A source unreadable here keeps the fingerprint it was recorded with, so the record stays whole.
    sources = {spec: found or record["sources"][spec] for spec, found in wanted["sources"].items()}
    wanted = {**wanted, "sources": sources}
    out.mkdir(parents=True, exist_ok=True)
    for name in (VOCAB_FILE, TRAIN_FILE, VALID_FILE, WORDS_FILE):
        if (source / name).exists():
            shutil.copy2(source / name, out / name)
    log(f"reusing the encoded data of {source}")
    return _write_record(out, _load(out), wanted)


def _build(config, out: Path, wanted: dict, vocab: Vocab | None, log) -> RunData:
    log(f"reading {', '.join(config.train_data)}")
    train_docs = [doc for spec in config.train_data for doc in load_corpus(spec)]
    valid_docs = [doc for spec in config.valid_data for doc in load_corpus(spec)]
    if not valid_docs:  # no validation text given: hold out the last documents (or lines) of training
        if len(train_docs) >= 20:
            cut = max(1, len(train_docs) // 20)
            train_docs, valid_docs = train_docs[:-cut], train_docs[-cut:]
        else:
            merged = [message for doc in train_docs for message in doc]
            cut = max(1, len(merged) // 20)
            train_docs, valid_docs = [merged[:-cut]], [merged[-cut:]]
    train_tokens, display_counts = tokenize_documents(train_docs)
    valid_tokens, _ = tokenize_documents(valid_docs)
    needed = 2 * config.batch_size * config.seq_len
    if len(train_tokens) < needed:
        raise CorpusError(f"{', '.join(config.train_data)}: only {len(train_tokens)} tokens of training text; "
                          f"add more text or lower --batch-size/--seq-len (need at least {needed})")
    if vocab is None:
        vocab = Vocab.build(Counter(train_tokens), config.min_count, config.max_vocab, display_counts)
    if config.model.arch == "char-lstm":
        data = _spelled(train_tokens, valid_tokens, vocab, config.min_count, log)
    else:
        data = RunData(vocab, np.asarray(vocab.encode(train_tokens), dtype=np.int32),
                       np.asarray(vocab.encode(valid_tokens), dtype=np.int32))
    out.mkdir(parents=True, exist_ok=True)
    if data.words is not None:
        data.words.save(out / WORDS_FILE)
    data.vocab.save(out / VOCAB_FILE)
    np.save(out / TRAIN_FILE, data.train_ids)
    np.save(out / VALID_FILE, data.valid_ids)
    return _write_record(out, data, wanted)


def _spelled(train_tokens: list[str], valid_tokens: list[str], words: Vocab, min_count: int, log) -> RunData:
    """A character model's data: the same tokens spelled out (engine/core/characters.py), and the words."""
    letters = characters.build_characters(train_tokens, min_count)
    log(f"{len(letters):,} characters")
    return RunData(letters, np.asarray(characters.encode(train_tokens, letters), dtype=np.int32),
                   np.asarray(characters.encode(valid_tokens, letters), dtype=np.int32), words)


def _write_record(out: Path, data: RunData, wanted: dict) -> RunData:
    """data.json, written last: a folder with a record has all its data."""
    record = {"format": RECORD_FORMAT, "version": 1, **wanted, "vocab_hash": data.vocab.content_hash,
              "train_ids": data.hashes["train"], "valid_ids": data.hashes["valid"]}
    write_text_atomically(out / RECORD_FILE, json.dumps(record, indent=2) + "\n")
    return data
