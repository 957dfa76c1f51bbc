"""Arbitrary Unicode through the tokenizer, the predictor (suggest, complete, observe) and the fine-tune
reader: never an exception, and what each promises holds. The strategies are in tests/fuzz_text.py
(bench/fuzz.py runs them 10,000 times a target and times every call; no timing is asserted here).

The plain tests at the end are what the fuzzing found, one each, with why in a comment.
"""

from __future__ import annotations

import re
import tempfile
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from counting_stepper import CountingStepper
from fuzz_text import (
    LINE_BREAKS,
    TAUGHT_SENTENCES,
    any_text,
    editor_text,
    file_sets,
    mixed_text,
    write_files,
)
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from engine.core.corpus import CorpusError, read_speaker_csv
from engine.core.tokenizer import (
    NUMBER_TOKEN,
    URL_TOKEN,
    is_word,
    normalize,
    split_partial,
    starts_sentence,
    tokenize,
    tokenize_cased,
)
from engine.core.user_text import read_user_text, split_held_out
from engine.core.vocab import SPECIAL_TOKENS
from engine.runtime import predictor as predictor_module
from engine.runtime.cache_layout import MAX_OFFERED_LETTERS
from engine.runtime.model_opening import open_bundle
from engine.runtime.personal_cache import TUNED_TOKENS, PersonalCache
from engine.runtime.predictor import Predictor
from engine.runtime.suggestions import WordChooser

# The autouse fixture (conftest.py) is function-scoped but only sets environment variables; the predictor
# here is module-scoped on purpose: loading it once, and letting it learn as the examples run.
FUZZ = dict(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                                  HealthCheck.data_too_large])
PLACEHOLDERS = (URL_TOKEN, NUMBER_TOKEN)
# The protocol's definitions, as the regexes the tokenizer used before it read them faster.
PARTIAL_AT_END = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z0-9]+)*'?\Z")
SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*\s*\Z")


@pytest.fixture(scope="module")
def predictor(tmp_path_factory):
    """The shipped model (NEXTWORD_HOME an empty folder: no model of the person's is active) with a
    personal cache that has learned words the model lacks; every test here adds what it observes."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NEXTWORD_HOME", str(tmp_path_factory.mktemp("home")))
        loaded = open_bundle()
    loaded.attach_personal_cache(PersonalCache())
    for sentence in TAUGHT_SENTENCES:
        loaded.observe(sentence)
    return loaded


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz-files")


# The tokenizer
@settings(max_examples=500, **FUZZ)
@given(text=any_text)
@example(text="I said &#xD800; and \ud800 twice")
@example(text="a\x1cb\x1dc\x1ed\x1fe &#29; .\x0c. \u2028x")
@example(text="<unk> <s1> <eos> <url> <num>")
def test_tokens_of_any_text_are_what_the_tokenizer_promises(text):
    tokens = tokenize_cased(text)
    assert tokenize(text) == [token if token in PLACEHOLDERS else token.lower() for token in tokens]
    for token in tokens:
        assert token and token == token.strip(), token
        assert not any(ch in LINE_BREAKS or ch == "\x1f" or unicodedata.category(ch) == "Cs" for ch in token), token
        assert token in PLACEHOLDERS or token not in SPECIAL_TOKENS, token  # "<unk>" typed is three tokens
        # Every ASCII letter and digit is in a word the model can read (or a placeholder), never in noise.
        assert token in PLACEHOLDERS or is_word(token) or not re.search("[A-Za-z0-9]", token), token
    # Line breaks are spaces to it, as in the flattened lines the model learned from.
    assert tokens == tokenize_cased(text.translate({ord(ch): " " for ch in "".join(LINE_BREAKS)}))
    assert normalize(normalize(text)) == normalize(text)


@settings(max_examples=500, **FUZZ)
@given(text=st.one_of(st.text(alphabet="ab1' .!?\")]é\n", max_size=30), editor_text))
@example(text="x'y''z")
@example(text="don'")
@example(text="ok.\")")
def test_the_partial_word_and_sentence_starts_follow_the_protocols_definitions(text):
    context, partial = split_partial(text)
    assert context + partial == text
    match = PARTIAL_AT_END.search(text)
    assert partial == (match.group() if match else "")
    assert starts_sentence(text) == (not text.strip() or bool(SENTENCE_END.search(text.strip())))


# The predictor
def check_suggestions(suggestions, left_text: str, k: int) -> None:
    words = [s.word for s in suggestions]
    assert len(words) <= k
    assert len({word.lower() for word in words}) == len(words), words
    _, partial = split_partial(left_text)
    for suggestion in suggestions:
        word = suggestion.word
        assert word and is_word(word), word  # so no whitespace, control characters, marks alone...
        assert not any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in word)
        if suggestion.correction:  # replaces the partial word: a word Nextword knows, not a completion of it
            assert partial and not word.lower().startswith(partial.lower()), (word, partial)
        else:
            assert word.lower().startswith(partial.lower()), (word, partial)
        assert 0.0 <= suggestion.probability <= 1.0
    probabilities = [s.probability for s in suggestions]
    assert probabilities == sorted(probabilities, reverse=True)


@settings(max_examples=300, **FUZZ)
@given(sentence=mixed_text(20), left_text=any_text, k=st.integers(0, 6))
@example(sentence="", left_text="haha" * 2500, k=3)
@example(sentence="", left_text="a-" * 150, k=3)
@example(sentence="Zorblax and quinnova again.", left_text="I saw Zo", k=3)
def test_suggestions_for_any_text_are_distinct_offerable_words_best_first(predictor, sentence, left_text, k):
    predictor.observe(sentence)  # a finished sentence, then the next one being typed
    check_suggestions(predictor.suggest(left_text, k), left_text, k)


@settings(max_examples=200, **FUZZ)
@given(text=st.one_of(any_text, editor_text))
@example(text="I recieve thier letter from www.gogle.com, abc123 and teh café.")
@example(text="x" * 5000 + " teh")
def test_spell_check_autocorrect_and_learning_as_meant_take_any_text(predictor, text):
    from engine.runtime.spelling import as_meant, misspellings, spelling_corrections

    for found in misspellings(predictor, text):  # each where it says, a plain word no one knows
        assert text[found.start:found.start + len(found.word)] == found.word and predictor.misspelled(found.word)
    replacement = predictor.autocorrect(text)
    assert replacement is None or (replacement and not any(ch in replacement for ch in LINE_BREAKS))
    assert all(word and " " not in word for word in spelling_corrections(predictor, text))
    meant = as_meant(predictor, text)  # only whole words replaced: what is around them stays
    assert re.sub(r"[A-Za-z']+", "", meant) == re.sub(r"[A-Za-z']+", "", text)


@settings(max_examples=300, **FUZZ)
@given(left_text=any_text, min_probability=st.sampled_from([0.0, 0.05, 0.25, 0.9, 1.5]))
@example(left_text="how are yo", min_probability=0.25)
@example(left_text="1." * 150, min_probability=0.0)
def test_the_completion_of_any_text_is_one_line_of_likely_enough_words(predictor, left_text, min_probability):
    completion = predictor.complete(left_text, min_probability=min_probability)
    assert not any(ch in completion.text for ch in LINE_BREAKS)
    assert 0.0 <= completion.probability <= 1.0 + 1e-9
    if not completion:
        assert completion.words == () and completion.probability == 0.0
        return
    assert completion.probability >= min_probability
    assert completion.text == completion.text.rstrip() and "  " not in completion.text
    assert all(is_word(word) for word in completion.words)
    _, partial = split_partial(left_text)
    assert completion.words[0].lower().startswith(partial.lower())


@settings(max_examples=60, **FUZZ)
@given(sentences=st.lists(any_text, max_size=4))
@example(sentences=["I said &#xD800; and \ud800 twice", "Zorblax \udc80!"])
def test_any_sentence_is_learned_and_the_cache_still_saves_and_reads_back(predictor, scratch, sentences):
    cache = PersonalCache()
    for sentence in sentences:
        before = {word: cache.count(word) for word in cache.unigrams}
        counted = cache.observe(sentence, predictor.token_probabilities)
        # What it says it counted is what changed: no tokens, no change; some, and the counts moved.
        assert (counted > 0) == ({word: cache.count(word) for word in cache.unigrams} != before)
    assert all(is_word(learned.word) for learned in cache.learned_words())
    with tempfile.TemporaryDirectory(dir=scratch) as folder:
        loaded = PersonalCache.load(cache.save(Path(folder) / "cache.json"))
    assert {word: loaded.count(word) for word in loaded.unigrams} == \
        pytest.approx({word: cache.count(word) for word in cache.unigrams})


# The fine-tune reader
@settings(max_examples=150, **FUZZ)
@given(files=file_sets, share=st.floats(0, 1))
@example(files=[(b"bom.csv", b"\xef\xbb\xbfspeaker,text\nalice,hello there\n")], share=0.5)
@example(files=[(b"wide.csv", b"a" * 140_000 + b",text\n")], share=0.5)
@example(files=[(b"\xff\xfe.txt", b"\xff\xfeh\x00i\x00"), (b".hidden.txt", b"hi"), (b"x.bin", b"hi")], share=0.0)
def test_any_files_are_read_or_skipped_with_why_never_raised(scratch, files, share):
    with tempfile.TemporaryDirectory(dir=scratch) as folder:
        write_files(folder, files)
        text = read_user_text([folder])
    for line in text.lines:
        assert line and line == line.strip() and not any(ch in line for ch in LINE_BREAKS), line
    skipped = [path for path, _ in text.skipped]
    assert len(set(skipped)) == len(skipped) and not set(skipped) & set(text.files)
    assert all(isinstance(why, str) and why for _, why in text.skipped)
    earlier, later = split_held_out(text.documents, share)
    assert [*earlier[0], *later[0]] == [message for document in text.documents for message in document]


# What the fuzzing found
def test_a_lone_surrogate_or_its_html_entity_never_stops_the_cache_from_saving(tmp_path):
    # Why: TweetTokenizer makes "\ud800" of "&#xD800;" (and a str may hold one): the cache learned it, and
    # every save after raised UnicodeEncodeError, so nothing more it learned was kept.
    cache = PersonalCache()
    cache.observe("I typed &#xD800; and \ud800 today")
    assert "\ufffd" in cache.unigrams and not any("\ud800" in word for word in cache.unigrams)
    assert set(PersonalCache.load(cache.save(tmp_path / "cache.json")).unigrams) == set(cache.unigrams)


def test_line_breaks_and_separators_tokenize_as_the_flattened_text_the_model_learned():
    # Why: \x1c-\x1f became tokens of their own, and an ellipsis over a line break (".\f.") one token that
    # training (which flattens lines first) never saw; "&#29;" made a \x1d token too.
    assert tokenize("a\x1cb\x1dc\x1ed\x1fe") == ["a", "b", "c", "d", "e"]
    assert tokenize("wait.\x0c.") == tokenize("wait. .")
    assert tokenize("&#29; M &#x2019;") == ["m", "'"]


def test_a_csv_saved_with_a_bom_is_read_like_one_without(tmp_path):
    # Why: Excel's "CSV UTF-8" starts with a BOM; the header read "\ufeffspeaker" and the file was skipped.
    path = tmp_path / "chat.csv"
    path.write_bytes(b"\xef\xbb\xbfspeaker,text\nalice,hello there\nbob,hi\n")
    assert read_user_text([path]).lines == ["hello there", "hi"]
    assert read_speaker_csv(path) == [[("<s1>", "hello there"), ("<s2>", "hi")]]


def test_a_csv_header_too_long_to_read_is_skipped_with_why_not_raised(tmp_path):
    # Why: the header was read outside the try, so csv.Error ("field larger than field limit") escaped
    # read_user_text as a traceback; and the line named was one short.
    path = tmp_path / "wide.csv"
    path.write_text("speaker,text\nalice," + "a" * 140_000 + "\n", encoding="utf-8")
    wide_header = tmp_path / "header.csv"
    wide_header.write_text("a" * 140_000 + ",text\n", encoding="utf-8")
    text = read_user_text([path, wide_header])
    assert [why[:28] for _, why in text.skipped] == ["not a readable CSV (line 2: ", "not a readable CSV (line 1: "]
    with pytest.raises(CorpusError, match="line 1"):
        read_speaker_csv(wide_header)


def test_a_csv_message_with_a_unicode_line_separator_is_read_whole(tmp_path):
    # Why: str.splitlines() cut the CSV's rows at \x85 and \u2028 too: the rest of the message was lost.
    path = tmp_path / "chat.csv"
    path.write_text("speaker,text\nalice,hello\u2028there\x85you\n", encoding="utf-8")
    assert read_user_text([path]).lines == ["hello there you"]


def test_a_long_context_is_read_in_at_most_the_window_and_a_new_word_costs_one_step(predictor):
    # Why: 300 characters may be 300 tokens ("a-a-a", "1.1.1."): read afresh, one model step each, ~100 ms;
    # at most 80 of them, a step each, still took up to 50 ms on 2 cores.
    counted = Predictor(predictor.vocab, CountingStepper(predictor.backend), predictor.ngram, predictor.mixture)
    counted.suggest("a-" * 150, 3)
    assert counted.backend.steps <= predictor_module.MAX_CONTEXT_TOKENS
    # read in runs of RUN_TOKENS ids, the rest a step each
    assert counted.backend.calls < predictor_module.MAX_CONTEXT_TOKENS / predictor_module.RUN_TOKENS + \
        predictor_module.RUN_TOKENS
    window_moves = 0
    for extra in range(1, predictor_module.CONTEXT_TOKEN_STEP * 2):
        before = counted.backend.calls
        ids = counted.context_ids("a-" * 150 + "b " * extra)
        counted.suggest("a-" * 150 + "b " * extra, 3)
        assert len(ids) <= predictor_module.MAX_CONTEXT_TOKENS
        window_moves += counted.backend.calls - before > 1
    assert window_moves <= 2  # once per CONTEXT_TOKEN_STEP words; every other word ran one step or one run


def test_a_long_sentence_tunes_the_cache_on_its_first_tokens_and_counts_them_all(predictor):
    # Why: the model's probability of each of 300 tokens cost ~100 ms per observed "sentence".
    asked = []

    def model_probabilities(tokens):
        asked.append(len(tokens))
        return predictor.token_probabilities(tokens)

    cache = PersonalCache()
    cache.observe("hello there", model_probabilities)
    assert cache.observe("a-" * 150, model_probabilities) == 300
    assert asked == [2, TUNED_TOKENS]


def test_a_learned_run_of_thousands_of_letters_is_never_offered(predictor):
    # Why: a 7,000-letter "a'a'a'..." learned from a paste was offered, so every prefix of it had a
    # completion and each keystroke in it ranked all 7,000 prefixes (0.45 s); it was no word to offer either.
    cache = PersonalCache()
    fresh = Predictor(predictor.vocab, predictor.backend, predictor.ngram, predictor.mixture)
    fresh.attach_personal_cache(cache)
    longest, too_long = "zorb" * 12 + "ax", "zorb" * 13
    assert len(longest) == MAX_OFFERED_LETTERS < len(too_long)
    for _ in range(2):
        fresh.observe(f"I said {longest} and {too_long} today.")
    assert [s.word for s in fresh.suggest("I said zorbzorbzorb", 3)] == [longest]
    assert too_long in cache.unigrams  # counted, as context for what follows it


def test_a_word_no_known_word_starts_like_is_not_ranked_letter_by_letter(predictor):
    # Why: the words shown at each earlier letter were ranked for every prefix: a 10,000-letter "word"
    # took 0.3 s (it now stops at the first prefix no word starts with).
    chooser = WordChooser(predictor.vocab, rare_words=predictor.chooser.rare_words)
    ranked = []
    original = chooser._ranked

    def counting(probabilities, partial, *args, **kwargs):
        ranked.append(partial)
        return original(probabilities, partial, *args, **kwargs)

    chooser._ranked = counting
    probabilities = np.full(len(predictor.vocab), 1.0 / len(predictor.vocab))
    assert chooser.choose(probabilities, "zq" * 5000, 3) == []
    assert len(ranked) <= 4
