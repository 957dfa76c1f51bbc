"""Interpolated Kneser-Ney trigram over token ids: the classic baseline, and a partner for mixing.

Counts live in sorted numpy key arrays (`(u*V + v)*V + w`), so the distribution after any context
is a couple of binary searches plus one pass over the vocabulary. Saved as .npz (no pickles).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.core.damaged import read_problem
from engine.core.tokenizer import split_partial


class NgramError(ValueError):
    """A trigram file that cannot be used; the message names the file and what is wrong with it."""


def _discount(counts: np.ndarray) -> float:
    """Ney's estimate D = n1 / (n1 + 2 n2) from how many n-grams were seen once and twice."""
    n1, n2 = int(np.sum(counts == 1)), int(np.sum(counts == 2))
    return n1 / (n1 + 2 * n2) if n1 + n2 else 0.5


class KneserNeyTrigram:
    def __init__(self, vocab_size: int, trigram_keys: np.ndarray, trigram_counts: np.ndarray,
                 bigram_keys: np.ndarray, bigram_continuations: np.ndarray, unigram: np.ndarray,
                 discounts: tuple[float, float]):
        self.vocab_size = vocab_size
        self.trigram_keys, self.trigram_counts = trigram_keys, trigram_counts
        self.bigram_keys, self.bigram_continuations = bigram_keys, bigram_continuations
        self.unigram = unigram  # (V,) continuation probability, smoothed, sums to 1
        self.discounts = discounts  # (trigram level, bigram level)

    @classmethod
    def fit(cls, ids: np.ndarray, vocab_size: int) -> KneserNeyTrigram:
        ids = np.asarray(ids, dtype=np.int64)
        vocab = vocab_size
        keys = (ids[:-2] * vocab + ids[1:-1]) * vocab + ids[2:]
        trigram_keys, trigram_counts = np.unique(keys, return_counts=True)
        # Continuation count of (v, w): in how many different contexts u it followed.
        bigram_keys, bigram_continuations = np.unique(trigram_keys % (vocab * vocab), return_counts=True)
        # Continuation count of w: after how many different words v it appeared.
        unigram_continuations = np.bincount(bigram_keys % vocab, minlength=vocab).astype(np.float64)
        # A pinch of uniform mass keeps never-seen words possible (finite perplexity).
        unigram = 0.999 * unigram_continuations / unigram_continuations.sum() + 0.001 / vocab
        discounts = (_discount(trigram_counts), _discount(bigram_continuations))
        return cls(vocab, trigram_keys, trigram_counts.astype(np.int32), bigram_keys,
                   bigram_continuations.astype(np.int32), unigram, discounts)

    def pruned(self, min_count: int = 2, keep_contexts_seen: int = 0) -> KneserNeyTrigram:
        """Drop rare trigrams (seen fewer than min_count times) to ship a smaller table.

        keep_contexts_seen > 0 keeps every trigram of a two-word context seen at least that often: there
        the rare continuations are real evidence, while most single sightings sit in contexts seen once.
        The context totals are then those of the kept trigrams, so every distribution still sums to 1;
        the dropped mass goes to the bigram level, as if those trigrams had never been seen.
        """
        keep = self.trigram_counts >= min_count
        if keep_contexts_seen:
            contexts = self.trigram_keys // self.vocab_size
            _, context_of = np.unique(contexts, return_inverse=True)
            context_totals = np.bincount(context_of, weights=self.trigram_counts)  # (contexts,)
            keep |= context_totals[context_of] >= keep_contexts_seen
        return KneserNeyTrigram(self.vocab_size, self.trigram_keys[keep], self.trigram_counts[keep],
                                self.bigram_keys, self.bigram_continuations, self.unigram, self.discounts)

    def with_vocab_size(self, vocab_size: int) -> KneserNeyTrigram:
        """The same counts for a vocabulary grown at its end (every old id unchanged): new words were never
        seen, so they get the smallest unigram share and no pairs or triples."""
        old, new = self.vocab_size, vocab_size
        if new < old:
            raise ValueError(f"a vocabulary of {new} words cannot hold the trigram's {old}")
        u, rest = np.divmod(self.trigram_keys, old * old)
        v, w = np.divmod(rest, old)
        bigram_v, bigram_w = np.divmod(self.bigram_keys, old)
        unigram = np.concatenate([self.unigram, np.full(new - old, self.unigram.min())])
        return KneserNeyTrigram(new, (u * new + v) * new + w, self.trigram_counts, bigram_v * new + bigram_w,
                                self.bigram_continuations, unigram / unigram.sum(), self.discounts)

    @staticmethod
    def _row(keys: np.ndarray, counts: np.ndarray, context: int, vocab: int) -> tuple[np.ndarray, np.ndarray]:
        low, high = np.searchsorted(keys, [context * vocab, (context + 1) * vocab])
        return keys[low:high] % vocab, counts[low:high]

    def distribution(self, context: list[int]) -> np.ndarray:
        """P(w | last two ids of context) for every w: (V,), sums to 1."""
        vocab = self.vocab_size
        probabilities = self.unigram.copy()
        if context:
            words, counts = self._row(self.bigram_keys, self.bigram_continuations, int(context[-1]), vocab)
            probabilities = self._interpolate(probabilities, words, counts, self.discounts[1])
        if len(context) >= 2:
            pair = int(context[-2]) * vocab + int(context[-1])
            words, counts = self._row(self.trigram_keys, self.trigram_counts, pair, vocab)
            probabilities = self._interpolate(probabilities, words, counts, self.discounts[0])
        return probabilities

    def context_count(self, context: list[int]) -> int:
        """How many times the last two ids of context were followed by anything in training."""
        if len(context) < 2:
            return 0
        pair = int(context[-2]) * self.vocab_size + int(context[-1])
        return int(self._row(self.trigram_keys, self.trigram_counts, pair, self.vocab_size)[1].sum())

    @staticmethod
    def _interpolate(lower: np.ndarray, words: np.ndarray, counts: np.ndarray, discount: float) -> np.ndarray:
        total = counts.sum()
        if total == 0:
            return lower
        mixed = lower * (discount * len(words) / total)  # the mass taken from seen words, spread by lower order
        mixed[words] += np.maximum(counts - discount, 0) / total
        return mixed

    def save(self, path: str | Path) -> None:
        """Sorted keys are stored as gaps and counts in the smallest type that holds them: about a third
        smaller once compressed."""
        np.savez_compressed(path, vocab_size=self.vocab_size, trigram_key_gaps=_gaps(self.trigram_keys),
                            trigram_counts=_narrow(self.trigram_counts), bigram_key_gaps=_gaps(self.bigram_keys),
                            bigram_continuations=_narrow(self.bigram_continuations), unigram=self.unigram,
                            discounts=np.asarray(self.discounts))

    @classmethod
    def load(cls, path: str | Path) -> KneserNeyTrigram:
        """The trigram saved at `path`; NgramError for any file that cannot be read as one (a folder, a zip
        cut short or with flipped bits, arrays that do not fit together)."""
        try:
            with np.load(path, allow_pickle=False) as data:
                if "trigram_key_gaps" in data.files:
                    trigram_keys = np.cumsum(data["trigram_key_gaps"], dtype=np.int64)
                    bigram_keys = np.cumsum(data["bigram_key_gaps"], dtype=np.int64)
                else:  # written before keys were stored as gaps
                    trigram_keys, bigram_keys = data["trigram_keys"], data["bigram_keys"]
                model = cls(int(data["vocab_size"]), trigram_keys, data["trigram_counts"].astype(np.int32),
                            bigram_keys, data["bigram_continuations"].astype(np.int32), data["unigram"],
                            tuple(float(d) for d in data["discounts"]))
        except Exception as error:  # numpy, zipfile and zlib raise many types for a damaged file
            raise NgramError(f"{path}: {read_problem(error)}") from None
        vocab = model.vocab_size
        if (vocab < 1 or model.unigram.shape != (vocab,) or len(model.discounts) != 2
                or model.trigram_keys.shape != model.trigram_counts.shape
                or model.bigram_keys.shape != model.bigram_continuations.shape
                or not np.all(np.isfinite(model.unigram))):
            raise NgramError(f"{path}: is damaged (its arrays do not fit together)")
        return model


def _gaps(sorted_keys: np.ndarray) -> np.ndarray:
    gaps = np.diff(sorted_keys, prepend=0)
    return gaps.astype(np.uint32) if len(gaps) and gaps.max() < 2**32 else gaps


def _narrow(counts: np.ndarray) -> np.ndarray:
    return counts.astype(np.uint16) if len(counts) and counts.max() < 2**16 else counts


class NgramPredictor:
    """The baseline as a predictor: suggest(left_text, k) from the trigram alone."""

    def __init__(self, model: KneserNeyTrigram, chooser):
        self.model, self.chooser = model, chooser

    def suggest(self, left_text: str, k: int = 3):
        context, _ = split_partial(left_text)
        return self.chooser.choose(self.model.distribution(self.chooser.context_ids(context)), left_text, k)
