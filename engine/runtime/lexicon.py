"""Rare words: the words of the training text that the model has no row for.

The model's vocabulary stops at a fixed size; every rarer word is `<unk>` to it. A person who has
typed "tomor" or "pneum" still expects the word completed, so the words outside the vocabulary are
kept in a plain list with their counts, and one of them gets the probability

    P(word | context) = P(<unk> | context) * count(word) / count(all rare words)

which is the model's own belief that an unknown word comes next, shared out by how often each rare
word was written. They are offered only as completions of a typed prefix: at a word start none of
them could beat the known words.
"""

from __future__ import annotations

import bisect
import json
from collections import Counter
from pathlib import Path

import numpy as np

from engine.core.tokenizer import is_word
from engine.core.vocab import Vocab, choose_display_forms, read_json

FORMAT = "nextword-rare-words"
REBUILD = "rebuild it with `nextword release CHECKPOINT --out FILE --rare-words-min-count N` or delete it"
# The shipped list holds 16,114 words in 0.3 MB (about 18 bytes a word). Thirty times as many words is far
# more than a keyboard offers: `save` keeps at most that many (the most frequent) and `load` refuses more,
# a larger file before it is parsed (room for long words and display forms) and a list of more words (short
# ones fit more in the bytes) before they are sorted and indexed.
MAX_RARE_WORDS = 500_000
MAX_RARE_WORDS_BYTES = 32 * 2**20


def prefix_range(sorted_words: list[str], partial: str) -> tuple[int, int]:
    """[low, high) of the words that start with the partial word (case-insensitive) in a sorted list."""
    prefix = partial.lower()
    return bisect.bisect_left(sorted_words, prefix), bisect.bisect_left(sorted_words, prefix + "\uffff")


class LexiconError(ValueError):
    """A rare-word file that cannot be used; the message names the file and what to do."""


class RareWords:
    def __init__(self, words: list[str], counts: list[int], display: dict[str, str] | None = None):
        order = sorted(range(len(words)), key=lambda i: words[i])
        self.words = [words[i] for i in order]  # sorted: the completions of a prefix are one slice
        self.counts = np.asarray([counts[i] for i in order], dtype=np.int64)
        self.lengths = np.asarray([len(word) for word in self.words], dtype=np.int64)
        self.shares = self.counts / max(1, int(self.counts.sum()))  # P(word | an unknown word comes)
        self.display = dict(display or {})

    def __len__(self) -> int:
        return len(self.words)

    @classmethod
    def build(cls, token_counts: Counter, vocab: Vocab, min_count: int = 2,
              display_counts: Counter | None = None, trusted_count: int = 2) -> RareWords:
        """Words seen at least min_count times that the vocabulary lacks.

        A word seen fewer than trusted_count times is dropped when it is one slip (a letter left out,
        added, changed or swapped) away from a word seen more often: "probabaly", "paparazi".
        """
        candidates = {token: n for token, n in token_counts.items()
                      if n >= min_count and token not in vocab.index and is_word(token)}
        trusted = {word for word, n in candidates.items() if n >= trusted_count}
        trusted.update(token for i, token in enumerate(vocab.tokens) if vocab.is_suggestable(i))
        near = NearMisses(trusted)
        chosen = {word: n for word, n in candidates.items() if n >= trusted_count or not near.matches(word)}
        words = sorted(chosen)
        return cls(words, [chosen[w] for w in words], choose_display_forms(display_counts or Counter(), set(words)))

    def without(self, words) -> RareWords:
        """The list less these words (known misspellings: "recieve" is never offered, however often it was written)."""
        kept = [n for n, word in enumerate(self.words) if word not in words]
        if len(kept) == len(self.words):
            return self
        return RareWords([self.words[n] for n in kept], [int(self.counts[n]) for n in kept],
                         {word: shown for word, shown in self.display.items() if word not in words})

    def matching(self, partial: str, min_length: int = 0) -> np.ndarray:
        """Positions of the rare words of at least min_length letters that start with the partial word."""
        low, high = prefix_range(self.words, partial)
        return low + np.flatnonzero(self.lengths[low:high] >= min_length)

    def completions(self, partial: str, min_length: int = 0) -> tuple[list[str], np.ndarray]:
        """The rare words of at least min_length letters that start with the partial word, and their shares."""
        keep = self.matching(partial, min_length)
        return [self.words[i] for i in keep], self.shares[keep]

    def display_form(self, word: str) -> str:
        return self.display.get(word, word)

    def to_json(self) -> dict:
        return {"format": FORMAT, "version": 1, "words": self.words, "counts": self.counts.tolist(),
                "display": self.display}

    def most_frequent(self, most: int) -> RareWords:
        """The `most` most frequent words (ties: in alphabetical order)."""
        if len(self) <= most:
            return self
        keep = sorted(np.argsort(-self.counts, kind="stable")[:most].tolist())
        words = [self.words[n] for n in keep]
        return RareWords(words, [int(self.counts[n]) for n in keep],
                         {word: shown for word in words if (shown := self.display.get(word))})

    def save(self, path: str | Path) -> None:
        """At most MAX_RARE_WORDS of them, the most frequent: `load` refuses a longer list."""
        kept = self.most_frequent(MAX_RARE_WORDS)
        Path(path).write_text(json.dumps(kept.to_json(), ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path, advice: str = REBUILD) -> RareWords:
        """The list saved at `path`; LexiconError (naming the file, ending with `advice`) for one that cannot be
        used."""
        # Each word has a count and may have a display form: three values a word, counted before parsing.
        data = read_json(path, "rare-word list", "rare-word list", LexiconError, f"; {advice}", MAX_RARE_WORDS_BYTES,
                         max_values=3 * MAX_RARE_WORDS + 10)
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise LexiconError(f"{path}: not a Nextword rare-word list; {advice}")
        words, counts, display = data.get("words"), data.get("counts"), data.get("display") or {}
        if not isinstance(words, list) or not isinstance(counts, list) or len(words) != len(counts):
            raise LexiconError(f"{path}: rare-word list is damaged (words and counts differ); {advice}")
        if len(words) > MAX_RARE_WORDS:
            raise LexiconError(f"{path}: rare-word list holds {len(words):,} words, more than "
                               f"Nextword ever makes ({MAX_RARE_WORDS:,} at most); {advice}")
        try:
            return cls([str(w) for w in words], [int(n) for n in counts], {str(w): str(f) for w, f in display.items()})
        except (TypeError, ValueError, AttributeError) as error:
            raise LexiconError(f"{path}: rare-word list is damaged ({error}); {advice}") from None


class NearMisses:
    """Is a word one slip away from a known word? Indexes the known words by their one-letter deletions."""

    def __init__(self, known: set[str]):
        self.known = known
        self.deletions = {(word[:i] + word[i + 1:], i) for word in known for i in range(len(word))}
        self.shortened = {deleted for deleted, _ in self.deletions}
        self.longest = max(map(len, known), default=0)

    def matches(self, word: str) -> bool:
        if len(word) > self.longest + 1:
            return False  # no slip away: and a 10,000-letter "word" is not cut 10,000 ways (0.1 s each time)
        for i in range(len(word)):
            deleted = word[:i] + word[i + 1:]
            if deleted in self.known or (deleted, i) in self.deletions:  # a letter added; a letter changed
                return True
            swapped = word[:i] + word[i + 1:i + 2] + word[i] + word[i + 2:] if i + 1 < len(word) else None
            if swapped and swapped != word and swapped in self.known:  # two letters swapped
                return True
        return word in self.shortened  # a letter left out
