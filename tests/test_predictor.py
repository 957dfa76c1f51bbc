import numpy as np
import pytest

from engine.predictor import Predictor


class CountingStepper:
    """Wraps a backend and counts model steps."""

    def __init__(self, backend):
        self.backend, self.steps = backend, 0

    def initial_state(self):
        return self.backend.initial_state()

    def step(self, token_ids, state):
        self.steps += len(token_ids)
        return self.backend.step(token_ids, state)


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
    predictor.suggest("I want to go to the ", 3)
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
    from engine.ngram import KneserNeyTrigram, MixtureWeights

    ids = np.load(tiny_run[0] / "train_ids.npy")
    trigram = KneserNeyTrigram.fit(ids, len(tiny_predictor.vocab))
    mixed = fresh(tiny_predictor, ngram=trigram, mixture=MixtureWeights.constant(0.5))
    context = mixed.chooser.context_ids("How are ")
    probabilities = mixed.next_probabilities(context)
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-4)
    assert not np.allclose(probabilities, fresh(tiny_predictor).next_probabilities(context))
