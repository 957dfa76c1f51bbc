"""From a next-token distribution to suggestions a person can use.

Shared by every predictor (the neural model, the Kneser-Ney baseline, later mixtures): only real
words are offered (never <unk>, special tokens or punctuation), completions of the partial word when
the cursor is inside one, in the word's usual written form, capitalised at the start of a sentence.

A completion one letter away from what is typed saves nothing on a physical keyboard: the letter is
as quick to type as a chip is to accept. So it gets a chip only when it is clearly the word being
typed (at least `one_letter_share` of the probability of all completions of the prefix: "you" after
"how are yo"); otherwise "there", "that's" and "thanks" after "th" get the chips that "the" would
have taken. (Validation, 1,000 lines: see the model card for what this gains in keystroke savings.)

Chips rotate while a word is typed: a word already offered at an earlier letter of the same word
was seen and passed over, so its chip goes to the next candidate (as word-prediction aids for
typing do), unless it now holds `passed_over_share` of the completions' probability: then it is
clearly the word and the person may simply not have looked ("you" after "how are yo" stays).
Worked out again from the text on every call, so it holds no state: "the" after "so " is not
offered again after "so t" or "so th".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.core.tokenizer import tokenize
from engine.core.typed import Typed, as_typed
from engine.core.vocab import SPEAKERS, Vocab
from engine.runtime.lexicon import RareWords, prefix_range
from engine.runtime.model_input import line_layout


@dataclass(frozen=True)
class Suggestion:
    word: str  # as it should be inserted
    probability: float
    correction: bool = False  # replaces the word typed (engine/runtime/corrector.py), not a completion of it


class WordChooser:
    """Knows which vocabulary rows may be offered and how to show them."""

    def __init__(self, vocab: Vocab, blocked_words: set[str] | frozenset = frozenset(),
                 rare_words: RareWords | None = None, min_added_letters: int = 1, one_letter_share: float = 0.5,
                 skip_passed_over: bool = True, passed_over_share: float = 0.5):
        self.vocab = vocab
        self.skip_passed_over = skip_passed_over  # a word shown earlier in the same word is not shown again...
        self.passed_over_share = passed_over_share  # ...unless it holds this share of the completions' probability
        self.min_added_letters = min_added_letters  # 0 offers the word exactly as typed, too
        self.one_letter_share = one_letter_share  # above 1: never offer a completion one letter away
        self.rare_words = rare_words  # completions beyond the vocabulary, scored through <unk>
        offerable = [i for i in range(len(vocab)) if vocab.is_suggestable(i)]
        self.offerable_mask = np.zeros(len(vocab), dtype=bool)
        self.offerable_mask[offerable] = True
        self.set_blocked_words(blocked_words)
        self._offerable_ids = np.asarray(offerable, dtype=np.int64)  # the candidates at a word start
        # Words in sorted order, so the completions of a prefix are one contiguous slice.
        ordered = sorted(offerable, key=lambda i: vocab.tokens[i])
        self._sorted_words = [vocab.tokens[i] for i in ordered]
        self._sorted_ids = np.asarray(ordered, dtype=np.int64)
        self._sorted_lengths = np.asarray([len(word) for word in self._sorted_words])
        self._lengths = np.asarray([len(token) for token in vocab.tokens])
        self._suggestable = (self.offerable_mask.copy(), self._sorted_words, self._sorted_ids, self._sorted_lengths)

    def set_misspellings(self, words) -> None:
        """Known misspellings ("recieve") are never offered, whatever the training text wrote; those left out of
        `words` (a spelling the person taught) are offered again."""
        index = self.vocab.index
        suggestable, sorted_words, sorted_ids, sorted_lengths = self._suggestable
        self.offerable_mask = suggestable.copy()
        self.offerable_mask[[index[word] for word in words if word in index]] = False
        self._offerable_ids = np.flatnonzero(self.offerable_mask)
        keep = self.offerable_mask[sorted_ids]
        self._sorted_words = [word for word, kept in zip(sorted_words, keep, strict=True) if kept]
        self._sorted_ids, self._sorted_lengths = sorted_ids[keep], sorted_lengths[keep]
        self.set_blocked_words(self.blocked_words)

    def may_offer(self, word: str) -> bool:
        """May this lower-case word be offered as a correction: not blocked, and offerable if the model knows it."""
        row = self.vocab.index.get(word)
        return word not in self.blocked_words and (row is None or bool(self.offerable_mask[row]))

    def display_form(self, word: str, extras=None) -> str:
        """The usual written form of a lower-case word ("I", "Netflix"), wherever it is known from."""
        if word in self.vocab.index:
            return self.vocab.display_form(word)
        return self._shown_outside(word, extras)

    def set_blocked_words(self, words) -> None:
        """Words never offered unless typed in full (the shipped blocklist and the person's own)."""
        self.blocked_words = {word.lower() for word in words}
        index = self.vocab.index
        self.blocked_ids = np.asarray(sorted(index[w] for w in self.blocked_words if w in index), dtype=np.int64)
        self.allowed_mask = self.offerable_mask.copy()  # offerable and not blocked: what completions may write
        self.allowed_mask[self.blocked_ids] = False
        self.allowed_word_ids = np.flatnonzero(self.allowed_mask)
        # The words offered at each letter of the word being typed, for the distribution they came from:
        # the next keystroke in the same word needs them all again. Blocking a word changes them.
        self._passed_source: tuple[np.ndarray | None, int] = (None, 0)
        self._shown_at: dict[str, list[str]] = {}

    def context_ids(self, context_text: str, speaker: str = SPEAKERS[0], tokens: list[str] | None = None) -> list[int]:
        """The model's input for a line: `<speaker> <bos> tokens`, as messages were laid out in training
        (`tokens`: the text's, when the caller has them already)."""
        return self.vocab.encode(line_layout(tokenize(context_text) if tokens is None else tokens, speaker=speaker))

    def prefix_ids(self, partial: str) -> np.ndarray:
        """Ids of every offerable word that starts with the partial word (case-insensitive), itself included."""
        low, high = prefix_range(self._sorted_words, partial)
        return self._sorted_ids[low:high]

    def completions(self, partial: str) -> np.ndarray:
        """Ids of offerable words that start with the partial word (case-insensitive) and add enough letters."""
        low, high = prefix_range(self._sorted_words, partial)
        long_enough = self._sorted_lengths[low:high] >= len(partial) + self.min_added_letters
        return self._sorted_ids[low:high][long_enough]

    def _scored(self, probabilities: np.ndarray, partial: str, extras=None
                ) -> tuple[np.ndarray, _Outside, np.ndarray, float]:
        """The candidate vocabulary ids, the words beyond the vocabulary after them, the scores of both in
        that order (a completion held back by the one-letter rule scores -1), and the candidates' total
        probability.

        Beyond the vocabulary: rare words (scored through <unk>, completions only) and the personal cache's
        own words (`extras`, at word starts too). Words are looked up only for the few positions ranked."""
        candidates = self.completions(partial) if partial else self._offerable_ids
        scores = probabilities[candidates]
        others = _Outside(self, probabilities, partial, extras)
        if len(others):
            scores = np.concatenate([scores, others.scores])
        total = float(scores.sum())
        if not partial:
            return candidates, others, scores, total
        lengths = np.concatenate([self._lengths[candidates], others.lengths])
        one_letter = (lengths - len(partial) == 1) & (scores < self.one_letter_share * total)
        return candidates, others, np.where(one_letter, -1.0, scores), total  # -1: below every real probability

    def _shown_outside(self, word: str, extras) -> str:
        display = getattr(extras, "display", None) or {}
        if word in display:
            return display[word]
        return self.rare_words.display_form(word) if self.rare_words is not None else word

    def choose(self, probabilities: np.ndarray, typed: Typed | str, k: int, extras=None,
               passed: set[str] | None = None) -> list[Suggestion]:
        """The k likeliest offerable words for what was typed left of the cursor (its text, or the Typed the
        predictor read once), best first.
        extras: the personal cache's words beyond the vocabulary, for this context (runtime/personal_cache.py);
        passed: the words offered at earlier letters of this word (default: worked out from `probabilities`)."""
        typed = as_typed(typed)
        if k <= 0:
            return []
        partial = typed.partial
        if passed is None:
            passed = self.passed_over(probabilities, partial, k, extras) if self.skip_passed_over else set()
        return [Suggestion(typed.shown(shown), score)
                for shown, score in self._ranked(probabilities, partial, k, passed, extras).values()]

    def passed_over(self, probabilities: np.ndarray, partial: str, k: int, extras=None) -> set[str]:
        """The words shown while the partial word was typed, one letter at a time: the person saw them
        and typed on, so none of them is the word."""
        if self._passed_source[0] is not probabilities or self._passed_source[1] != k:
            self._passed_source, self._shown_at = (probabilities, k), {}
        passed: set[str] = set()
        for length in range(len(partial)):
            prefix = partial[:length]
            if prefix not in self._shown_at:  # each earlier letter is ranked once per word, not once per key
                self._shown_at[prefix] = list(self._ranked(probabilities, prefix, k, passed, extras))
            if not self._shown_at[prefix] and not self._starts_a_word(prefix, extras):
                break  # nor does any longer prefix: a 10,000-letter "word" is not ranked 10,000 times (0.3 s)
            passed.update(self._shown_at[prefix])
        return passed

    def shown(self, probabilities: np.ndarray, partial: str, k: int, skip: set[str], extras=None) -> list[str]:
        """The lower-case words offered for the partial word, none of them in `skip`."""
        return list(self._ranked(probabilities, partial, k, skip, extras))

    def _starts_a_word(self, prefix: str, extras=None) -> bool:
        """Does any word that may be offered (known, rare or the person's own) start with the prefix?"""
        lists = [self._sorted_words, self.rare_words.words if self.rare_words is not None else [],
                 getattr(extras, "sorted_words", None) or []]
        return any(low < high for low, high in (prefix_range(words, prefix) for words in lists))

    def _ranked(self, probabilities: np.ndarray, partial: str, k: int, skip: set[str],
                extras=None) -> dict[str, tuple[str, float]]:
        """Up to k offerable words for the partial word, best first, none of them in `skip`:
        lower-case word -> (usual written form, score)."""
        candidates, others, scores, total = self._scored(probabilities, partial, extras)
        chosen: dict[str, tuple[str, float]] = {}
        if len(scores) == 0 or scores.max() < 0:
            return chosen
        clear_choice = self.passed_over_share * total
        take = min(len(scores), k + len(self.blocked_words) + len(skip))
        best = np.argpartition(-scores, take - 1)[:take] if take < len(scores) else np.arange(len(scores))
        best = best[np.argsort(-scores[best], kind="stable")]
        for position in best:
            if scores[position] < 0:
                break  # only completions held back remain
            if position < len(candidates):
                word = self.vocab.tokens[int(candidates[position])]
                shown = self.vocab.display_form(word)
            else:
                word = others.word(position - len(candidates))
                shown = self._shown_outside(word, extras)
            if word in chosen:
                continue  # a rare word the person also wrote: counted where it scored higher
            if word in skip and scores[position] < clear_choice:
                continue  # passed over, and not clearly the word being typed now
            if word in self.blocked_words and word != partial.lower():
                continue
            chosen[word] = (shown, float(scores[position]))
            if len(chosen) == k:
                break
        return chosen


class _Outside:
    """The words beyond the vocabulary that may complete the partial word (or start the next one): rare
    words, then the personal cache's own, as index arrays with scores and lengths; a word is looked up
    only when its position is ranked (a short prefix matches thousands of rare words)."""

    def __init__(self, chooser: WordChooser, probabilities: np.ndarray, partial: str, extras):
        min_length = len(partial) + chooser.min_added_letters
        rare = chooser.rare_words if partial else None
        self.rare_words = rare.words if rare is not None else []
        self.rare = rare.matching(partial, min_length) if rare is not None else np.zeros(0, dtype=np.int64)
        has_extras = extras is not None and len(extras.words) > 0
        self.extra_words = extras.words if has_extras else []
        self.extra = extras.matching(partial, min_length) if has_extras else np.zeros(0, dtype=np.int64)
        rare_scores = probabilities[chooser.vocab.unk_id] * rare.shares[self.rare] if rare is not None else []
        extra_scores = extras.probabilities[self.extra] if has_extras else []
        self.scores = np.concatenate([rare_scores, extra_scores])
        self.lengths = np.concatenate([rare.lengths[self.rare] if rare is not None else [],
                                       extras.lengths[self.extra] if has_extras else []])

    def __len__(self) -> int:
        return len(self.rare) + len(self.extra)

    def word(self, position: int) -> str:
        if position < len(self.rare):
            return self.rare_words[int(self.rare[position])]
        return self.extra_words[int(self.extra[position - len(self.rare)])]
