"""The text the typing benchmarks type: the chitchat test split unless told otherwise."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.evaluation.metrics import read_lines  # noqa: E402


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
