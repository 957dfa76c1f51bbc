"""The text the typing benchmarks type: the chitchat test split unless told otherwise."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.evaluation.metrics import percentile, read_lines  # noqa: E402


def add_text_options(parser: argparse.ArgumentParser, default_lines: int) -> None:
    parser.add_argument("--text", default="data/chitchat.test.txt", help="one message per line")
    parser.add_argument("--lines", type=int, default=default_lines, help=f"lines to type (default {default_lines})")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def lines_to_type(args) -> list[str] | None:
    """The first --lines lines of --text; None (after saying what to do) when the file is not there."""
    if not Path(args.text).is_file():
        print(f"{args.text}: not found; run `make data` to write the chitchat splits", file=sys.stderr)
        return None
    return read_lines(args.text, args.lines)


def time_two_in_turn(first, second, lines: list[str], warmup: int = 30, line_done=None) -> tuple[list, list]:
    """Seconds of every suggest(line[:j], 3) of two predictors, key by key in turn (either one first, in
    turn): the machine's ups and downs fall on both alike. line_done(line), untimed, after each line."""
    times: tuple[list[float], list[float]] = ([], [])
    pair = ((times[0], first), (times[1], second))
    for line in lines:
        for end in range(len(line) + 1):
            for kept, predictor in pair if end % 2 else pair[::-1]:
                started = time.perf_counter()
                predictor.suggest(line[:end], 3)
                kept.append(time.perf_counter() - started)
        if line_done is not None:
            line_done(line)
    return times[0][warmup:], times[1][warmup:]


def time_in_turn(plain, learning, lines: list[str], warmup: int = 30) -> dict[str, list[float]]:
    """time_two_in_turn with the second predictor learning each line once typed, so the difference is
    what learning costs. {"without": [...], "with": [...]}."""
    without, with_learning = time_two_in_turn(plain, learning, lines, warmup, line_done=learning.observe)
    return {"without": without, "with": with_learning}


def milliseconds(times: list[float]) -> dict:
    values = [t * 1000 for t in times]
    return {"calls": len(values), "p50_ms": percentile(values, 50), "p95_ms": percentile(values, 95),
            "p99_ms": percentile(values, 99), "mean_ms": sum(values) / len(values)}
