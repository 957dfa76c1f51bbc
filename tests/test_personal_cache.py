"""The personal cache: what a person types is offered back to them, calibrated, persistent and forgettable."""

import json
import os
import stat

import numpy as np
import pytest

from engine.runtime.model_opening import open_bundle
from engine.runtime.personal_cache import CACHE_FILE, CacheError, PersonalCache
from engine.runtime.predictor import Predictor


def words(suggestions):
    return [s.word.lower() for s in suggestions]


@pytest.fixture
def predictor(tiny_predictor):
    """The tiny model with a fresh, empty cache (the model itself is shared between tests)."""
    fresh = Predictor(tiny_predictor.vocab, tiny_predictor.backend, rare_words=tiny_predictor.chooser.rare_words)
    fresh.attach_personal_cache(PersonalCache())
    return fresh


def test_a_new_word_typed_twice_is_offered_the_third_time(predictor):
    assert "zorblax" not in predictor.vocab.index
    predictor.observe("I met Zorblax today.")
    predictor.observe("Zorblax was late again.")
    offered = predictor.suggest("We saw Zo", 3)
    assert "Zorblax" in [s.word for s in offered]  # as the person writes it


def test_a_word_one_slip_from_a_known_word_is_offered_only_once_typed_twice(predictor):
    assert "watch" in predictor.vocab.index and "wacth" not in predictor.vocab.index
    predictor.observe("I wacth movies.")  # a typo, most likely
    assert "wacth" not in words(predictor.suggest("We wac", 3))
    predictor.observe("I met Zorblax today.")  # a name: offered from its first use
    assert "zorblax" in words(predictor.suggest("We saw Zo", 3))
    predictor.observe("Wacth again, on purpose.")
    assert "wacth" in words(predictor.suggest("We wac", 3))


def test_a_word_that_followed_a_two_word_context_twice_comes_next_after_it(predictor):
    assert "paddleboarding" not in words(predictor.suggest("I love to watch ", 3))
    predictor.observe("I love paddleboarding with my friends.")  # a different context: not enough
    predictor.observe("We go to watch paddleboarding on Monday.")
    predictor.observe("They like to watch paddleboarding too.")
    assert "paddleboarding" in words(predictor.suggest("I love to watch ", 3))


@pytest.mark.bundled_model
def test_the_bundled_model_learns_a_name_and_a_phrase():
    predictor = open_bundle()
    for _ in range(2):
        predictor.observe("Yesterday I met Zorblax at the Zanzibar cafe.")
    assert "Zorblax" in [s.word for s in predictor.suggest("Then I saw Zo", 3)]
    assert "zanzibar" in words(predictor.suggest("we sat at the ", 3))


@pytest.mark.bundled_model
def test_a_recency_count_never_drowns_the_model():
    """Text of another style, learned at length, leaves the model's clear answers in place."""
    predictor = open_bundle()
    for verse in ["And the LORD spake unto Moses, saying, Speak unto the children of Israel.",
                  "And Moses went up unto God, and the LORD called unto him out of the mountain."] * 30:
        predictor.observe(verse)
    assert "you" in words(predictor.suggest("how are ", 3))
    probabilities = predictor.distribution("how are ")
    assert probabilities.sum() <= 1.0 + 1e-6 and probabilities.min() >= 0


def test_its_share_beside_the_model_grows_where_the_model_does_poorly_and_not_where_it_does_well(tiny_predictor):
    well, poorly = (Predictor(tiny_predictor.vocab, tiny_predictor.backend) for _ in range(2))
    for _ in range(30):
        well.observe("How are you doing today?")  # the tiny model's own sentence: it predicts it well
        poorly.observe("Quantum flux capacitors overheat during thunderstorms.")  # words it never saw
    assert max(poorly.personal.weights) > 0.5
    assert np.mean(poorly.personal.weights) > np.mean(well.personal.weights) + 0.1


def test_learning_paused_stores_nothing(predictor):
    predictor.personal.paused = True
    assert predictor.observe("Zorblax Zorblax Zorblax.") == 0
    assert len(predictor.personal) == 0 and predictor.personal.version == 0


def test_forget_empties_it_and_suggestions_are_the_models_again(predictor, tiny_predictor):
    before = words(predictor.suggest("I love to watch ", 3))
    for _ in range(3):
        predictor.observe("I love to watch paddleboarding.")
    predictor.forget()
    assert len(predictor.personal) == 0 and predictor.personal.learned_words() == []
    assert words(predictor.suggest("I love to watch ", 3)) == before


def test_a_removed_word_is_forgotten_and_never_learned_again(predictor):
    for _ in range(3):
        predictor.observe("I met Zorblax today.")
    predictor.personal.remove_word("Zorblax")
    predictor.observe("Zorblax again, Zorblax.")
    assert "zorblax" not in [item.word for item in predictor.personal.learned_words()]
    assert "zorblax" not in words(predictor.suggest("We saw Zo", 3))


def test_it_persists_across_restarts_readable_by_the_owner_alone(tmp_path, tiny_predictor):
    path = tmp_path / "home" / CACHE_FILE
    first = Predictor(tiny_predictor.vocab, tiny_predictor.backend)
    first.attach_personal_cache(PersonalCache.load(path))
    for _ in range(2):
        first.observe("I met Zorblax today.")
    first.personal.save()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    # no temporary file left behind (the lock file, empty, stays: editors sharing the folder lock it to write)
    assert sorted(p.name for p in path.parent.iterdir()) == [CACHE_FILE, CACHE_FILE + ".lock"]
    assert (path.parent / (CACHE_FILE + ".lock")).stat().st_size == 0
    again = Predictor(tiny_predictor.vocab, tiny_predictor.backend)
    again.attach_personal_cache(PersonalCache.load(path))
    assert words(again.suggest("We saw Zo", 3)) == words(first.suggest("We saw Zo", 3))
    assert again.personal.weights == first.personal.weights
    again.forget()
    again.personal.save()
    assert len(PersonalCache.load(path)) == 0


def test_recent_use_counts_more_than_old_use():
    cache = PersonalCache(half_life_words=100)
    for _ in range(5):
        cache.observe("alpha word here")
    for _ in range(100):
        cache.observe("filler text of no interest")
    for _ in range(5):
        cache.observe("beta word here")
    assert cache.count("beta") > 2 * cache.count("alpha") > 0


@pytest.mark.parametrize("content", [b"{not json", b'{"format": "something-else"}', b"\xff\xfe\x00"])
def test_a_damaged_cache_file_is_named_in_a_clear_error(tmp_path, content):
    path = tmp_path / CACHE_FILE
    path.write_bytes(content)
    with pytest.raises(CacheError, match=str(path)):
        PersonalCache.load(path)


def test_the_cache_mixture_stays_a_distribution(predictor):
    for _ in range(5):
        predictor.observe("Quantum flux capacitors overheat during thunderstorms.")
    mixed = predictor.distribution("Quantum flux ")
    base = Predictor(predictor.vocab, predictor.backend).distribution("Quantum flux ")
    assert mixed.sum() <= 1.0 + 1e-6 and not np.allclose(mixed, base)
    saved = json.loads(json.dumps(predictor.personal.to_json()))
    assert saved["format"] == "nextword-personal-cache" and "quantum" in saved["unigrams"]


def test_saving_a_big_cache_on_another_thread_never_holds_up_this_one_for_long(tmp_path):
    """The editor saves on its worker thread; one long call holding Python's lock (a json.dumps of the whole
    cache) or a full garbage collection over its pairs would stop the GUI thread as long (0.25 s here before)."""
    import threading
    import time

    cache = PersonalCache.load(tmp_path / CACHE_FILE)
    def word(number: int) -> str:  # letters only, never four alike (the tokenizer would shorten them)
        return "w" + "x".join(chr(97 + number // 26 ** place % 26) for place in range(4))

    for first in range(0, 60_000, 10):
        cache.observe(" ".join(word(n) for n in range(first, first + 10)) + ".")
    saver = threading.Thread(target=cache.save)
    longest, last = 0.0, time.perf_counter()
    saver.start()
    while saver.is_alive():
        time.sleep(0.002)
        now = time.perf_counter()
        longest, last = max(longest, now - last), now
    assert longest < 0.1
    assert len(PersonalCache.load(tmp_path / CACHE_FILE)) == len(cache)
