"""Top-k accuracy, keystroke savings and latency over any object with suggest(), per shared/PROTOCOL.md.

Nothing here knows about models: a predictor is anything with `suggest(left_text, k)` returning
strings or objects with a `.word`. Perplexity is plain arithmetic on summed log-losses.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from engine.core.corpus import CorpusError, flatten, read_utf8
from engine.core.tokenizer import WORD_PATTERN

WORD = re.compile(WORD_PATTERN)


class SuggestsWords(Protocol):
    def suggest(self, left_text: str, k: int): ...


def read_lines(path: str | Path, limit: int = 0) -> list[str]:
    """The first `limit` non-empty lines of a UTF-8 file (0: all), flattened as the protocol says."""
    lines = [flatten(line) for line in read_utf8(Path(path)).split("\n")]
    lines = [line for line in lines if line]
    if not lines:
        raise CorpusError(f"{path}: no text to evaluate on (the file has no non-empty lines)")
    return lines[:limit] if limit else lines


def _offered(suggestions, k: int) -> list[str]:
    return [(item if isinstance(item, str) else item.word).lower() for item in list(suggestions)[:k]]


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def _learn(predictor, line: str, online: bool) -> None:
    """PROTOCOL 9: a predictor that learns online observes each line once it has been scored."""
    if online:
        predictor.observe(line)


def top_k_accuracy(predictor: SuggestsWords, lines: Iterable[str], online: bool = False) -> dict:
    """PROTOCOL 5 and 6: one suggest(line[:s], 3) per word start; hit@1, hit@3 and call latency.
    online: call predictor.observe(line) after each line (PROTOCOL 9)."""
    hits1 = hits3 = positions = characters = line_count = 0
    latencies: list[float] = []
    for line in lines:
        line_count += 1
        characters += len(line)
        for match in WORD.finditer(line):
            target = match.group().lower()
            started = time.perf_counter()
            offered = _offered(predictor.suggest(line[: match.start()], 3), 3)
            latencies.append((time.perf_counter() - started) * 1000)
            positions += 1
            hits1 += bool(offered) and offered[0] == target
            hits3 += target in offered
        _learn(predictor, line, online)
    return {
        "top1": hits1 / max(1, positions),
        "top3": hits3 / max(1, positions),
        "words": positions,
        "lines": line_count,
        "characters": characters,
        "p50_ms": percentile(latencies, 50) if latencies else 0.0,
        "p95_ms": percentile(latencies, 95) if latencies else 0.0,
    }


def keystroke_savings(predictor: SuggestsWords, lines: Iterable[str], chips: int = 3, online: bool = False) -> dict:
    """PROTOCOL 7: a typist who accepts the target word the moment one of the chips offers it.
    online: call predictor.observe(line) after each line (PROTOCOL 9)."""
    keystrokes = characters = accepted = words = line_count = 0
    for line in lines:
        line_count += 1
        characters += len(line)
        position = 0
        for match in WORD.finditer(line):
            start, end = match.span()
            keystrokes += start - position  # spaces and punctuation are typed
            target = match.group().lower()
            words += 1
            for cursor in range(start, end):
                keystrokes += 1  # either the accepting key or the typed character
                if target in _offered(predictor.suggest(line[:cursor], chips), chips):
                    accepted += 1
                    break
            position = end
        keystrokes += len(line) - position
        _learn(predictor, line, online)
    return {
        "ksr": 1 - keystrokes / max(1, characters),
        "accepted_per_100_words": 100 * accepted / max(1, words),
        "keystrokes": keystrokes,
        "characters": characters,
        "words": words,
        "lines": line_count,
    }


def perplexity(total_negative_log_likelihood: float, count: int) -> float:
    """exp of the mean negative log-likelihood (natural log) per predicted token."""
    return math.exp(total_negative_log_likelihood / count) if count else float("nan")
