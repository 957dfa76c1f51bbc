"""The typo cases of bench/typos.py, measured on two spell checkers that read no context, as
shared/PROTOCOL.md section 10 names them: SymSpell (PyPI `symspellpy`, its 82,765-word frequency
dictionary) and Norvig's method (PyPI `pyspellchecker`). Only the chips and autocorrect figures: neither
predicts a next word. Neither package is Nextword's: install them beside it to run this.

    pip install symspellpy pyspellchecker
    python bench/typo_peers.py [FILE ...] [--per-kind 200] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.typos import DEFAULT_FILES, cases_for  # noqa: E402
from engine.core.dictionary import shipped_dictionary  # noqa: E402
from engine.core.typed import Typed  # noqa: E402
from engine.evaluation.typos import measure  # noqa: E402
from engine.runtime.model_opening import open_bundle  # noqa: E402


class SymSpellPeer:
    """Words within two edits, nearest first, then commonest; autocorrect: the first, if the word is unknown."""

    def __init__(self):
        from importlib.resources import files

        from symspellpy import SymSpell, Verbosity

        self.verbosity = Verbosity.ALL
        self.checker = SymSpell(max_dictionary_edit_distance=2)
        self.checker.load_dictionary(str(files("symspellpy") / "frequency_dictionary_en_82_765.txt"), 0, 1)

    def suggest(self, left: str, k: int = 3) -> list[str]:
        word = Typed.read(left).partial.lower()
        return [found.term for found in self.checker.lookup(word, self.verbosity, 2)[:k]] if word else []

    def autocorrect(self, left: str) -> str | None:
        found = self.suggest(left, 1)
        return found[0] if found and found[0] != Typed.read(left).partial.lower() else None


class NorvigPeer:
    """Known words within two edits, commonest first; autocorrect: the commonest, if the word is unknown."""

    def __init__(self):
        from spellchecker import SpellChecker

        self.checker = SpellChecker()

    def suggest(self, left: str, k: int = 3) -> list[str]:
        word = Typed.read(left).partial.lower()
        if not word:
            return []
        if word in self.checker:
            return [word]
        found = self.checker.candidates(word) or set()
        return sorted(found, key=lambda candidate: -self.checker.word_usage_frequency(candidate))[:k]

    def autocorrect(self, left: str) -> str | None:
        found = self.suggest(left, 1)
        return found[0] if found and found[0] != Typed.read(left).partial.lower() else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", default=DEFAULT_FILES)
    parser.add_argument("--per-kind", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    try:
        peers = {"symspell": SymSpellPeer(), "norvig": NorvigPeer()}
    except ImportError as error:
        print(f"bench/typo_peers.py: {error.name} is not installed: pip install symspellpy pyspellchecker",
              file=sys.stderr)
        return 2
    predictor, dictionary = open_bundle(), shipped_dictionary()  # the cases are bench/typos.py's, to the case
    report = {}
    for path in args.files:
        cases = cases_for(path, dictionary, predictor, args.per_kind, args.seed, 0)
        report[path] = {}
        for name, peer in peers.items():
            figures = measure(peer, cases)
            typos = [figures[kind] for kind in ("misspelling", "slip") if kind in figures]
            count = sum(part["cases"] for part in typos)
            report[path][name] = {key: sum(part[key] * part["cases"] for part in typos) / count
                                  for key in ("chips@1", "chips@3", "fixed", "wrong")}
            report[path][name]["false"] = figures.get("clean", {}).get("false", 0.0)
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        for path, peers_figures in report.items():
            for name, figures in peers_figures.items():
                print(path, name, " ".join(f"{key} {value:.3f}" for key, value in figures.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
