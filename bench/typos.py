"""Typing with mistakes (shared/PROTOCOL.md section 10): how often the word meant is in the chips, how often
autocorrect fixes a typo or changes a valid rare word, and the next word's top-3 after a typo.

    python bench/typos.py                                  # the chitchat test split, the gospels, the docstrings
    python bench/typos.py data/chitchat.valid.txt --tune   # the error model's costs, tuned on validation cases
    python bench/typos.py --without-known-misspellings     # as if no misspelling were in the shipped list

Cases are made from each file's lines (engine/evaluation/typos.py), seeded: real misspellings from the
shipped list of common misspellings read backwards, one keyboard slip, and valid rare words (clean). The
misspelling cases come from the same list the corrector knows; --without-known-misspellings measures the
corrector without that list, as for a misspelling no list has.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.core.dictionary import Dictionary, shipped_dictionary  # noqa: E402
from engine.evaluation.typos import build_cases, measure  # noqa: E402
from engine.runtime.corrector import Corrector  # noqa: E402
from engine.runtime.model_opening import open_bundle  # noqa: E402
from engine.runtime.predictor import Predictor  # noqa: E402

DEFAULT_FILES = ["data/chitchat.test.txt", "data/gospels.txt", "data/pydoc.txt"]
RARE_RANK = 10_000  # a dictionary word beyond the 10,000 most common is "rare in ordinary English"
# Valid words Nextword's dictionary may lack, for clean cases: SCOWL's largest American list, from Debian's
# wamerican-huge (`make words` unpacks it; public domain-like permissive license, see its copyright file).
VALID_WORDS = "data/wamerican/root/usr/share/dict/american-english-huge"
# --tune: each cost tried at these multiples of today's, one at a time, then the autocorrect confidence
TUNED_COSTS = ("sub_near", "sub_vowel", "sub", "transpose", "delete", "delete_double", "insert_near", "insert",
               "first_letter", "known")
SCALES = (0.6, 0.8, 1.25, 1.6)
CONFIDENCES = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


def read_lines(path: str, limit: int) -> list[str]:
    lines = [line.strip() for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    return lines[:limit] if limit else lines


def rare_valid_words(dictionary: Dictionary, predictor: Predictor, valid_words: str) -> set[str]:
    """Dictionary words beyond the RARE_RANK most common, and the words of `valid_words` (if there) that
    Nextword does not know at all: the clean cases' words."""
    known = predictor.corrector.known.known
    ranked = sorted(dictionary.counts, key=dictionary.counts.get, reverse=True)
    rare = {word for word in ranked[RARE_RANK:] if known(word)}
    if Path(valid_words).exists():
        listed = Path(valid_words).read_text(encoding="latin-1").split()
        rare |= {word for word in listed if word.isascii() and word.isalpha() and word.islower() and not known(word)}
    return rare


def cases_for(path: str, dictionary: Dictionary, predictor: Predictor, per_kind: int, seed: int, limit: int,
              valid_words: str = VALID_WORDS):
    rare = rare_valid_words(dictionary, predictor, valid_words)
    # A slip that makes a dictionary word ("form" for "from") is not a typo; one that makes a word only the training
    # text had ("htat" for "that") is
    return build_cases(read_lines(path, limit), dictionary.misspellings, dictionary.__contains__, rare, per_kind,
                       seed)


def summary(report: dict) -> dict:
    """The figures the targets are set on, over misspellings and slips together."""
    typo = [report[kind] for kind in ("misspelling", "slip") if kind in report]
    cases = sum(figures["cases"] for figures in typo)

    def pooled(name, weight="cases"):
        total = sum(figures[weight] for figures in typo)
        return sum(figures[name] * figures[weight] for figures in typo) / max(1, total)

    return {"chips@1": pooled("chips@1"), "chips@3": pooled("chips@3"), "fixed": pooled("fixed"),
            "wrong": pooled("wrong"), "false": report.get("clean", {}).get("false", 0.0), "cases": cases,
            "next@3_typo": pooled("next@3_typo", "next_cases"), "next@3_meant": pooled("next@3_meant", "next_cases")}


def tune(predictor: Predictor, cases) -> dict:
    """Coordinate search: each cost at a few multiples, kept when the chips (first, then among three) improve;
    then the autocorrect confidence with the most fixes at no more than 0.5% of clean words changed."""
    corrector = predictor.corrector

    def score(errors, confidence):
        predictor.corrector = Corrector(corrector.known, errors, confidence, corrector.unknown_word_share,
                                        corrector.reading_confidence, corrector.unknown_letter_factor)
        return summary(measure(predictor, cases))

    best_errors, confidence = corrector.errors, corrector.autocorrect_confidence
    best = score(best_errors, confidence)
    print("start", json.dumps(best), flush=True)
    for name, scale in itertools.product(TUNED_COSTS, SCALES):
        errors = replace(best_errors, **{name: round(getattr(best_errors, name) * scale, 3)})
        figures = score(errors, confidence)
        if (figures["chips@1"], figures["chips@3"]) > (best["chips@1"], best["chips@3"]):
            best_errors, best = errors, figures
            print(f"{name} x{scale}", json.dumps(figures), flush=True)
    for candidate in CONFIDENCES:
        figures = score(best_errors, candidate)
        print(f"confidence {candidate}", json.dumps(figures), flush=True)
        if figures["false"] <= 0.005 and figures["fixed"] > best["fixed"]:
            confidence, best = candidate, figures
    return {"errors": best_errors.__dict__, "autocorrect_confidence": confidence, "figures": best}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", default=DEFAULT_FILES)
    parser.add_argument("--model", default="resources/model", help="bundle folder (default: the shipped model)")
    parser.add_argument("--per-kind", type=int, default=300, help="cases of each kind per file")
    parser.add_argument("--lines", type=int, default=0, help="use only each file's first N lines (0: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tune", action="store_true", help="tune the error model on these (validation) cases")
    parser.add_argument("--without-known-misspellings", action="store_true",
                        help="the corrector without the list of common misspellings")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    dictionary = shipped_dictionary()
    predictor = open_bundle(args.model)
    if args.without_known_misspellings:
        predictor.use_dictionary(Dictionary(dictionary.counts, {}, dictionary.valid))
    reports = {}
    for path in args.files:
        cases = cases_for(path, dictionary, predictor, args.per_kind, args.seed, args.lines)
        if args.tune:
            print(json.dumps(tune(predictor, cases), indent=1))
            return 0
        report = measure(predictor, cases)
        reports[path] = {"summary": summary(report), **report}
        if not args.json:
            print(path)
            for kind, figures in reports[path].items():
                print(f"  {kind:12s}", "  ".join(f"{name} {value:.3f}" if isinstance(value, float) else
                                                 f"{name} {value}" for name, value in figures.items()))
    if args.json:
        print(json.dumps(reports, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
