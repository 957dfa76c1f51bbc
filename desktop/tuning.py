"""The minimum confidence for inline text, tuned from the acceptance log.

Every inline suggestion logged keeps the probability the model gave it and the keystrokes it saved.
For each candidate threshold, the suggestions at or above it are the ones that would have been
shown; the threshold chosen maximises keystrokes saved per suggestion shown among them. It is
bounded so it never hides everything: at least `min_share` of what was logged stays shown, and the
threshold stays within [LOWEST, HIGHEST]. Near-ties (within `TOLERANCE` of the best, which is noise
in a log of a few hundred rows) go to the lower threshold, which shows more.
"""

from __future__ import annotations

LOWEST, HIGHEST = 0.05, 0.9
CANDIDATES = [round(0.05 * step, 2) for step in range(1, 19)]  # 0.05 ... 0.90
MIN_SUGGESTIONS = 50  # fewer logged inline suggestions than this: too little to go on
TOLERANCE = 0.03


def tune_inline_threshold(rows: list[dict], min_share: float = 0.25) -> float | None:
    """The threshold for the rows' inline suggestions, or None when the log holds too few of them."""
    inline = [(row["probability"], row["keystrokes_saved"]) for row in rows if row["kind"] == "inline"]
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
