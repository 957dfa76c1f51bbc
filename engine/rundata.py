"""A run folder's data: the vocabulary and the encoded train/valid token streams, built once and reused.

Torch-free, so tools that only read a run (evaluation, releases) need not load torch for it.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import numpy as np

from engine.corpus import CorpusError, load_corpus, tokenize_documents
from engine.vocab import Vocab


def hash_ids(ids: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(ids, dtype=np.int32).tobytes()).hexdigest()[:16]


def prepare_data(config, out: Path, log=print,
                 vocab: Vocab | None = None) -> tuple[Vocab, np.ndarray, np.ndarray]:
    """Build (or reuse) the vocabulary and the encoded train/valid streams in the run folder.

    A given vocabulary (fine-tuning) is used as it is instead of one built from the text.
    """
    vocab_path, train_path, valid_path = out / "vocab.json", out / "train_ids.npy", out / "valid_ids.npy"
    if vocab_path.exists() and train_path.exists() and valid_path.exists():
        saved = Vocab.load(vocab_path)
        if vocab is not None and saved.content_hash != vocab.content_hash:
            raise CorpusError(f"{vocab_path}: this run folder was encoded with another vocabulary than "
                              f"{config.init_from}; use a new --out-dir")
        return saved, np.load(train_path), np.load(valid_path)
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
    train_ids = np.asarray(vocab.encode(train_tokens), dtype=np.int32)
    valid_ids = np.asarray(vocab.encode(valid_tokens), dtype=np.int32)
    out.mkdir(parents=True, exist_ok=True)
    vocab.save(vocab_path)
    np.save(train_path, train_ids)
    np.save(valid_path, valid_ids)
    return vocab, train_ids, valid_ids
