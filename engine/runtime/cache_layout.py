"""The personal cache's counts laid out for the vocabulary of the model they are mixed into: what a keystroke
reads (runtime/personal_cache.py keeps the counts themselves, as dicts of words).

- `VocabView`: the cache's word counts as a dense array over the vocabulary's rows, its own words beyond
  the vocabulary (each in a slot that never moves) and which of them may be offered;
- `Followers`: the words that followed one history, as arrays, laid out when first asked for;
- `Extras`: what a distribution hands to the word chooser besides the vocabulary's probabilities.

All of it is kept up to date as sentences are observed, so a keystroke never waits for a rebuild.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from engine.core.tokenizer import is_word
from engine.core.vocab import Vocab
from engine.runtime.lexicon import NearMisses, prefix_range

# A word the model lacks is offered from its first use, unless it is one slip (a letter added, dropped,
# changed or swapped) away from a word the model knows: then from its second ("tommorow" typed once is
# a typo; a name is not). Offering a new word from its first use measured 1-2 points of keystroke
# savings more than from its second on held-out text of two styles (the Bible, Python's docstrings).
MIN_USES_OFFERED = 2
# Longer "words" are counted but never offered: a pasted key or a 7,000-letter run is no word to type, and
# while one was offered every prefix of it had a completion, so each keystroke in it ranked all its prefixes.
MAX_OFFERED_LETTERS = 50  # the longest dictionary words have 45
# The followers of this many histories, the last asked for, are kept laid out over the vocabulary (~1 KB
# each); older ones are laid out again when next asked for (well under a millisecond). Kept all, they were
# 3 MB after 100,000 keystrokes of new text, and growing.
LAID_OUT_HISTORIES = 1024


@dataclass(frozen=True)
class Extras:
    """Words outside the model's vocabulary that the cache offers after a context: sorted, with probabilities."""

    words: list[str]  # by slot
    probabilities: np.ndarray  # by slot
    display: dict[str, str]  # lower-case word -> the form the person writes it in ("Zorblax")
    lengths: np.ndarray  # by slot
    sorted_words: list[str]  # the words in sorted order, so the completions of a prefix are one slice
    sorted_slots: np.ndarray  # the slot of each of them

    def matching(self, partial: str, min_length: int) -> np.ndarray:
        """Slots of the words of at least min_length letters that start with the partial word (all of
        them when it is empty: the cache offers its own words at a word start too)."""
        if not partial:
            return np.arange(len(self.words))
        low, high = prefix_range(self.sorted_words, partial)
        slots = self.sorted_slots[low:high]
        return slots[self.lengths[slots] >= min_length]


_NO_SLOTS = np.zeros(0, dtype=np.int64)
NO_EXTRAS = Extras([], np.zeros(0), {}, _NO_SLOTS, [], _NO_SLOTS)


class VocabView:
    """The cache's counts laid out for one vocabulary: a dense array over its rows, the words it lacks
    (each in a slot that never moves, with a sorted index so the completions of a prefix are one slice),
    and each history's followers as arrays, built when first asked for. Kept up to date as sentences are
    observed, so a keystroke never waits for a rebuild."""

    def __init__(self, vocab: Vocab, unigrams: dict[str, float], decay: float, near_misses: NearMisses):
        self.index = vocab.index
        self.near_misses = near_misses
        self.min_stored_count = (MIN_USES_OFFERED - 0.5) / decay  # in the tables' stored scale
        self.unigram = np.zeros(len(vocab), dtype=np.float64)
        for token, count in unigrams.items():
            row = vocab.index.get(token)
            if row is not None:
                self.unigram[row] = count
        self.unigrams = unigrams  # the cache's own table, read when a word outside the vocabulary is offered
        self._followers: OrderedDict[object, Followers] = OrderedDict()  # the last LAID_OUT_HISTORIES asked for
        self._typo: dict[str, bool] = {}  # near-miss answers, asked once per word
        self.extra_words: list[str] = []
        self.extra_index: dict[str, int] = {}
        offered = [word for word, count in unigrams.items() if word not in self.index and self.offerable(word, count)]
        self.extra_unigram = np.asarray([unigrams[word] for word in offered], dtype=np.float64)
        self.extra_lengths = np.asarray([len(word) for word in offered], dtype=np.int64)
        for word in offered:
            self.extra_index[word] = len(self.extra_words)
            self.extra_words.append(word)
        self._sort_extras()

    def _sort_extras(self) -> None:
        order = sorted(range(len(self.extra_words)), key=self.extra_words.__getitem__)
        self.sorted_words = [self.extra_words[slot] for slot in order]
        self.sorted_slots = np.asarray(order, dtype=np.int64)

    def offerable(self, word: str, count: float) -> bool:
        """A word the vocabulary lacks, of at most MAX_OFFERED_LETTERS: offered once typed twice, or once if it
        does not look like a typo."""
        if not is_word(word) or len(word) > MAX_OFFERED_LETTERS:
            return False
        if count >= self.min_stored_count:
            return True
        if word not in self._typo:
            self._typo[word] = self.near_misses.matches(word)
        return not self._typo[word]

    def _offer(self, word: str) -> None:
        """A new word of the person's, offered from now on: a new slot, and its counts in the followers built."""
        self.extra_index[word] = len(self.extra_words)
        self.extra_words.append(word)
        self.extra_unigram = np.append(self.extra_unigram, self.unigrams[word])
        self.extra_lengths = np.append(self.extra_lengths, len(word))
        self._sort_extras()
        for followers in self._followers.values():
            followers.offer(word)

    def counted(self, token: str, increment: float, bigram_key, trigram_key) -> None:
        """One more use of `token` after the two histories (the cache's tables already counted it)."""
        row = self.index.get(token)
        if row is not None:
            self.unigram[row] += increment
        elif token in self.extra_index:
            self.extra_unigram[self.extra_index[token]] += increment
        elif self.offerable(token, self.unigrams[token]):
            self._offer(token)
        for key in (bigram_key, trigram_key):
            if key in self._followers:
                self._followers[key].counted(token, increment)

    def followers_of(self, key, followers: dict[str, float]) -> Followers:
        """The words that followed a history, as arrays: built when first asked for, then kept up to date."""
        found = self._followers.get(key)
        if found is None:
            found = self._followers[key] = Followers(self, followers)
            if len(self._followers) > LAID_OUT_HISTORIES:
                self._followers.popitem(last=False)
        else:
            self._followers.move_to_end(key)
        return found


class Followers:
    """One history's followers: vocabulary rows and counts, slots among the extras and counts."""

    def __init__(self, view: VocabView, followers: dict[str, float]):
        self.view, self.source = view, followers  # the cache's own dict for this history
        self.slots: dict[str, tuple[bool, int]] = {}  # word -> (in the vocabulary?, position)
        rows, counts, extra_rows, extra_counts = [], [], [], []
        for token, count in followers.items():
            row = view.index.get(token)
            if row is not None:
                self.slots[token] = (True, len(rows))
                rows.append(row)
                counts.append(count)
            elif token in view.extra_index:
                self.slots[token] = (False, len(extra_rows))
                extra_rows.append(view.extra_index[token])
                extra_counts.append(count)
        self.rows, self.counts = np.asarray(rows, dtype=np.int64), np.asarray(counts, dtype=np.float64)
        self.extra_rows = np.asarray(extra_rows, dtype=np.int64)
        self.extra_counts = np.asarray(extra_counts, dtype=np.float64)

    def counted(self, token: str, increment: float) -> None:
        slot = self.slots.get(token)
        if slot is not None:
            (self.counts if slot[0] else self.extra_counts)[slot[1]] += increment
            return
        row = self.view.index.get(token)
        if row is not None:
            self.slots[token] = (True, len(self.rows))
            self.rows, self.counts = np.append(self.rows, row), np.append(self.counts, self.source[token])
        else:
            self.offer(token)

    def offer(self, word: str) -> None:
        """A word now offered among the extras: its count here, if it followed this history."""
        if word in self.slots or word not in self.source or word not in self.view.extra_index:
            return
        self.slots[word] = (False, len(self.extra_rows))
        self.extra_rows = np.append(self.extra_rows, self.view.extra_index[word])
        self.extra_counts = np.append(self.extra_counts, self.source[word])
