"""How much of the paragraph the predictor sees, and where that text starts.

At most CONTEXT_CHARACTERS before the cursor, so a 5 MB paragraph costs what a short one does. The
start is a place that does not move while the person types: a sentence start (else a word start)
after a fixed grid position of the paragraph. A window that slid by one character with every
key would change the first tokens on every key, the predictor's state cache (keyed on the tokens)
would never match, and each key would re-run the model over the whole context; with a fixed start a
key inside a word runs no model step and a new word runs one.
"""

from __future__ import annotations

import re

CONTEXT_CHARACTERS = 300
LOOKBEHIND = 20  # characters fetched before the window, to see how the sentence at its edge began
ANCHOR_SPACING = 100  # without sentence ends the start moves in steps of this many characters: the
# context stays 200-300 characters long, and each move re-reads it once (about 60 model steps)

_SENTENCE_START = re.compile(r"[.!?]+[\"')\]]*\s+(?=\S)")  # the match ends where the next sentence starts
_WORD_START = re.compile(r"(?<!\S)\S")


def context_start(tail: str, tail_start: int, cursor: int, limit: int = CONTEXT_CHARACTERS) -> int:
    """Where, in `tail` (the paragraph's text from position `tail_start` up to the cursor at position
    `cursor`), the predictor's context begins: all of it for a short paragraph; else the first sentence
    start after the first grid position at most `limit` characters back, or failing that the first
    word start after it (or the cursor, if there is none). Only the grid position depends on the
    cursor, so the start moves at most twice per ANCHOR_SPACING characters typed."""
    if cursor <= limit and tail_start == 0:
        return 0
    anchor = -(-(cursor - limit) // ANCHOR_SPACING) * ANCHOR_SPACING - tail_start  # index into tail
    for match in _SENTENCE_START.finditer(tail, max(0, anchor - LOOKBEHIND)):
        if match.end() >= anchor:
            return match.end()
    found = _WORD_START.search(tail, max(0, anchor))
    return found.start() if found else len(tail)
