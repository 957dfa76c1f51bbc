"""What the person meant when they mistyped: a noisy channel over the words Nextword knows, read in context.

    score(meant) = P(meant | context) * P(typed | meant)

P(meant | context) is the model's mixture (network, n-grams, personal cache: the distribution the chips
come from; engine/runtime/known_words.py gives each known word its share), P(typed | meant) the error
model (engine/runtime/typing_errors.py). So "cna you" is "can you" and "thier house" is "their house":
a spell checker without the context could not tell "their" from "there".

Two kinds of reading for the letters typed so far:
- the whole word mistyped ("recieve", "thw"): every known word within two slips of it;
- a word still being typed, mistyped on the way ("recie"): the prefixes one slip away that start a known
  word, each completed by its likeliest words ("rece" -> receive, received, receiving).

The search runs only when a correction could win: when no completion of what was typed is as likely as
the likeliest word could be after the cheapest slip. Typing a likely word costs nothing more.
"""

from __future__ import annotations

import heapq
import math
import re
import string
from dataclasses import dataclass

import numpy as np

from engine.core.tokenizer import starts_sentence
from engine.core.typed import Typed
from engine.runtime.known_words import KnownWords, letter_counts
from engine.runtime.typing_errors import TypingErrors

LETTERS = string.ascii_lowercase + "'"
PLAIN_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*'?\Z")  # corrected: lower-case letters only (no digits, no names)
# Readings of a word still being typed, at most this many words for each prefix one slip away.
COMPLETIONS_PER_PREFIX = 4
MIN_CORRECTED_LETTERS = 2  # "i" and "a" are words, and a single letter is no evidence of a slip
# Longer "words" are never corrected: a typo of the longest dictionary words (~30 letters) is rare, and the
# strings two letters shorter of a 10,000-letter run would be 50 million strings of 10,000 letters each.
MAX_CORRECTED_LETTERS = 30
UNKNOWN_WORD_LETTERS = 5  # the length at which an unknown word's share of <unk> is unknown_word_share
NEGLIGIBLE = 0.01  # a verdict leaves unpriced the readings that together could add at most this share


def may_correct(word: str) -> bool:
    """A word the corrector reads at all: lower-case letters (and apostrophes), 2 to 30 of them."""
    return MIN_CORRECTED_LETTERS <= len(word) <= MAX_CORRECTED_LETTERS and PLAIN_WORD.match(word) is not None


_ADDRESS_MARKS = set("@/:\\_")  # and a full stop right after a letter or digit ("www.", not "but...")


def name_or_address(typed: Typed) -> bool:
    """Left alone: a capitalised word mid-sentence (a name), or a word inside a web or e-mail address
    ("www.gogle", "bob@gmial")."""
    word, context = typed.partial, typed.context
    if word[:1].isupper() and not word.isupper() and not starts_sentence(context):
        return True
    if not context:
        return False
    return context[-1] in _ADDRESS_MARKS or (context[-1] == "." and len(context) > 1 and context[-2].isalnum())


@dataclass(frozen=True)
class Correction:
    word: str  # lower-case
    score: float  # P(word | context) * P(typed | word): comparable with a completion's probability
    cost: float  # -log P(typed | word)


@dataclass(frozen=True)
class Verdict:
    """What the corrector makes of a finished word."""

    best: Correction | None  # the likeliest word meant, if not the word as typed
    confidence: float  # its share of every reading's score, the word as typed included


class Corrector:
    def __init__(self, known: KnownWords, errors: TypingErrors | None = None, autocorrect_confidence: float = 0.5,
                 unknown_word_share: float = 1e-7, reading_confidence: float = 0.2,
                 unknown_letter_factor: float = 0.5):
        self.known = known
        self.errors = errors or TypingErrors()
        self.autocorrect_confidence = autocorrect_confidence  # a finished word is replaced above this confidence
        # P(the letters typed are a word Nextword does not know, and meant as typed | <unk> comes next): a name,
        # a new word. Against it the corrections of a finished word are weighed.
        self.unknown_word_share = unknown_word_share
        # ...for a word of UNKNOWN_WORD_LETTERS letters; each letter more multiplies it by this: a long string no
        # dictionary has is less likely a new word than a slip (tuned on the chat and Genesis-Numbers validation
        # cases: 0.5 fixed the most there while changing at most 0.5% of valid words)
        self.unknown_letter_factor = unknown_letter_factor
        # A word typed before the one being typed is read as its likeliest correction above this confidence: the
        # model reads it, the text keeps what was typed, so a guess costs less than autocorrect's.
        self.reading_confidence = reading_confidence
        self._sorted_numbers = np.asarray([known.number[word] for word in known.sorted_words], dtype=np.int64)
        errors = self.errors
        # The cheapest letter added, left out or changed; and the cheapest slip of all (a swap changes no letter)
        self._per_letter = min(errors.delete, errors.delete_double, errors.insert_near, errors.insert,
                               errors.sub_near, errors.sub_vowel, errors.sub)
        self._one_slip = min(self._per_letter, errors.transpose)

    # When to look
    def worth_searching(self, partial: str, best_typed: float, probabilities: np.ndarray) -> bool:
        """Could a correction beat the best completion of what was typed (`best_typed`, its probability)?
        Never, when that completion is likelier than the likeliest word after the cheapest slip (or the list's
        price, for a misspelling the list names)."""
        slip = min(self._one_slip, self.errors.known) if partial in self.known.misspellings else self._one_slip
        bound = math.exp(-self.errors.any_slip - slip)  # a correction scores at most its prior (at most 1) times this
        if not may_correct(partial) or best_typed >= bound:
            return False
        return best_typed < float(probabilities.max()) * bound

    # Readings
    def corrections(self, partial: str, probabilities: np.ndarray, whole_word: bool = False,
                    allowed=None, floor: float = 0.0, wanted: int | None = None,
                    weighed_against: float | None = None) -> list[Correction]:
        """The words meant, best first, that are not completions of the letters typed (those are the typed
        reading). whole_word: the word is finished (a space comes next): no prefix readings. floor: only
        readings that score above it are wanted (the chips' last one): a word whose prior could not beat it
        even after the cheapest slip is not priced at all; nor one that could not beat the `wanted` best
        readings already found (None: every reading is wanted, as a verdict weighs them all).
        weighed_against: the typed reading's score, for a verdict: the words left unpriced could add at most
        NEGLIGIBLE of the scores found and this one."""
        partial = partial.lower()
        if not may_correct(partial):
            return []

        def offered(word: str) -> bool:  # a correction that may be offered: not the typed reading, not blocked
            typed_reading = word == partial if whole_word else word.startswith(partial)
            return not typed_reading and (allowed is None or allowed(word))

        found: dict[int, tuple[float, float]] = {}  # word number -> (score, cost)
        floor = self._whole_word_readings(partial, probabilities, found, floor, wanted, offered, weighed_against)
        if not whole_word:
            self._prefix_readings(partial, probabilities, found, floor)
        readings = [Correction(self.known.words[number], score, cost) for number, (score, cost) in found.items()
                    if offered(self.known.words[number])]
        return sorted(readings, key=lambda reading: -reading.score)

    def _whole_word_readings(self, typed: str, probabilities: np.ndarray, found: dict, floor: float,
                             wanted: int | None, offered, weighed_against: float | None = None) -> float:
        """Every known word within two slips of `typed`, likeliest first; returns the floor raised to the
        `wanted`-th best offered reading found (what a prefix reading must beat)."""
        numbers = self.known.within_two(typed)
        if len(numbers) == 0:
            return floor
        meant_by_list = set(self.known.misspellings.get(typed, ()))
        # The most each word could score: its prior after the cheapest slips its length allows
        priors = self.known.priors(numbers, probabilities)
        bounds = priors * np.exp(-self._cheapest_for(typed, numbers, meant_by_list))
        order = np.argsort(-bounds, kind="stable")  # best first: the search stops once none left can win
        numbers, priors, bounds = numbers[order], priors[order], bounds[order]
        best: list[float] = []  # a min-heap of the `wanted` best scores found
        unpriced = np.cumsum(bounds[::-1])[::-1].tolist()  # the bounds of this word and every one after it
        total = weighed_against or 0.0
        for position, (number, prior, bound) in enumerate(zip(numbers.tolist(), priors.tolist(), bounds.tolist(),
                                                              strict=True)):
            if bound <= 0 or bound <= floor:
                break
            if weighed_against is not None and unpriced[position] <= NEGLIGIBLE * total:
                break  # all the rest together could not move the verdict's confidence by NEGLIGIBLE
            word = self.known.words[number]
            if word == typed:
                continue  # the typed reading: the caller weighs it
            cost = self.errors.cost(typed, word, known_misspelling=word in meant_by_list)
            if cost > self.errors.limit:
                continue
            score = prior * math.exp(-cost)
            total += score
            _keep(found, number, score, cost)
            if wanted is not None and offered(word):  # the wanted-th best so far: a reading must beat it
                heapq.heappush(best, score)
                if len(best) > wanted:
                    heapq.heappop(best)
                if len(best) == wanted:
                    floor = max(floor, best[0])
        return floor

    def _cheapest_for(self, typed: str, numbers: np.ndarray, meant_by_list: set[str]) -> np.ndarray:
        """A lower bound on each word's cost: any_slip, and at least one slip, and at least as many as letters
        must be added, left out or changed to make one word's letters the other's, whatever their order (each
        costs at least the cheapest letter added or left out); a misspelling the list names costs what the list
        says."""
        errors = self.errors
        difference = self.known.letter_counts[numbers] - letter_counts(typed)  # (words, 28)
        unmatched = np.maximum(np.maximum(difference, 0).sum(axis=1), np.maximum(-difference, 0).sum(axis=1))
        cheapest = errors.any_slip + np.maximum(self._one_slip, unmatched * self._per_letter)
        if meant_by_list:
            listed = [self.known.number[word] for word in meant_by_list if word in self.known.number]
            cheapest[np.isin(numbers, listed)] = errors.any_slip + errors.known
        return cheapest

    def _prefix_readings(self, partial: str, probabilities: np.ndarray, found: dict, floor: float) -> None:
        """Words that start with a prefix one slip away from the partial word ("recie" -> "rece", "reci")."""
        if len(partial) < 3:
            return
        at_least = math.exp(-self.errors.any_slip - self._one_slip)  # what the cheapest slip leaves of a prior
        prefixes = sorted(_one_slip(partial))
        lows, highs = self.known.prefix_ranges(prefixes)
        for position in np.flatnonzero(highs > lows).tolist():  # the prefixes that start a word
            prefix, low, high = prefixes[position], int(lows[position]), int(highs[position])
            numbers = self._sorted_numbers[low:high]
            priors = self.known.priors(numbers, probabilities)
            if float(priors.max()) * at_least <= floor:
                continue  # none of its words could beat the floor: not priced
            cost = self.errors.cost(partial, prefix)
            if cost > self.errors.limit:
                continue
            take = min(COMPLETIONS_PER_PREFIX, len(numbers))
            for likely in np.argpartition(-priors, take - 1)[:take]:
                if priors[likely] > 0 and priors[likely] * math.exp(-cost) > floor:
                    _keep(found, int(numbers[likely]), float(priors[likely]) * math.exp(-cost), cost)

    # A finished word
    def verdict(self, typed: str, probabilities: np.ndarray, allowed=None) -> Verdict:
        """The likeliest word meant by a finished word, and how sure: its share of the scores of every reading,
        the word as typed counted as the word it is (its own probability if the model knows it, else an unknown
        word's share of P(<unk> | context))."""
        typed_lower = typed.lower()
        # The word as typed: an unknown word's share of <unk>, or its own probability if the model knows it
        # ("lol" is kept in a chat, "htat" is not)
        share = self.unknown_word_share * self.unknown_letter_factor ** (len(typed_lower) - UNKNOWN_WORD_LETTERS)
        unknown = float(probabilities[self.known.vocab.unk_id]) * share
        as_typed = max(unknown, self.known.prior(typed_lower, probabilities))
        readings = self.corrections(typed_lower, probabilities, whole_word=True, allowed=allowed,
                                    weighed_against=as_typed)
        if not readings:
            return Verdict(None, 0.0)
        total = as_typed + sum(reading.score for reading in readings)
        return Verdict(readings[0], readings[0].score / total if total > 0 else 0.0)


def _keep(found: dict, number: int, score: float, cost: float) -> None:
    if number not in found or found[number][0] < score:
        found[number] = (score, cost)


def _one_slip(word: str) -> set[str]:
    """Every string one slip from `word`: a letter left out, swapped with the next, changed, or added."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = [left + right[1:] for left, right in splits if right]
    swaps = [left + right[1] + right[0] + right[2:] for left, right in splits if len(right) > 1]
    changes = [left + letter + right[1:] for left, right in splits if right for letter in LETTERS]
    inserts = [left + letter + right for left, right in splits for letter in LETTERS]
    return set(deletes + swaps + changes + inserts) - {word}
