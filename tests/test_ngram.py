import numpy as np
import pytest

from engine.runtime.ngram import KneserNeyTrigram


@pytest.fixture
def trigram():
    rng = np.random.default_rng(0)
    ids = np.concatenate([[1, 2, 3, 4] * 30, rng.integers(0, 10, 200), [5, 2, 6] * 10])
    return KneserNeyTrigram.fit(ids, 12)


@pytest.mark.parametrize("context", [[], [3], [1, 2], [5, 2], [11, 11], [0, 7]])
def test_distribution_sums_to_one_and_is_never_zero(trigram, context):
    probabilities = trigram.distribution(context)
    assert probabilities.sum() == pytest.approx(1.0) and probabilities.min() > 0


def test_the_seen_continuation_wins(trigram):
    assert trigram.distribution([1, 2]).argmax() == 3
    assert trigram.distribution([5, 2]).argmax() == 6  # the two-word context decides, not "2" alone


def test_save_and_load_give_the_same_model(trigram, tmp_path):
    trigram.save(tmp_path / "ngram.npz")
    loaded = KneserNeyTrigram.load(tmp_path / "ngram.npz")
    np.testing.assert_allclose(loaded.distribution([1, 2]), trigram.distribution([1, 2]))


def test_pruned_model_is_smaller_and_still_normalised(trigram):
    pruned = trigram.pruned(min_count=3)
    assert len(pruned.trigram_keys) < len(trigram.trigram_keys)
    for context in ([1, 2], [0, 7], [5, 2]):
        assert pruned.distribution(context).sum() == pytest.approx(1.0)
    assert pruned.distribution([1, 2]).argmax() == 3  # frequent trigrams survive pruning


def test_pruning_keeps_rare_trigrams_of_well_seen_contexts(trigram):
    def kept(model):
        return set((model.trigram_keys).tolist())

    contexts = trigram.trigram_keys // trigram.vocab_size
    totals = {c: trigram.trigram_counts[contexts == c].sum() for c in set(contexts.tolist())}
    busy = trigram.trigram_keys[(trigram.trigram_counts < 3) & np.array([totals[c] >= 20 for c in contexts.tolist()])]
    quiet = trigram.trigram_keys[(trigram.trigram_counts < 3) & np.array([totals[c] < 20 for c in contexts.tolist()])]
    assert len(busy) and len(quiet)  # the fixture has both kinds
    pruned = trigram.pruned(min_count=3, keep_contexts_seen=20)
    assert set(busy.tolist()) <= kept(pruned) and not set(quiet.tolist()) & kept(pruned)
    assert kept(trigram.pruned(min_count=3)) < kept(pruned) < kept(trigram)
    assert pruned.distribution([1, 2]).sum() == pytest.approx(1.0)


def test_compact_file_keeps_every_count(trigram, tmp_path):
    trigram.save(tmp_path / "ngram.npz")
    loaded = KneserNeyTrigram.load(tmp_path / "ngram.npz")
    np.testing.assert_array_equal(loaded.trigram_keys, trigram.trigram_keys)
    np.testing.assert_array_equal(loaded.bigram_continuations, trigram.bigram_continuations)


def test_mixture_weights_follow_how_often_the_context_was_seen(trigram):
    from engine.runtime.mixture import MixtureWeights

    mixture = MixtureWeights((0.0, 0.1, 0.2, 0.3, 0.4))
    assert trigram.context_count([1, 2]) == 30 and trigram.context_count([11, 11]) == 0
    assert mixture.weight_for(0) == 0.0 and mixture.weight_for(2) == 0.1 and mixture.weight_for(30) == 0.3
    assert mixture.weight_for(10**6) == 0.4
    assert MixtureWeights.from_json(mixture.to_json()) == mixture and MixtureWeights.from_json(0.2).weights[0] == 0.2
    with pytest.raises(ValueError, match="between 0 and 1"):
        MixtureWeights((0.0, 0.1, 0.2, 0.3, 1.5))
