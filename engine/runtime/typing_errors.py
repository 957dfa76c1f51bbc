"""The error model of the noisy channel: how likely a person who meant one word typed another.

    log P(typed | meant) = - the cheapest way to turn `meant` into `typed` by slips, each slip a cost:

    a neighbouring key for a letter ("thw")        sub_near      another letter ("definately")   sub
    a vowel for a vowel ("seperate")               sub_vowel     two letters swapped ("thier")    transpose
    a letter left out ("tomorow")                  delete        one of a double left out          delete_double
    a key added beside one meant, or a letter      insert_near   any other letter added            insert
    doubled ("tommorrow")
    any slip on the first letter costs first_letter more: people rarely mistype how a word starts.

A misspelling people are known to make (engine/core/dictionary.py: "recieve" for "receive") costs `known`
whatever its letters. The keyboard is QWERTY. The costs were tuned on validation cases only
(`python bench/typos.py data/chitchat.valid.txt --per-kind 200 --tune`: the word meant first in the chips
0.868 -> 0.883, among three 0.925 -> 0.935); any_slip was set on the validation split's keystroke savings
(1,000 lines: 0.3898 at 5, against 0.3897 with no corrector); `TypingErrors()` holds the values.

The alignment is Damerau-Levenshtein's restricted form (optimal string alignment): each letter is edited
once, and the letters both words share at their start and end are skipped first, so a long word costs what
its differing middle does (a few microseconds).
"""

from __future__ import annotations

from dataclasses import dataclass

_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_VOWELS = frozenset("aeiouy")


def _neighbours() -> dict[str, frozenset[str]]:
    """Each letter's neighbouring keys on a QWERTY keyboard (same row either side, the rows above and below)."""
    place = {key: (row, column + 0.5 * row) for row, keys in enumerate(_ROWS) for column, key in enumerate(keys)}
    near: dict[str, set[str]] = {key: set() for key in place}
    for key, (row, x) in place.items():
        for other, (other_row, other_x) in place.items():
            if other != key and abs(row - other_row) <= 1 and abs(x - other_x) <= 1.0:
                near[key].add(other)
    return {key: frozenset(keys) for key, keys in near.items()}


NEIGHBOURS = _neighbours()


def is_neighbour(a: str, b: str) -> bool:
    return b in NEIGHBOURS.get(a, ())


@dataclass(frozen=True)
class TypingErrors:
    sub_near: float = 3.125
    sub_vowel: float = 3.75
    sub: float = 7.2
    transpose: float = 2.5
    delete: float = 2.1
    delete_double: float = 2.5
    insert_near: float = 3.75
    insert: float = 4.5
    first_letter: float = 1.5
    known: float = 0.9
    # What any slip costs beyond its own: against a word typed as meant, a reading with a slip needs this much
    # more evidence (people type most words right; the clean text's keystroke savings set it).
    any_slip: float = 5.0
    most: float = 9.0  # no reading's slips cost more (any_slip aside): beyond it, the word was not meant

    @property
    def limit(self) -> float:
        """The most a reading may cost: `most` for its slips, and any_slip."""
        return self.any_slip + self.most

    def cost(self, typed: str, meant: str, known_misspelling: bool = False) -> float:
        """-log P(typed | meant): 0 for the word as meant; past `limit` when its slips cost more than `most`."""
        if typed == meant:
            return 0.0
        if known_misspelling:
            return self.known + self.any_slip
        start = 0
        while start < min(len(typed), len(meant)) and typed[start] == meant[start]:
            start += 1
        end_typed, end_meant = len(typed), len(meant)
        while end_typed > start and end_meant > start and typed[end_typed - 1] == meant[end_meant - 1]:
            end_typed, end_meant = end_typed - 1, end_meant - 1
        if abs(end_typed - end_meant) * min(self.delete_double, self.insert_near) > self.most:
            return self.limit + 1
        return self.any_slip + self._aligned(typed, meant, start, end_typed, end_meant)

    def _aligned(self, typed: str, meant: str, start: int, end_typed: int, end_meant: int) -> float:
        """The cheapest alignment of typed[start:end_typed] with meant[start:end_meant] (the rest agrees)."""
        rows, columns = end_typed - start + 1, end_meant - start + 1
        table = [[0.0] * columns for _ in range(rows)]
        for i in range(1, rows):
            table[i][0] = table[i - 1][0] + self._inserted(typed, start + i - 1)
        for j in range(1, columns):
            table[0][j] = table[0][j - 1] + self._deleted(meant, start + j - 1)
        for i in range(1, rows):
            t = start + i - 1  # the typed letter's position
            for j in range(1, columns):
                m = start + j - 1  # the meant letter's position
                if typed[t] == meant[m]:
                    best = table[i - 1][j - 1]
                else:
                    best = table[i - 1][j - 1] + self._substituted(typed[t], meant[m], m)
                best = min(best, table[i - 1][j] + self._inserted(typed, t), table[i][j - 1] + self._deleted(meant, m))
                if i > 1 and j > 1 and typed[t] == meant[m - 1] and typed[t - 1] == meant[m]:
                    best = min(best, table[i - 2][j - 2] + self.transpose + (self.first_letter if m == 1 else 0.0))
                table[i][j] = best
        return table[-1][-1]

    def _substituted(self, typed_letter: str, meant_letter: str, position: int) -> float:
        if is_neighbour(meant_letter, typed_letter):
            cost = self.sub_near
        elif typed_letter in _VOWELS and meant_letter in _VOWELS:
            cost = self.sub_vowel
        else:
            cost = self.sub
        return cost + (self.first_letter if position == 0 else 0.0)

    def _inserted(self, typed: str, position: int) -> float:
        """typed[position] was typed but not meant: cheap when doubled or beside a neighbouring key."""
        letter = typed[position]
        around = typed[position - 1:position] + typed[position + 1:position + 2]
        near = any(other == letter or is_neighbour(other, letter) for other in around)
        return (self.insert_near if near else self.insert) + (self.first_letter if position == 0 else 0.0)

    def _deleted(self, meant: str, position: int) -> float:
        """meant[position] was meant but not typed: cheap for one of a double letter."""
        letter = meant[position]
        double = meant[position - 1:position] == letter or meant[position + 1:position + 2] == letter
        return (self.delete_double if double else self.delete) + (self.first_letter if position == 0 else 0.0)
