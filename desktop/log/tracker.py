"""What became of each suggestion: accepted, typed through, dismissed or ignored (an autocorrection: kept or
undone, desktop/gui/autocorrect.py).

A suggestion is counted once per word being typed: "you" showing on a chip after "y", "yo" and
"you" is one suggestion shown, first seen with one letter typed. Its outcome is settled when that
word ends (the cursor reaches another word) or when a suggestion is accepted. The words themselves
stay in memory, here, only long enough to settle outcomes; the log gets counts and outcomes.
"""

from __future__ import annotations

from desktop.log.events import LoggedSuggestion


class SuggestionTracker:
    def __init__(self, record):
        self.record = record  # called with each settled LoggedSuggestion (EventLog.record)
        self._word_start = -1
        self._entries: dict[tuple[str, str], LoggedSuggestion] = {}  # (kind, lower-case text) -> first showing

    def shown(self, word_start: int, typed: str, chips: list[tuple[str, float, bool]],
              inline: tuple[str, float] | None, latency_ms: float, previous_word: str = "") -> None:
        """Suggestions now on screen for the word starting at `word_start`, of which `typed` is typed so far:
        chips as (word, probability, whether it corrects the word typed); `previous_word` is the word before it,
        the one just finished when the cursor moved on by typing."""
        if word_start != self._word_start:
            self.settle(completed_word=previous_word)
            self._word_start = word_start
        for rank, (word, probability, correction) in enumerate(chips):
            kind = "correction" if correction else "chip"
            key = (kind, word.lower())
            if key not in self._entries:
                self._entries[key] = LoggedSuggestion(kind, rank, 1, latency_ms, len(typed), probability)
        if inline and inline[0]:
            text, probability = inline
            key = ("inline", text.lower())
            if key not in self._entries:
                self._entries[key] = LoggedSuggestion("inline", 0, len(text.split()), latency_ms, len(typed),
                                                      probability)

    def accepted(self, kind: str, text: str, keystrokes_saved: int) -> None:
        """kind: "chip" (a correction chip too) or "inline"."""
        for (entry_kind, entry_text), entry in self._entries.items():
            matches = entry_text == text.lower() if kind == "chip" else entry_text.startswith(text.lower())
            if (entry_kind == kind or (kind, entry_kind) == ("chip", "correction")) and matches:
                entry.outcome, entry.keystrokes_saved, entry.accepted_text = "accepted", keystrokes_saved, text
                break
        self.settle(completed_word=None)
        self._word_start = -1

    def autocorrected(self, word: str, confidence: float, latency_ms: float, undone: bool) -> None:
        """An autocorrection of `word` (as typed), settled: kept, or put back by the person."""
        self.record(LoggedSuggestion("autocorrect", 0, 1, latency_ms, len(word), confidence,
                                     "undone" if undone else "accepted"))

    def dismissed(self) -> None:
        for (kind, _), entry in self._entries.items():
            if kind == "inline" and entry.outcome == "ignored":
                entry.outcome = "dismissed"

    def settle(self, completed_word: str | None) -> None:
        for (kind, text), entry in self._entries.items():
            if entry.outcome == "ignored" and completed_word and kind == "chip" and text == completed_word.lower():
                entry.outcome = "typed_through"
            self.record(entry)
        self._entries = {}
