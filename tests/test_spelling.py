"""Spell-check and the person's spellings (engine/runtime/spelling.py, PersonalCache.spellings): which words
are underlined, what the menu offers, what a finished sentence teaches once autocorrect has read it."""

import pytest

from engine.runtime.model_opening import open_bundle
from engine.runtime.personal_cache import PersonalCache
from engine.runtime.spelling import as_meant, checked_words, misspellings, spelling_corrections


@pytest.fixture(scope="module")
def predictor():
    return open_bundle()


def test_only_plain_words_are_checked_not_addresses_numbers_acronyms_or_code():
    text = "see www.gogle.com or bob@gmial.com, notes.txt, abc123 my_var NASA iPhone café and teh end"
    assert [word for _, word in checked_words(text)] == ["see", "or", "and", "teh", "end"]


@pytest.mark.bundled_model
def test_misspellings_are_found_where_they_are_and_real_words_are_not(predictor):
    text = "I recieve letters from Ljubljana about a quibble and ibuprofen, lol, thier house"
    found = misspellings(predictor, text)
    assert [(m.word, text[m.start:m.start + len(m.word)]) for m in found] == [("recieve", "recieve"),
                                                                              ("thier", "thier")]


@pytest.mark.bundled_model
def test_the_menu_offers_the_words_meant_in_context_in_the_case_typed(predictor):
    assert spelling_corrections(predictor, "I recieve")[0] == "receive"
    assert spelling_corrections(predictor, "Thier")[0] == "Their"
    assert len(spelling_corrections(predictor, "how are yuo", k=2)) == 2


@pytest.mark.bundled_model
def test_a_taught_spelling_is_neither_underlined_nor_corrected_and_is_kept_until_removed(predictor, tmp_path):
    cache = PersonalCache(tmp_path / "cache.json")
    predictor.attach_personal_cache(cache)
    try:
        assert predictor.autocorrect("see you tomorow") == "tomorrow"
        cache.add_spelling("Tomorow")
        assert predictor.autocorrect("see you tomorow") is None and not predictor.misspelled("tomorow")
        cache.save()
        reloaded = PersonalCache.load(tmp_path / "cache.json")
        assert reloaded.spellings == {"tomorow"}
        reloaded.forget()
        assert reloaded.spellings == set()
        cache.remove_spelling("tomorow")
        assert predictor.misspelled("tomorow")
    finally:
        predictor.attach_personal_cache(None)


@pytest.mark.bundled_model
def test_a_finished_sentence_is_learned_as_autocorrect_leaves_it(predictor):
    assert as_meant(predictor, "I will see you tomorow at thier house.") == "I will see you tomorrow at their house."
    assert as_meant(predictor, "Ljubljana is lovely, lol.") == "Ljubljana is lovely, lol."
    assert as_meant(predictor, "I think htat.") == "I think that."  # a typo only the model's vocabulary had


@pytest.mark.bundled_model
def test_a_typo_the_training_text_had_is_still_corrected_but_its_chat_words_are_kept(predictor):
    known = predictor.corrector.known
    assert known.known("htat") and not known.vouched("htat")  # the chat wrote it, no dictionary has it
    assert predictor.autocorrect("I think htat") == "that"
    assert predictor.autocorrect("haha lol") is None and not predictor.misspelled("lol")


@pytest.mark.bundled_model
def test_a_known_misspelling_is_offered_again_once_the_person_teaches_it(tmp_path):
    predictor = open_bundle()
    assert "recieve" not in [s.word for s in predictor.suggest("I will reci", 5)]
    cache = PersonalCache(tmp_path / "cache.json")
    cache.add_spelling("recieve")
    predictor.attach_personal_cache(cache)  # as the editor's worker does at load
    assert "recieve" in [s.word for s in predictor.suggest("I will reci", 5)]
    cache.remove_spelling("recieve")
    predictor.refresh_spellings()  # as the worker does after every change to the spellings
    assert "recieve" not in [s.word for s in predictor.suggest("I will reci", 5)]
