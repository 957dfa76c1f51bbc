"""Typing with mistakes, as shared/PROTOCOL.md section 10 measures it: cases made from held-out lines, and
the metrics over them.

A case replaces one word of a line, line[start:end] (the word meant), by what the typist typed instead:
- "misspelling": a misspelling people make, from the list of common misspellings (engine/core/dictionary.py,
  read backwards: the misspellings of each word meant);
- "slip": one keyboard slip: a neighbouring key for a letter, a letter dropped, a neighbouring key added
  beside a letter, or two letters swapped; never itself a known word;
- "clean": a valid word that is rare in ordinary English, kept as it is (changing it is a fault).
Only lower-case words of three letters or more are chosen (a capital marks a name, which is left alone).
"""

from __future__ import annotations

import random
import re
import time
from collections import defaultdict
from dataclasses import dataclass

from engine.evaluation.metrics import percentile
from engine.runtime.typing_errors import NEIGHBOURS

WORD = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z0-9]+)*")
CHOSEN_WORD = re.compile(r"[a-z]{3,}\Z")
KINDS = ("misspelling", "slip", "clean")


@dataclass(frozen=True)
class TypoCase:
    kind: str
    line: str
    start: int
    end: int
    typed: str  # typed instead of line[start:end] (the same word for a clean case)

    @property
    def intended(self) -> str:
        return self.line[self.start:self.end]

    @property
    def left(self) -> str:
        """The line up to the typed word, no space after it yet."""
        return self.line[:self.start] + self.typed

    def next_word(self) -> tuple[str, str, str] | None:
        """(the next word, the text before it with the typo, the text before it as meant), if a word follows."""
        following = WORD.search(self.line, self.end)
        if following is None:
            return None
        between = self.line[self.end:following.start()]
        return following.group(), self.left + between, self.line[:following.start()]


def slip(word: str, rng: random.Random) -> str:
    """One keyboard slip in `word`."""
    position = rng.randrange(len(word))
    letter = word[position]
    kind = rng.choice(("neighbour", "drop", "add", "swap"))
    if kind == "neighbour" and NEIGHBOURS.get(letter):
        return word[:position] + rng.choice(sorted(NEIGHBOURS[letter])) + word[position + 1:]
    if kind == "add" and NEIGHBOURS.get(letter):
        added = rng.choice(sorted(NEIGHBOURS[letter]))
        return word[:position + 1] + added + word[position + 1:] if rng.random() < 0.5 else \
            word[:position] + added + word[position:]
    if kind == "swap" and position + 1 < len(word) and word[position] != word[position + 1]:
        return word[:position] + word[position + 1] + word[position] + word[position + 2:]
    return word[:position] + word[position + 1:]


def build_cases(lines: list[str], misspellings: dict[str, tuple[str, ...]], is_known, rare_words: set[str],
                per_kind: int, seed: int = 0) -> list[TypoCase]:
    """Up to per_kind cases of each kind, from the lines in a seeded random order, one case per line.
    is_known(word): a valid word (a slip is made of one, and one that makes one is not a typo: "form" for "from");
    rare_words: valid words rare in ordinary English, for the clean cases."""
    rng = random.Random(seed)
    meant_as = defaultdict(list)  # word meant -> its known misspellings
    for typed, meant in misspellings.items():
        for word in meant:
            meant_as[word].append(typed)
    order = list(range(len(lines)))
    rng.shuffle(order)
    cases: dict[str, list[TypoCase]] = {kind: [] for kind in KINDS}
    for index in order:
        line = lines[index]
        words = [match for match in WORD.finditer(line) if CHOSEN_WORD.match(match.group())]
        if not words:
            continue
        kind = rng.choice([kind for kind in KINDS if len(cases[kind]) < per_kind] or [None])
        if kind is None:
            break
        case = _case(kind, line, words, meant_as, is_known, rare_words, rng)
        if case is not None:
            cases[kind].append(case)
    return [case for kind in KINDS for case in cases[kind]]


def _case(kind, line, words, meant_as, is_known, rare_words, rng) -> TypoCase | None:
    if kind == "misspelling":
        choices = [match for match in words if match.group() in meant_as]
        if not choices:
            return None
        match = rng.choice(choices)
        return TypoCase(kind, line, match.start(), match.end(), rng.choice(sorted(meant_as[match.group()])))
    if kind == "clean":
        return _clean(line, [match for match in words if match.group() in rare_words], rng)
    valid = [match for match in words if is_known(match.group().lower())]
    if not valid:
        return None
    match = rng.choice(valid)  # a slip of a word: not of the line's own typos ("carribean")
    for _ in range(10):
        typed = slip(match.group(), rng)
        if typed and not is_known(typed):
            return TypoCase(kind, line, match.start(), match.end(), typed)
    return None


def _clean(line, choices, rng) -> TypoCase | None:
    if not choices:
        return None
    match = rng.choice(choices)
    return TypoCase("clean", line, match.start(), match.end(), match.group())


def measure(predictor, cases: list[TypoCase]) -> dict:
    """Section 10's figures, per kind of case."""
    report = {}
    for kind in KINDS:
        chosen = [case for case in cases if case.kind == kind]
        if chosen:
            report[kind] = _measure_kind(predictor, chosen, kind)
    return report


def _measure_kind(predictor, cases: list[TypoCase], kind: str) -> dict:
    first = among = fixed = wrong = changed = 0
    next_typo = next_meant = next_cases = 0
    latencies = []
    for case in cases:
        intended = case.intended.lower()
        started = time.perf_counter()
        words = _words(predictor.suggest(case.left, 3))
        latencies.append((time.perf_counter() - started) * 1000)
        first += bool(words) and words[0] == intended
        among += intended in words
        replacement = predictor.autocorrect(case.left) if hasattr(predictor, "autocorrect") else None
        if replacement is not None:
            changed += 1
            fixed += replacement.lower() == intended
            wrong += replacement.lower() != intended
        following = case.next_word()
        if following is not None and kind != "clean":
            word, with_typo, as_meant = following
            next_cases += 1
            next_typo += word.lower() in _words(predictor.suggest(with_typo, 3))
            next_meant += word.lower() in _words(predictor.suggest(as_meant, 3))
    count = len(cases)
    figures = {"cases": count, "chips@1": first / count, "chips@3": among / count,
               "p50_ms": percentile(latencies, 50), "p95_ms": percentile(latencies, 95)}
    if kind == "clean":
        figures["false"] = changed / count
    else:
        figures.update({"fixed": fixed / count, "wrong": wrong / count, "next_cases": next_cases,
                        "next@3_typo": next_typo / max(1, next_cases), "next@3_meant": next_meant / max(1, next_cases)})
    return figures


def _words(suggestions) -> list[str]:
    """The protocol's items: strings, or objects whose .word is one; compared lower-cased."""
    return [getattr(item, "word", item).lower() for item in suggestions[:3]]
