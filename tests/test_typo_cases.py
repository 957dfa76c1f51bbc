"""The typing-with-mistakes cases of shared/PROTOCOL.md section 10 (engine/evaluation/typos.py)."""

import random

from engine.evaluation.typos import TypoCase, build_cases, measure, slip
from engine.runtime.typing_errors import NEIGHBOURS

LINES = ["i will receive the parcel tomorrow", "their house is lovely", "we quibble about money", "ok"] * 5
MISSPELLINGS = {"recieve": ("receive",), "thier": ("their",), "tommorow": ("tomorrow",)}
KNOWN = {"i", "will", "receive", "the", "parcel", "tomorrow", "their", "house", "is", "lovely", "we", "quibble",
         "about", "money", "ok", "tho"}


def test_cases_replace_one_word_by_a_misspelling_a_slip_or_keep_a_rare_word():
    cases = build_cases(LINES, MISSPELLINGS, KNOWN.__contains__, {"quibble"}, per_kind=3, seed=1)
    kinds = {case.kind for case in cases}
    assert kinds == {"misspelling", "slip", "clean"}
    for case in cases:
        assert case.left == case.line[:case.start] + case.typed
        if case.kind == "misspelling":
            assert MISSPELLINGS[case.typed] == (case.intended,)
        elif case.kind == "slip":
            assert case.typed not in KNOWN and case.typed != case.intended
        else:
            assert case.typed == case.intended == "quibble"


def test_a_slip_is_one_keyboard_mistake():
    rng = random.Random(3)
    for _ in range(200):
        typed = slip("house", rng)
        assert typed != "house" and abs(len(typed) - 5) <= 1
        if len(typed) == 5 and sorted(typed) != sorted("house"):
            changed = [(a, b) for a, b in zip("house", typed, strict=True) if a != b]
            assert len(changed) == 1 and changed[0][1] in NEIGHBOURS[changed[0][0]]


def test_the_figures_count_a_fix_and_the_next_word():
    class Oracle:  # always suggests and autocorrects the right word
        def suggest(self, left, k):
            from engine.core.tokenizer import split_partial

            context, partial = split_partial(left)
            return ["their"] if partial == "thier" else ["house"]

        def autocorrect(self, left):
            return "their" if left.endswith("thier") else None

    case = TypoCase("misspelling", "their house is lovely", 0, 5, "thier")
    figures = measure(Oracle(), [case])["misspelling"]
    assert figures["chips@1"] == figures["fixed"] == 1.0 and figures["wrong"] == 0.0
    assert figures["next@3_typo"] == figures["next@3_meant"] == 1.0
