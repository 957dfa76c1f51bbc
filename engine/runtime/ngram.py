"""Interpolated Kneser-Ney n-grams (order 3 or 4) over token ids: the classic baseline, and a partner
for mixing with the network.

Level n holds the n-grams as sorted numpy keys (`((u*V + v)*V + w)`, base V) with their counts: raw
counts at the highest level, continuation counts (in how many different contexts an n-gram followed)
below it, as Kneser-Ney prescribes. The distribution after any context is a couple of binary searches
per level plus one pass over the vocabulary. A pruned model remembers, per context, the counts it
dropped, so the context's total and so the mass left to lower levels stay those of the full model.
Saved as .npz (no pickles).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.core.damaged import read_problem
from engine.core.safe_npz import NpzLimitError, NpzLimits, check_npz
from engine.core.tokenizer import split_partial

ORDERS = (3, 4)
# What a bundle's n-grams may take. The shipped 4-gram (12,000 words) holds 7.6 MB of arrays, the largest
# 1.8 MB; these allow some 30 times that, for bundles trained on more text, and refuse a zip bomb or a
# header claiming gigabytes before numpy reads anything (engine/core/safe_npz.py). Loaded, the arrays take
# about twice their size on disk (gaps widened to int64 keys): at most some 500 MB.
BUNDLE_LIMITS = NpzLimits(array_bytes=64 * 2**20, total_bytes=256 * 2**20)
PRUNE_MORE = "drop rarer n-grams with a larger --ngram-min-count"


class NgramError(ValueError):
    """An n-gram file that cannot be used; the message names the file and what is wrong with it."""


def _discount(counts: np.ndarray) -> float:
    """Ney's estimate D = n1 / (n1 + 2 n2) from how many n-grams were seen once and twice."""
    n1, n2 = int(np.sum(counts == 1)), int(np.sum(counts == 2))
    return n1 / (n1 + 2 * n2) if n1 + n2 else 0.5


def _windows(ids: np.ndarray, length: int, vocab: int) -> np.ndarray:
    """The key of every run of `length` ids: (len(ids) - length + 1,)."""
    keys = ids[: len(ids) - length + 1].copy()
    for offset in range(1, length):
        keys = keys * vocab + ids[offset: len(ids) - length + 1 + offset]
    return keys


class Level:
    """The n-grams of one length: sorted keys, their counts, and what pruning dropped per context."""

    def __init__(self, keys: np.ndarray, counts: np.ndarray, discount: float,
                 dropped_contexts: np.ndarray | None = None, dropped_counts: np.ndarray | None = None):
        self.keys, self.counts, self.discount = keys, counts, discount
        self.dropped_contexts = np.zeros(0, np.int64) if dropped_contexts is None else dropped_contexts
        self.dropped_counts = np.zeros(0, np.int64) if dropped_counts is None else dropped_counts

    def row(self, context: int, vocab: int) -> tuple[np.ndarray, np.ndarray, int]:
        """The words seen after `context`, their counts, and the counts pruning dropped there."""
        low = int(self.keys.searchsorted(context * vocab))
        high = int(self.keys.searchsorted((context + 1) * vocab))
        dropped = 0
        if low < high and len(self.dropped_contexts):
            at = int(self.dropped_contexts.searchsorted(context))
            if at < len(self.dropped_contexts) and self.dropped_contexts[at] == context:
                dropped = int(self.dropped_counts[at])
        return self.keys[low:high] % vocab, self.counts[low:high], dropped

    def pruned(self, min_count: int, keep_contexts_seen: int, vocab: int) -> Level:
        """Without the n-grams counted fewer than min_count times, except in contexts counted at least
        keep_contexts_seen times (0: no exception); what is dropped is remembered per context."""
        keep = self.counts >= min_count
        contexts = self.keys // vocab
        if keep_contexts_seen:
            _, context_of = np.unique(contexts, return_inverse=True)
            keep |= np.bincount(context_of, weights=self.counts)[context_of] >= keep_contexts_seen
        # Contexts that keep nothing need no record: with no words of their own, all of their mass
        # goes to the lower level anyway.
        dropped = ~keep & np.isin(contexts, contexts[keep])
        dropped_contexts, dropped_of = np.unique(contexts[dropped], return_inverse=True)
        dropped_counts = np.bincount(dropped_of, weights=self.counts[dropped]).astype(np.int64)
        if len(self.dropped_contexts):  # pruned before: add what was dropped then
            dropped_contexts = np.concatenate([dropped_contexts, self.dropped_contexts])
            dropped_counts = np.concatenate([dropped_counts, self.dropped_counts])
            dropped_contexts, dropped_of = np.unique(dropped_contexts, return_inverse=True)
            dropped_counts = np.bincount(dropped_of, weights=dropped_counts).astype(np.int64)
        return Level(self.keys[keep], self.counts[keep], self.discount, dropped_contexts, dropped_counts)

    def seen_share(self, counts: np.ndarray, dropped: int) -> tuple[np.ndarray, float]:
        """The discounted counts' share of a context's mass, word by word, and the mass left for the
        level below (1 where the context was never seen)."""
        if not len(counts):
            return counts, 1.0
        total = int(counts.sum()) + dropped
        return (counts - self.discount) / total, (self.discount * len(counts) + dropped) / total


class KneserNey:
    """levels[n] for n = 2..order; unigram: (V,) continuation probabilities, smoothed, summing to 1."""

    def __init__(self, vocab_size: int, levels: dict[int, Level], unigram: np.ndarray):
        self.vocab_size = vocab_size
        self.levels = levels
        self.order = max(levels)
        self.unigram = unigram

    @classmethod
    def fit(cls, ids: np.ndarray, vocab_size: int, order: int = 3) -> KneserNey:
        if order not in ORDERS:
            raise ValueError(f"an n-gram order of {order}: choose one of {', '.join(map(str, ORDERS))}")
        if vocab_size ** order >= 2**63:
            raise ValueError(f"a vocabulary of {vocab_size:,} words is too large for {order}-gram keys")
        ids, vocab = np.asarray(ids, dtype=np.int64), vocab_size
        keys, counts = np.unique(_windows(ids, order, vocab), return_counts=True)
        levels = {order: Level(keys, counts.astype(np.int32), _discount(counts))}
        for length in range(order - 1, 1, -1):
            # Continuation count of a shorter n-gram: after how many different ids it followed.
            keys, counts = np.unique(keys % vocab**length, return_counts=True)
            levels[length] = Level(keys, counts.astype(np.int32), _discount(counts))
        unigram_continuations = np.bincount(keys % vocab, minlength=vocab).astype(np.float64)
        # A pinch of uniform mass keeps never-seen words possible (finite perplexity).
        unigram = 0.999 * unigram_continuations / unigram_continuations.sum() + 0.001 / vocab
        return cls(vocab, levels, unigram)

    def pruned(self, min_count: int = 2, keep_contexts_seen: int = 0) -> KneserNey:
        """Drop rare n-grams (counted fewer than min_count times) above the pairs, to ship a smaller table.

        keep_contexts_seen > 0 keeps every n-gram of a context counted at least that often: there the rare
        continuations are real evidence, while most single sightings sit in contexts seen once. Each context
        keeps the total of what it dropped, so its mass for unseen words, given to the level below, is the
        full model's, and every distribution still sums to 1.
        """
        levels = dict(self.levels)
        for length in range(3, self.order + 1):
            levels[length] = levels[length].pruned(min_count, keep_contexts_seen, self.vocab_size)
        return KneserNey(self.vocab_size, levels, self.unigram)

    def with_vocab_size(self, vocab_size: int) -> KneserNey:
        """The same counts for a vocabulary grown at its end (every old id unchanged): new words were never
        seen, so they get the smallest unigram share and no n-grams."""
        old, new = self.vocab_size, vocab_size
        if new < old:
            raise ValueError(f"a vocabulary of {new} words cannot hold the n-grams' {old}")
        if new**self.order >= 2**63:
            raise ValueError(f"a vocabulary of {new:,} words is too large for {self.order}-gram keys")

        def recoded(keys: np.ndarray, length: int) -> np.ndarray:
            digits, rest = [], keys
            for _ in range(length):
                rest, digit = np.divmod(rest, old)
                digits.append(digit)
            result = np.zeros_like(keys)
            for digit in reversed(digits):
                result = result * new + digit
            return result

        levels = {length: Level(recoded(level.keys, length), level.counts, level.discount,
                                recoded(level.dropped_contexts, length - 1), level.dropped_counts)
                  for length, level in self.levels.items()}
        unigram = np.concatenate([self.unigram, np.full(new - old, self.unigram.min())])
        return KneserNey(new, levels, unigram / unigram.sum())

    def _context_key(self, context: list[int], length: int) -> int:
        key = 0
        for token in context[-length:]:
            key = key * self.vocab_size + int(token)
        return key

    def distribution(self, context: list[int]) -> np.ndarray:
        """P(w | last order - 1 ids of context) for every w: (V,), sums to 1.

        Each level gives its seen words their discounted counts and the rest to the level below:
        P_n = seen_n + left_n * P_(n-1). Unrolled, the unigram is scaled once by every level's `left`
        and each level's seen words by the `left` of the levels above it: one pass over the vocabulary,
        not one per level (a keystroke after a word waits for this)."""
        shares, scale = [], 1.0
        for length in range(min(self.order, len(context) + 1), 1, -1):  # the longest context first
            level = self.levels[length]
            words, counts, dropped = level.row(self._context_key(context, length - 1), self.vocab_size)
            seen, left = level.seen_share(counts, dropped)
            shares.append((words, seen * scale))
            scale *= left
        probabilities = self.unigram * scale
        for words, seen in shares:
            probabilities[words] += seen
        return probabilities

    def context_count(self, context: list[int]) -> int:
        """How many times the last order - 1 ids of context were followed by anything in training (0 where
        pruning dropped all of the context's n-grams)."""
        if len(context) < self.order - 1:
            return 0
        _, counts, dropped = self.levels[self.order].row(self._context_key(context, self.order - 1), self.vocab_size)
        return int(counts.sum()) + dropped

    def save(self, path: str | Path, limits: NpzLimits | None = BUNDLE_LIMITS) -> None:
        """Sorted keys are stored as gaps and counts in the smallest type that holds them: about a third
        smaller once compressed. NgramError, writing nothing, when the arrays are larger than `limits`
        (which load refuses); None for a file that never goes in a bundle (the evaluation's own cache)."""
        arrays = {"vocab_size": self.vocab_size, "order": self.order, "unigram": self.unigram}
        for length, level in self.levels.items():
            arrays |= {f"level{length}_key_gaps": _gaps(level.keys), f"level{length}_counts": _narrow(level.counts),
                       f"level{length}_discount": level.discount,
                       f"level{length}_dropped_context_gaps": _gaps(level.dropped_contexts),
                       f"level{length}_dropped_counts": _narrow(level.dropped_counts)}
        if limits is not None:
            _check_fits(path, {name: np.asarray(array) for name, array in arrays.items()}, limits)
        np.savez_compressed(path, **arrays)

    @classmethod
    def load(cls, path: str | Path, limits: NpzLimits | None = BUNDLE_LIMITS) -> KneserNey:
        """The n-gram model saved at `path`; NgramError for any file that cannot be read as one (a folder, a
        zip cut short or with flipped bits, arrays that do not fit together, or larger than `limits`: checked
        before any array is read; None for the evaluation's own cache, which it wrote itself)."""
        try:
            if limits is not None:
                check_npz(path, limits)
            with np.load(path, allow_pickle=False) as data:
                model = cls._from_arrays(data)
        except NpzLimitError as error:
            raise NgramError(f"{path}: {error}: not an n-gram file Nextword made") from None
        except Exception as error:  # numpy, zipfile and zlib raise many types for a damaged file
            raise NgramError(f"{path}: {read_problem(error)}") from None
        vocab = model.vocab_size
        if (vocab < 1 or model.unigram.shape != (vocab,) or not np.all(np.isfinite(model.unigram))
                or model.order not in ORDERS or sorted(model.levels) != list(range(2, model.order + 1))
                or any(level.keys.shape != level.counts.shape or not 0 <= level.discount <= 1
                       or level.dropped_contexts.shape != level.dropped_counts.shape
                       for level in model.levels.values())):
            raise NgramError(f"{path}: is damaged (its arrays do not fit together)")
        return model

    @classmethod
    def _from_arrays(cls, data) -> KneserNey:
        vocab, unigram = int(data["vocab_size"]), data["unigram"]
        if "order" not in data.files:  # a trigram written before other orders existed
            if "trigram_key_gaps" in data.files:
                trigram_keys = np.cumsum(data["trigram_key_gaps"], dtype=np.int64)
                bigram_keys = np.cumsum(data["bigram_key_gaps"], dtype=np.int64)
            else:  # ...and before keys were stored as gaps
                trigram_keys, bigram_keys = data["trigram_keys"], data["bigram_keys"]
            trigram_discount, bigram_discount = (float(d) for d in data["discounts"])
            levels = {3: Level(trigram_keys, data["trigram_counts"].astype(np.int32), trigram_discount),
                      2: Level(bigram_keys, data["bigram_continuations"].astype(np.int32), bigram_discount)}
            return cls(vocab, levels, unigram)
        levels = {}
        for length in range(2, int(data["order"]) + 1):
            levels[length] = Level(np.cumsum(data[f"level{length}_key_gaps"], dtype=np.int64),
                                   data[f"level{length}_counts"].astype(np.int32),
                                   float(data[f"level{length}_discount"]),
                                   np.cumsum(data[f"level{length}_dropped_context_gaps"], dtype=np.int64),
                                   data[f"level{length}_dropped_counts"].astype(np.int64))
        return cls(vocab, levels, unigram)


def _check_fits(path: str | Path, arrays: dict[str, np.ndarray], limits: NpzLimits) -> None:
    """NgramError when the arrays are larger than load will take."""
    largest = max(arrays, key=lambda name: arrays[name].nbytes)
    total = sum(array.nbytes for array in arrays.values())
    if arrays[largest].nbytes > limits.array_bytes or total > limits.total_bytes:
        raise NgramError(f"{path}: the n-grams take {total / 2**20:,.0f} MB ({largest}: "
                         f"{arrays[largest].nbytes / 2**20:,.0f} MB), more than a bundle may hold "
                         f"({limits.total_bytes / 2**20:,.0f} MB, {limits.array_bytes / 2**20:,.0f} MB an array); "
                         f"{PRUNE_MORE}")


def _gaps(sorted_keys: np.ndarray) -> np.ndarray:
    gaps = np.diff(sorted_keys, prepend=0)
    return gaps.astype(np.uint32) if len(gaps) and gaps.max() < 2**32 else gaps


def _narrow(counts: np.ndarray) -> np.ndarray:
    return counts.astype(np.uint16) if len(counts) and counts.max() < 2**16 else counts


class NgramPredictor:
    """The baseline as a predictor: suggest(left_text, k) from the n-gram model alone."""

    def __init__(self, model: KneserNey, chooser):
        self.model, self.chooser = model, chooser

    def suggest(self, left_text: str, k: int = 3):
        context, _ = split_partial(left_text)
        return self.chooser.choose(self.model.distribution(self.chooser.context_ids(context)), left_text, k)
