"""The corrector: what the person meant when they mistyped, in context (engine/runtime/corrector.py)."""

import numpy as np
import pytest

from engine.core.dictionary import Dictionary, shipped_dictionary
from engine.core.typed import Typed
from engine.runtime.model_opening import open_bundle
from engine.runtime.typing_errors import TypingErrors


@pytest.fixture(scope="module")
def predictor():
    return open_bundle()  # the bundled model (each test's NEXTWORD_HOME is empty: no user model)


def words(suggestions):
    return [suggestion.word.lower() for suggestion in suggestions]


def test_the_shipped_dictionary_knows_words_beyond_the_model_and_its_misspellings():
    dictionary = shipped_dictionary()
    for word in ("quibble", "Ljubljana", "ibuprofen"):
        assert word in dictionary
    assert "recieve" not in dictionary and dictionary.misspellings["recieve"] == ("receive",)
    assert "recieve" in dictionary.never_offered
    assert dictionary.misspellings["didnt"] == ("didn't",) and "didnt" not in dictionary.never_offered  # chat's own


@pytest.mark.bundled_model
@pytest.mark.parametrize("left, meant", [("cna", "can"), ("I love thier", "their"), ("I will recieve", "receive"),
                                         ("see you tomorow", "tomorrow"), ("how are yuo", "you")])
def test_a_typo_is_corrected_in_the_chips_and_by_autocorrect(predictor, left, meant):
    suggestions = predictor.suggest(left, 3)
    assert words(suggestions)[0] == meant
    assert suggestions[0].correction
    assert predictor.autocorrect(left) == meant


@pytest.mark.bundled_model
def test_the_next_word_after_a_typo_reads_the_word_meant(predictor):
    assert words(predictor.suggest("cna ", 3)) == words(predictor.suggest("can ", 3))
    assert words(predictor.suggest("I love thier ", 3)) == words(predictor.suggest("I love their ", 3))


@pytest.mark.bundled_model
def test_a_slip_inside_a_partial_word_still_completes(predictor):
    assert "receive" in words(predictor.suggest("I will recie", 3))
    assert "because" in words(predictor.suggest("I stayed home becua", 3))


@pytest.mark.bundled_model
@pytest.mark.parametrize("left", ["I went to Ljubljana", "I won't quibble", "take some ibuprofen", "in Zorblax",
                                  "mail me at bob@gmial", "it costs 12dollars", "visit www.gogle"])
def test_words_names_and_addresses_are_left_alone(predictor, left):
    assert predictor.autocorrect(left) is None


@pytest.mark.bundled_model
def test_a_word_the_person_wrote_is_never_corrected():
    predictor = open_bundle()
    assert predictor.autocorrect("my frend") == "friend"
    predictor.observe("my frend Ana says hi.")  # "frend" is how this person writes it
    assert predictor.autocorrect("my frend") is None
    assert not any(suggestion.correction for suggestion in predictor.suggest("my frend", 3))


@pytest.mark.bundled_model
def test_known_misspellings_are_never_offered_as_completions(predictor):
    assert "recieve" in predictor.vocab.index  # the chat the model learned from wrote it
    offered = words(predictor.suggest("I will reci", 5)) + words(predictor.suggest("I will recie", 5))
    assert "recieve" not in offered and "recieving" not in offered


@pytest.mark.bundled_model
def test_typing_a_likely_word_runs_no_search(predictor, monkeypatch):
    searched = []
    monkeypatch.setattr(type(predictor.corrector), "corrections", lambda *args, **kwargs: searched.append(args))
    predictor.suggest("how are yo", 3)
    predictor.suggest("see you tomor", 3)
    assert searched == []


def test_the_error_model_prices_slips_by_the_keyboard():
    errors = TypingErrors()
    assert errors.cost("the", "the") == 0
    assert errors.cost("thw", "the") < errors.cost("thq", "the")  # w is beside e; q is not
    assert errors.cost("thier", "their") < errors.cost("thoer", "their")  # two letters swapped: a common slip
    assert errors.cost("recieve", "receive", known_misspelling=True) < errors.cost("recieve", "receive")
    assert errors.cost("xhe", "the") > errors.cost("tge", "the")  # a slip on the first letter is rarer


def test_a_predictor_without_a_dictionary_offers_no_corrections(tiny_predictor):
    assert tiny_predictor.corrector is None
    assert not any(s.correction for s in tiny_predictor.suggest("teh", 3))
    assert tiny_predictor.autocorrect("teh") is None


def test_corrections_come_from_the_dictionary_it_is_given(tiny_predictor):
    predictor = tiny_predictor
    try:
        predictor.use_dictionary(Dictionary({"zebra": 10, "hello": 100}, {}))
        probabilities = np.full(len(predictor.vocab), 1.0 / len(predictor.vocab))
        corrections = predictor.corrector.corrections("zebar", probabilities, whole_word=True)
        assert corrections and corrections[0].word == "zebra"
        assert Typed.read("zebar").partial == "zebar"
    finally:
        predictor.dictionary = None
        predictor.corrector = None


def test_the_delete_index_finds_words_one_and_two_letters_off_by_the_same_hash_both_ways():
    from engine.runtime.delete_keys import _keys, delete_index, query_keys

    words = ["good", "remember", "cat", "naïve"]
    hashes, numbers = delete_index(words, np.asarray([True, True, False, False]))

    def found(typed):
        keys = query_keys(typed)
        low, high = np.searchsorted(hashes, keys, "left"), np.searchsorted(hashes, keys, "right")
        return {words[n] for a, b in zip(low, high, strict=True) for n in numbers[a:b]}

    assert found("gud") == {"good"} and found("rememor") == {"remember"}  # two letters off: stored two shorter
    assert found("ct") == {"cat"} and found("cta") == {"cat"} and found("naive") == {"naïve"}
    assert found("cst") == {"cat"} and found("cayt") == {"cat"}
    assert found("c") == set() and found("gd") == {"good"}  # two letters left out: found where stored two shorter
    for typed in ("a", "ab", "gud", "photografy", "naïve"):  # numpy's keys and the query's are the same numbers
        assert set(query_keys(typed).tolist()) == set(_keys([typed], np.asarray([len(typed) > 2]))[0].tolist())
