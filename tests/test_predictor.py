import numpy as np
import pytest
from counting_stepper import CountingStepper
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.runtime.model_opening import open_bundle
from engine.runtime.predictor import Predictor


def fresh(tiny_predictor, **kwargs):
    return Predictor(tiny_predictor.vocab, CountingStepper(tiny_predictor.backend), **kwargs)


def test_the_tiny_model_has_learned_its_sentences(tiny_predictor):
    assert tiny_predictor.suggest("I don't know what you ", 1)[0].word == "mean"
    assert "Netflix" in [s.word for s in tiny_predictor.suggest("Do you like to watch ", 3)]


def test_typing_inside_a_word_runs_no_model_step(tiny_predictor):
    predictor = fresh(tiny_predictor)
    predictor.suggest("How are ", 3)
    steps = predictor.backend.steps
    for left in ["How are y", "How are yo", "How are you"]:
        predictor.suggest(left, 3)
    assert predictor.backend.steps == steps


def test_a_new_word_runs_one_step(tiny_predictor):
    predictor = fresh(tiny_predictor)
    predictor.suggest("How are you ", 3)
    steps = predictor.backend.steps
    predictor.suggest("How are you doing ", 3)
    assert predictor.backend.steps == steps + 1


def test_backspace_and_edits_reuse_the_longest_cached_context(tiny_predictor):
    predictor = fresh(tiny_predictor)
    words = "I want to go to the ".split()
    for count in range(len(words) + 1):  # typed word by word (a pasted sentence is read in runs: RUN_TOKENS)
        predictor.suggest(" ".join(words[:count]) + " ", 3)
    steps = predictor.backend.steps
    predictor.suggest("I want to ", 3)  # backspace: everything is cached
    predictor.suggest("I want a ", 3)  # an edit: only the changed word is new
    assert predictor.backend.steps == steps + 1


@pytest.mark.parametrize("edits", [["How are you", "How", "Do you like", "I want to go to the beach lol ", ""],
                                   ["What do you want to do this ", "What do", "What do you want to do this "]])
def test_suggestions_after_edits_equal_those_from_scratch(tiny_predictor, edits):
    predictor = fresh(tiny_predictor)
    for left in edits:
        expected = fresh(tiny_predictor).suggest(left, 3)
        got = predictor.suggest(left, 3)
        assert [s.word for s in got] == [s.word for s in expected]
        np.testing.assert_allclose([s.probability for s in got], [s.probability for s in expected], rtol=1e-5)


def test_ngram_mixture_changes_the_distribution_and_stays_normalised(tiny_predictor, tiny_run):
    from engine.runtime.mixture import MixtureWeights
    from engine.runtime.ngram import KneserNey

    ids = np.load(tiny_run[0] / "train_ids.npy")
    trigram = KneserNey.fit(ids, len(tiny_predictor.vocab))
    mixed = fresh(tiny_predictor, ngram=trigram, mixture=MixtureWeights.constant(0.5))
    context = mixed.chooser.context_ids("How are ")
    probabilities = mixed.next_probabilities(context)
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-4)
    assert not np.allclose(probabilities, fresh(tiny_predictor).next_probabilities(context))


# Edits as a person makes them: typing, backspace, moving the cursor back, pasting, changing a letter
# earlier in the line. The predictor only ever sees the text left of the cursor.
EDIT = st.one_of(
    st.tuples(st.just("type"), st.text(alphabet="abdeinotuwy '.,?", min_size=1, max_size=6)),
    st.tuples(st.just("backspace"), st.integers(1, 8)),
    st.tuples(st.just("move"), st.floats(0, 1)),
    st.tuples(st.just("paste"), st.sampled_from(["How are you doing ", "I don't know what you mean. ", "watch Net"])),
    st.tuples(st.just("change"), st.floats(0, 1)),
)


def apply(document: str, cursor: int, edit) -> tuple[str, int]:
    kind, value = edit
    if kind in ("type", "paste"):
        return document[:cursor] + value + document[cursor:], cursor + len(value)
    if kind == "backspace":
        start = max(0, cursor - value)
        return document[:start] + document[cursor:], start
    position = int(value * len(document))
    if kind == "move":
        return document, position
    changed = document[:position] + "x" + document[position + 1 :]  # a letter changed earlier in the line
    return changed, min(cursor, len(changed))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(EDIT, min_size=1, max_size=12))
def test_suggestions_after_any_edits_equal_those_computed_from_scratch(tiny_bundle, edits):
    shared = open_bundle(tiny_bundle, blocked_words=set())
    shared.cache_size = 64  # small, so evictions happen too
    document, cursor = "", 0
    for edit in edits:
        document, cursor = apply(document, cursor, edit)
        left = document[:cursor]
        scratch = Predictor(shared.vocab, shared.backend, shared.ngram, shared.mixture,
                            rare_words=shared.chooser.rare_words)
        scratch.use_dictionary(shared.dictionary)  # corrections, and the context read as meant, alike
        got, expected = shared.suggest(left, 3), scratch.suggest(left, 3)
        assert [s.word for s in got] == [s.word for s in expected], left
        assert [s.probability for s in got] == [s.probability for s in expected], left
        assert shared.complete(left) == scratch.complete(left), left


def test_phrase_completion_continues_the_partial_word(tiny_bundle):
    predictor = open_bundle(tiny_bundle)
    completion = predictor.complete("I don't know what you m")
    assert completion.text.startswith("ean") and completion.words[0] == "mean"
    assert 0.25 <= completion.probability <= 1.0
    after_space = predictor.complete("I don't know what ")
    assert after_space.words[:2] == ("you", "mean") and after_space.text.startswith("you mean")
    assert not predictor.complete("I don't know what ", min_probability=1.01)  # nothing that sure: empty


def test_phrase_completion_starts_with_a_space_after_punctuation_and_capitalises_a_sentence(tiny_bundle):
    predictor = open_bundle(tiny_bundle)
    assert predictor.complete("I'm doing great,").text.startswith(" thanks")
    assert predictor.complete("", min_probability=0.05).text[:1].isupper()


@pytest.mark.bundled_model
def test_the_shipped_blocklist_keeps_a_word_off_the_chips_until_typed_in_full():
    predictor, unfiltered = open_bundle(), open_bundle(blocked_words=set())
    assert "pissed" in [s.word for s in unfiltered.suggest("he was pi", 3)]
    assert "pissed" not in [s.word for s in predictor.suggest("he was pi", 3)]
    assert "pissed" in predictor.chooser.blocked_words


@pytest.mark.bundled_model
def test_the_bundled_model_completes_words_in_their_usual_form():
    predictor = open_bundle()
    assert "you" in [s.word for s in predictor.suggest("how are yo", 3)]
    assert predictor.suggest("", 3)[0].word[:1].isupper()  # a message starts a sentence
    assert "I" in [s.word for s in predictor.suggest("yes ", 3)]  # the usual form, not "i"
    assert predictor.complete("how are yo").text.startswith("u")


@pytest.mark.bundled_model
def test_the_previous_message_changes_what_comes_next():
    predictor = open_bundle()
    alone = [s.word for s in predictor.suggest("i'm ", 3)]
    answering = [s.word for s in predictor.suggest("i'm ", 3, previous="how are you?")]
    assert alone != answering and "doing" in answering  # "i'm doing well", answering "how are you?"
    with pytest.raises(ValueError, match="speaker"):
        predictor.suggest("hi", 3, speaker="bob")


def test_cached_probabilities_are_read_only_so_no_caller_can_corrupt_them():
    predictor = open_bundle()  # mixes in its trigram, so the final distribution is a new array
    context = predictor.context_ids("how are ")
    before = [s.word for s in predictor.suggest("how are ", 3)]
    for probabilities in (predictor.network_probabilities(context), predictor.distribution("how are ")):
        with pytest.raises(ValueError, match="read-only"):
            probabilities[:] = 0.0
    assert [s.word for s in predictor.suggest("how are ", 3)] == before
