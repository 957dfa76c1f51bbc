"""Every word Nextword knows, in one index: the model's vocabulary, the bundle's rare words and the English
dictionary (engine/core/dictionary.py), less the known misspellings; the person's own words are asked of
the personal cache as they change.

It answers, for the corrector (engine/runtime/corrector.py):
- is this a word? (`known`) And does a dictionary say so (`vouched`)? The training text's own words include
  its typos ("htat", "definently", "bset"): a word only the model knows may still be a typo, weighed by the
  corrector against its own probability.
- which words are within two slips of a typed word? A symmetric-delete index (SymSpell's idea): every word
  is stored under itself and each string one letter shorter (the model's own words of four letters or more
  two letters shorter too); a typed word's strings up to two letters shorter are looked up. That finds every
  word one slip away and most two slips away (two slips that both leave letters out of a word the model
  lacks are missed). The index is two numpy arrays (hashes and word numbers, sorted), ~13 MB for 90,000
  words and a million keys, hashed in numpy (engine/runtime/delete_keys.py): all this is made in about a
  third of a second on the thread that loads the model.
- how likely is each word after a context? (`priors`: the model's probability of its row, or its share of
  the model's probability of an unknown word, `<unk>`, for words the model lacks)
"""

from __future__ import annotations

import numpy as np

from engine.core.dictionary import Dictionary
from engine.core.vocab import Vocab
from engine.runtime.delete_keys import delete_index, query_keys
from engine.runtime.lexicon import RareWords

# Of the model's probability of an unknown word, the share given to dictionary words the bundle's rare-word
# list lacks (the rest goes to the rare words, by their counts in the training text).
DICTIONARY_SHARE = 0.3


ALPHABET = "abcdefghijklmnopqrstuvwxyz'"  # a word's other characters (digits, accents) are counted as one more


def letter_counts(word: str) -> np.ndarray:
    """How many of each letter a word has (ALPHABET's order, then every other character together)."""
    counts = np.zeros(len(ALPHABET) + 1, dtype=np.int8)
    for character in word:
        position = ALPHABET.find(character)
        counts[position if position >= 0 else len(ALPHABET)] += 1
    return counts


def _letter_counts(words: list[str], lengths: np.ndarray) -> np.ndarray:
    """letter_counts of every word, (words, 28) int8, at numpy's speed: the words' characters in one array."""
    codes = np.frombuffer("".join(words).encode("utf-32-le"), dtype=np.uint32)
    lookup = np.full(max(int(codes.max(initial=0)), 127) + 1, len(ALPHABET), dtype=np.int64)
    lookup[[ord(letter) for letter in ALPHABET]] = np.arange(len(ALPHABET))
    owners = np.repeat(np.arange(len(words)), lengths)
    counts = np.zeros((len(words), len(ALPHABET) + 1), dtype=np.int8)
    np.add.at(counts, (owners, lookup[codes]), 1)
    return counts


class KnownWords:
    def __init__(self, vocab: Vocab, offerable: np.ndarray, rare_words: RareWords | None, dictionary: Dictionary):
        self.vocab = vocab
        self.misspellings = dictionary.misspellings
        self.valid = dictionary.valid  # words never corrected, with no frequency to be offered by
        self._dictionary = dictionary
        words: dict[str, None] = {}
        for row in np.flatnonzero(offerable):
            words[vocab.tokens[row]] = None
        rare = rare_words.words if rare_words is not None else []
        words.update(dict.fromkeys(rare))
        words.update(dict.fromkeys(dictionary.counts))
        for typed in dictionary.misspellings:  # "recieve" is never a word, however often the chat wrote it
            words.pop(typed, None)
        self.words = list(words)
        self.number = {word: n for n, word in enumerate(self.words)}
        self.sorted_words = sorted(self.words)
        # The same as UTF-8 bytes (whose order is the strings' order): numpy finds many prefixes' ranges at once
        self._sorted_bytes = np.asarray([word.encode("utf-8") for word in self.sorted_words], dtype=bytes)
        self.rows = np.asarray([vocab.index.get(word, -1) for word in self.words], dtype=np.int64)
        self.lengths = np.asarray([len(word) for word in self.words], dtype=np.int64)
        self.letter_counts = _letter_counts(self.words, self.lengths)
        self._unk_shares = self._shares_of_unknown(rare_words, dictionary)
        self._hashes, self._numbers = self._delete_index()

    def _shares_of_unknown(self, rare_words: RareWords | None, dictionary: Dictionary) -> np.ndarray:
        """Each word's share of P(<unk>) (0 for the model's own words)."""
        shares = np.zeros(len(self.words))
        if rare_words is not None:
            rare_share = 1.0 - DICTIONARY_SHARE
            for word, share in zip(rare_words.words, rare_words.shares, strict=True):
                if word in self.number:
                    shares[self.number[word]] = rare_share * share
        outside = [n for n, word in enumerate(self.words) if self.rows[n] < 0 and shares[n] == 0]
        counts = np.asarray([dictionary.counts.get(self.words[n], 0) for n in outside], dtype=np.float64)
        if counts.sum() > 0:
            shares[outside] = DICTIONARY_SHARE * counts / counts.sum()
        return shares

    def _delete_index(self) -> tuple[np.ndarray, np.ndarray]:
        # The model's own words of four letters or more, the likeliest meant, are stored two letters shorter too:
        # "gud" finds "good", "rememor" "remember" (the shorter ones would match almost any short typo)
        return delete_index(self.words, (self.rows >= 0) & (self.lengths >= 4))

    def prefix_ranges(self, prefixes: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """For each prefix, [low, high) of the words in sorted_words that start with it."""
        encoded = np.asarray([prefix.encode("utf-8") for prefix in prefixes], dtype=bytes)
        ends = np.asarray([prefix.encode("utf-8") + b"\xff" for prefix in prefixes], dtype=bytes)  # 0xff: in no UTF-8
        return np.searchsorted(self._sorted_bytes, encoded), np.searchsorted(self._sorted_bytes, ends)

    def known(self, word: str) -> bool:
        word = word.lower()
        return word in self.number or word in self.valid

    def vouched(self, word: str) -> bool:
        """A word of the dictionary (engine/core/dictionary.py): never taken for a typo."""
        return word in self._dictionary

    def in_model(self, word: str) -> bool:
        """A word of the model's own vocabulary: frequent in the text it learned from."""
        number = self.number.get(word.lower())
        return number is not None and self.rows[number] >= 0

    def prior(self, word: str, probabilities: np.ndarray) -> float:
        """P(word | context) for a known word (0 for any other)."""
        number = self.number.get(word.lower())
        return 0.0 if number is None else float(self.priors(np.asarray([number]), probabilities)[0])

    def within_two(self, typed: str) -> np.ndarray:
        """Numbers of the words within two slips of `typed` (see the module's docstring), and perhaps a few
        more: the caller weighs each by its real cost."""
        hashes = query_keys(typed)
        low = np.searchsorted(self._hashes, hashes, side="left")
        high = np.searchsorted(self._hashes, hashes, side="right")
        found = [self._numbers[a:b] for a, b in zip(low.tolist(), high.tolist(), strict=True) if b > a]
        return np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int32)

    def priors(self, numbers: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
        """P(word | context) for these words, from the model's next-token probabilities."""
        rows = self.rows[numbers]
        own = probabilities[np.maximum(rows, 0)]
        unknown = probabilities[self.vocab.unk_id] * self._unk_shares[numbers]
        return np.where(rows >= 0, own, unknown)


_MADE: dict[tuple, KnownWords] = {}


def known_words(vocab: Vocab, offerable: np.ndarray, rare_words: RareWords | None,
                dictionary: Dictionary) -> KnownWords:
    """The index for these lists, made once per process for the same lists: predictors of one bundle share it
    (a test session loads the same bundle many times; the editor loads it again on every model change)."""
    key = (vocab.content_hash, offerable.tobytes(), tuple(rare_words.words) if rare_words is not None else (),
           id(dictionary))
    if key not in _MADE:
        if len(_MADE) >= 2:  # the model in use and the one before (Models > Use, Revert); ~15 MB each
            del _MADE[next(iter(_MADE))]
        _MADE[key] = KnownWords(vocab, offerable, rare_words, dictionary)
    return _MADE[key]
