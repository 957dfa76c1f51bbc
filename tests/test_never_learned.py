"""The personal cache never learns what looks like a secret or an identifier, so it can never offer one back."""

from __future__ import annotations

import json
import time

from engine.core.never_learned import learnable_pieces
from engine.runtime.personal_cache import PersonalCache


def learned(*sentences: str) -> PersonalCache:
    cache = PersonalCache()
    for sentence in sentences:
        cache.observe(sentence)
    return cache


def everything_kept(cache: PersonalCache) -> str:
    """The whole cache as it would be saved: what a person reading the file could find."""
    return json.dumps(cache.to_json()).lower()


def test_a_password_and_a_safe_code_are_never_learned_nor_saved():
    cache = learned(*["the zebra password is Kq83xx and the safe code is 4471."] * 3)
    kept = everything_kept(cache)
    assert "kq83xx" not in kept and "4471" not in kept
    assert "zebra" in kept  # what came before the secret is still learned
    assert "safe" not in kept  # the rest of the sentence after "password" is not


def test_the_words_after_password_pin_or_passcode_are_not_learned_but_the_next_sentence_is():
    cache = learned("My PIN for the bank is tiger lily. Then we went home!",
                    "the wifi passcode: correct horse battery staple")
    kept = everything_kept(cache)
    for secret in ("tiger", "lily", "horse", "battery", "staple"):
        assert secret not in kept
    assert "home" in kept and "wifi" in kept


def test_addresses_and_long_mixed_case_strings_are_not_learned_but_ordinary_names_are():
    cache = learned("write to bob.smith@example.com or see https://example.org/about and www.example.net today.",
                    "my iPhone and McDonald and xKpQzRtY went home.")
    kept = everything_kept(cache)
    for identifier in ("bob", "smith", "example", "about", "xkpqzrty"):
        assert identifier not in kept
    assert "iphone" in kept and "mcdonald" in kept and "today" in kept


def test_an_address_handed_over_in_parts_at_its_full_stops_is_not_learned():
    """The editor hands a sentence over as a full stop is typed: "bob@example." comes before "com at noon."."""
    kept = everything_kept(learned("call bob@example.", "com at noon."))
    assert "bob" not in kept and "example" not in kept and "call" in kept


def test_no_word_pair_is_learned_across_what_was_left_out():
    cache = learned(*["call 555 0199 tomorrow please."] * 3)
    assert "tomorrow" in cache.unigrams
    assert "tomorrow" not in cache.bigrams.get("call", {})  # "call tomorrow" was never typed
    assert ("call", "tomorrow") not in cache.trigrams
    assert cache.probability("please", ["tomorrow"]) > 0  # within a piece, pairs are learned as ever


def test_the_secret_is_never_offered_back_after_its_context(tiny_predictor):
    cache = PersonalCache()
    tiny_predictor.attach_personal_cache(cache)
    try:
        for _ in range(5):
            tiny_predictor.observe("the zebra password is Kq83xx")
        words = [suggestion.word.lower() for suggestion in tiny_predictor.suggest("the zebra password is ", 5)]
        assert "kq83xx" not in words
        assert not any(word.startswith("kq") for word in (s.word.lower() for s in tiny_predictor.suggest(
            "the zebra password is K", 5)))
    finally:
        tiny_predictor.attach_personal_cache(None)


def test_a_megabyte_without_spaces_is_checked_in_well_under_a_second():
    for text in ("a" * 1_000_000, "pin " * 250_000, "a.b" * 300_000, "x@" * 500_000):
        started = time.perf_counter()
        learnable_pieces(text)
        assert time.perf_counter() - started < 1.0
