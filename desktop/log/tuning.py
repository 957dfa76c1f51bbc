"""The minimum confidence for inline text, tuned from the acceptance log.

Every inline suggestion logged keeps the probability the model gave it and the keystrokes it saved.
For each candidate threshold, the suggestions at or above it are the ones that would have been
shown; the threshold chosen maximises keystrokes saved per suggestion shown among them. It is
bounded so it never hides everything: at least `min_share` of what was logged stays shown, and the
threshold stays within [LOWEST, HIGHEST]. Near-ties (within `TOLERANCE` of the best, which is noise
in a log of a few hundred rows) go to the lower threshold, which shows more.

Only the newest RECENT_INLINE inline suggestions count: the log's index of inline suggestions by time
(desktop/log/log_schema.py, m002) hands them over without reading the rest, so tuning at the editor's start
takes as long with a year's log as with an empty one, and follows what the model does now.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from desktop.log.log_schema import USABLE_ROW, open_read_only

LOWEST, HIGHEST = 0.05, 0.9
CANDIDATES = [round(0.05 * step, 2) for step in range(1, 19)]  # 0.05 ... 0.90
MIN_SUGGESTIONS = 50  # fewer logged inline suggestions than this: too little to go on
TOLERANCE = 0.03
RECENT_INLINE = 5000  # plenty for a threshold steadier than TOLERANCE, few enough to read at every start


def tune_from_log(path: str | Path) -> float | None:
    """The threshold tuned from the newest inline suggestions in the log at `path`, read-only."""
    connection = open_read_only(path)
    try:
        return threshold_for(recent_inline(connection))
    finally:
        connection.close()


def recent_inline(connection: sqlite3.Connection, since: str | None = None,
                  limit: int = RECENT_INLINE) -> list[tuple[float, int]]:
    """(probability, keystrokes saved) of the newest `limit` inline suggestions shown on or after `since` (a
    date), newest first; rows with odd values are skipped."""
    where, args = ("AND shown_at >= ?", [since]) if since else ("", [])
    return connection.execute(f"SELECT probability, keystrokes_saved FROM suggestions "
                              f"WHERE kind = 'inline' AND {USABLE_ROW} {where} "
                              "ORDER BY shown_at DESC, id DESC LIMIT ?", [*args, limit]).fetchall()


def tune_inline_threshold(rows: list[dict], min_share: float = 0.25) -> float | None:
    """The threshold for the rows' inline suggestions, or None when they are too few."""
    return threshold_for([(row["probability"], row["keystrokes_saved"]) for row in rows if row["kind"] == "inline"],
                         min_share)


def threshold_for(inline: list[tuple[float, int]], min_share: float = 0.25) -> float | None:
    """The threshold for inline suggestions given as (probability, keystrokes saved), or None when they are
    too few to go on."""
    if len(inline) < MIN_SUGGESTIONS:
        return None
    rates: dict[float, float] = {}
    for threshold in CANDIDATES:
        kept = [saved for probability, saved in inline if probability >= threshold]
        if len(kept) < max(1, min_share * len(inline)):
            break  # higher thresholds keep even fewer
        rates[threshold] = sum(kept) / len(kept)
    if not rates:
        return None
    best_rate = max(rates.values())
    chosen = min(threshold for threshold, rate in rates.items() if rate >= best_rate * (1 - TOLERANCE))
    return min(HIGHEST, max(LOWEST, chosen))
