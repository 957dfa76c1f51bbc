"""The English dictionary: which strings are words, how common each is, and which are known misspellings.

The network knows 12,000 words and the bundle's rare words 16,000 more; a person also writes "quibble",
"Ljubljana" and "ibuprofen". Two lists ship in `resources/dictionary/` (resources/dictionary/SOURCES.md
says where each comes from and its license):

- `words_en.txt.gz`: 82,765 English words with their counts in Google Books, the list SymSpell ships
  (PyPI `symspellpy`), made by intersecting SCOWL's spelling word lists with Google Books' counts:
  genuine words only, each with how often it is written.
- `valid_en.txt.gz`: the words of SCOWL's large American list (Debian's `wamerican-large`) that the first
  list lacks ("abaci", "ljubljana's"): valid, never corrected, but too rare to be offered.
- `misspellings_en.txt.gz`: common misspellings and what they were meant to be ("recieve receive"), from
  codespell's dictionary (PyPI `codespell`, derived from English Wikipedia's lists of common
  misspellings), kept where the misspelling is no word of the first list and the word meant is one.

`make dictionary` rebuilds the three from those packages (`build_dictionary`). Loading reads them once per
process (~0.2 s), on the thread that loads the model.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from engine.core.paths import REINSTALL, MissingResource, shipped_path

DICTIONARY_FOLDER = "dictionary"
WORDS_FILE = "words_en.txt.gz"
VALID_FILE = "valid_en.txt.gz"
MISSPELLINGS_FILE = "misspellings_en.txt.gz"
_PLAIN_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*\Z")


@dataclass(frozen=True)
class Dictionary:
    """Words (lower-case) with their counts, further valid words, and known misspellings -> the words meant."""

    counts: dict[str, int]
    misspellings: dict[str, tuple[str, ...]]
    valid: frozenset[str] = frozenset()

    def __contains__(self, word: str) -> bool:
        """A dictionary word: never taken for a typo (build_dictionary keeps the misspellings out of both lists)."""
        return word.lower() in self.counts or word.lower() in self.valid

    @cached_property
    def never_offered(self) -> frozenset[str]:
        """The misspellings never offered as a suggestion: all but a contraction without its apostrophe
        ("didnt", "thats"), which chat writes on purpose as often as not (hiding them cost 0.3 points
        of keystroke savings on the chitchat validation split); autocorrect still mends those."""
        return frozenset(typed for typed, meant in self.misspellings.items()
                         if not any(word.replace("'", "") == typed for word in meant))


def _read_lines(path: Path, what: str) -> list[str]:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as file:
            return file.read().splitlines()
    except FileNotFoundError:
        raise MissingResource(f"{path}: the {what} is missing; {REINSTALL}") from None
    except (OSError, EOFError, UnicodeDecodeError) as error:
        raise MissingResource(f"{path}: the {what} cannot be read ({error}); {REINSTALL}") from None


def read_dictionary(folder: str | Path) -> Dictionary:
    """The two lists in `folder`; MissingResource (naming the file) for one that is missing or damaged."""
    folder = Path(folder)
    counts: dict[str, int] = {}
    for number, line in enumerate(_read_lines(folder / WORDS_FILE, "English word list"), 1):
        word, _, count = line.partition(" ")
        if not count.isdigit():
            raise MissingResource(f"{folder / WORDS_FILE}: line {number} is not 'word count'; {REINSTALL}")
        counts[word] = int(count)
    misspellings: dict[str, tuple[str, ...]] = {}
    for line in _read_lines(folder / MISSPELLINGS_FILE, "list of common misspellings"):
        typed, *meant = line.split()
        misspellings[typed] = tuple(meant)
    valid = frozenset(_read_lines(folder / VALID_FILE, "list of valid words"))
    return Dictionary(counts, misspellings, valid)


@lru_cache(maxsize=1)
def shipped_dictionary() -> Dictionary:
    """The dictionary Nextword ships, read once per process."""
    return read_dictionary(shipped_path(DICTIONARY_FOLDER))


def build_dictionary(symspell_words: str | Path, codespell_lists: list[str | Path], scowl_words: str | Path,
                     out: str | Path) -> dict:
    """Write the three shipped lists from SymSpell's frequency list, codespell's misspelling lists and SCOWL's
    large list (one word a line, Latin-1 as Debian ships it); returns how many entries each kept."""
    counts: dict[str, int] = {}
    for line in Path(symspell_words).read_text(encoding="utf-8").splitlines():
        word, _, count = line.strip().partition(" ")
        if _PLAIN_WORD.match(word) and count.isdigit():
            counts[word] = counts.get(word, 0) + int(count)
    misspellings: dict[str, list[str]] = {}
    for path in codespell_lists:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            typed, _, meant = line.partition("->")
            typed = typed.strip().lower()
            words = [w.strip().lower() for w in meant.split(",") if w.strip()]
            words = [w for w in words if w in counts]  # a correction to a phrase or an unknown word: dropped
            if _PLAIN_WORD.match(typed) and typed not in counts and words:
                misspellings.setdefault(typed, [])
                misspellings[typed] += [w for w in words if w not in misspellings[typed]]
    listed = Path(scowl_words).read_text(encoding="latin-1").split()
    valid = sorted({w.lower() for w in listed if _PLAIN_WORD.match(w.lower())} - set(counts) - set(misspellings))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    _write_gzip(out / WORDS_FILE, [f"{word} {count}" for word, count in ordered])
    _write_gzip(out / MISSPELLINGS_FILE, [" ".join([typed, *meant]) for typed, meant in sorted(misspellings.items())])
    _write_gzip(out / VALID_FILE, valid)
    return {"words": len(counts), "misspellings": len(misspellings), "valid": len(valid)}


def _write_gzip(path: Path, lines: list[str]) -> None:
    # mtime 0: the same lists give the same bytes, so a rebuild changes nothing in git
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=9) as file:
        file.write(("\n".join(lines) + "\n").encode("utf-8"))


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Build resources/dictionary from symspellpy's, codespell's and "
                                                 "SCOWL's lists (`make dictionary`).")
    parser.add_argument("symspell_words", help="symspellpy's frequency_dictionary_en_82_765.txt")
    parser.add_argument("scowl_words", help="wamerican-large's /usr/share/dict/american-english-large")
    parser.add_argument("codespell_lists", nargs="+", help="codespell's dictionary.txt (and others of its lists)")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[2] / "resources" / DICTIONARY_FOLDER))
    args = parser.parse_args(argv)
    print(build_dictionary(args.symspell_words, args.codespell_lists, args.scowl_words, args.out))


if __name__ == "__main__":
    main()
