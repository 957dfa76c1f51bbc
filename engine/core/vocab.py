"""Vocab: word <-> id, special tokens, display forms; saved as JSON with a content hash."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from engine.core import safe_json
from engine.core.damaged import read_problem
from engine.core.tokenizer import NUMBER_TOKEN, TOKENIZER_VERSION, URL_TOKEN, is_word

PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<bos>", "<eos>"
SPEAKERS = ("<s1>", "<s2>")
SPECIAL_TOKENS = (PAD, UNK, BOS, EOS, *SPEAKERS, URL_TOKEN, NUMBER_TOKEN)
# The shipped vocabulary of 12,000 words is 0.2 MB; a million words would be about 20 MB.
MAX_VOCAB_BYTES = 64 * 2**20


class VocabError(ValueError):
    """A vocabulary file that cannot be used; the message names the file and what is wrong."""


@dataclass
class Vocab:
    tokens: list[str]
    counts: list[int]
    # Lower-case word -> its usual written form ("i" -> "I", "monday" -> "Monday").
    display: dict[str, str] = field(default_factory=dict)
    tokenizer_version: int = TOKENIZER_VERSION

    def __post_init__(self) -> None:
        self.index = {token: i for i, token in enumerate(self.tokens)}
        self.unk_id = self.index[UNK]

    def __len__(self) -> int:
        return len(self.tokens)

    def id(self, token: str) -> int:
        return self.index.get(token, self.unk_id)

    def encode(self, tokens: list[str]) -> list[int]:
        return [self.index.get(token, self.unk_id) for token in tokens]

    def decode(self, ids) -> list[str]:
        return [self.tokens[i] for i in ids]

    def display_form(self, word: str) -> str:
        return self.display.get(word, word)

    def is_suggestable(self, token_id: int) -> bool:
        return token_id >= len(SPECIAL_TOKENS) and is_word(self.tokens[token_id])

    @property
    def content_hash(self) -> str:
        """Changes whenever ids would mean other words: a model and a vocab must agree on it."""
        payload = json.dumps([self.tokenizer_version, self.tokens], ensure_ascii=False).encode()
        return hashlib.sha256(payload).hexdigest()[:16]

    @classmethod
    def build(
        cls,
        counts: Counter,
        min_count: int = 2,
        max_size: int | None = None,
        display_counts: Counter | None = None,
    ) -> Vocab:
        """Specials first, then words by descending count (ties alphabetical, so builds repeat)."""
        ranked = sorted(
            ((token, n) for token, n in counts.items() if n >= min_count and token not in SPECIAL_TOKENS),
            key=lambda item: (-item[1], item[0]),
        )
        if max_size is not None:
            ranked = ranked[: max(0, max_size - len(SPECIAL_TOKENS))]
        tokens = list(SPECIAL_TOKENS) + [token for token, _ in ranked]
        token_counts = [0] * len(SPECIAL_TOKENS) + [n for _, n in ranked]
        return cls(tokens, token_counts, choose_display_forms(display_counts or Counter(), set(tokens)))

    def to_json(self) -> dict:
        return {
            "format": "nextword-vocab",
            "version": 1,
            "tokenizer_version": self.tokenizer_version,
            "hash": self.content_hash,
            "tokens": self.tokens,
            "counts": self.counts,
            "display": self.display,
        }

    @classmethod
    def from_json(cls, data: dict, source: str = "vocabulary") -> Vocab:
        if not isinstance(data, dict) or data.get("format") != "nextword-vocab":
            raise VocabError(f"{source}: not a Nextword vocabulary (no 'format': 'nextword-vocab')")
        try:
            vocab = cls(list(data["tokens"]), list(data["counts"]), dict(data.get("display", {})),
                        int(data["tokenizer_version"]))
            if not all(isinstance(token, str) for token in vocab.tokens):
                raise ValueError("a token that is not text")
        except (KeyError, TypeError, ValueError) as error:
            raise VocabError(f"{source}: vocabulary is missing or has a bad field ({error})") from None
        if data.get("hash") and data["hash"] != vocab.content_hash:
            raise VocabError(f"{source}: vocabulary hash does not match its tokens; the file was changed or cut short")
        return vocab

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> Vocab:
        return cls.from_json(read_json(path, "vocabulary file", "vocabulary", VocabError), str(path))


def read_json(path: str | Path, file_name: str, name: str, error: type[Exception], advice: str = "",
              max_bytes: int = MAX_VOCAB_BYTES, max_values: int | None = None):
    """A JSON file Nextword wrote, read through engine/core/safe_json.py (size, nesting, numbers and, when
    given, how many values checked); a missing, unreadable or unusable one raises `error` naming the file."""
    try:
        return safe_json.read_json(path, max_bytes, max_values=max_values)
    except FileNotFoundError:
        raise error(f"{path}: {file_name} not found") from None
    except OSError as problem:  # a folder where the file should be, a file the person may not read
        raise error(f"{path}: {read_problem(problem)}{advice}") from None
    except safe_json.JSONFileError as problem:
        raise error(f"{path}: {name} {problem.problem}{advice}") from None


def choose_display_forms(display_counts: Counter, known: set[str]) -> dict[str, str]:
    """The usual written form of each word, from surface forms seen *inside* sentences.

    Sentence-initial words are left out of the counts by the caller, so "The" does not win over "the";
    only forms that differ from the lower-case word are stored.
    """
    best: dict[str, tuple[int, str]] = {}
    for surface, n in display_counts.items():
        word = surface.lower()
        if word not in known or surface.isupper() and len(surface) > 1:
            continue  # SHOUTING is not a word's usual form ("I" and "A" are kept).
        if word not in best or n > best[word][0]:
            best[word] = (n, surface)
    return {word: surface for word, (_, surface) in best.items() if surface != word}
