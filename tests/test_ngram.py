import numpy as np
import pytest

from engine.runtime.ngram import KneserNey, NgramError


def corpus(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.concatenate([[1, 2, 3, 4] * 30, rng.integers(0, 10, 200), [5, 2, 6] * 10])


@pytest.fixture
def trigram():
    return KneserNey.fit(corpus(), 12)


@pytest.mark.parametrize("order", [3, 4])
@pytest.mark.parametrize("context", [[], [3], [1, 2], [5, 2], [11, 11], [0, 7], [4, 1, 2], [9, 9, 9]])
def test_distribution_sums_to_one_and_is_never_zero(order, context):
    model = KneserNey.fit(corpus(), 12, order=order)
    for probabilities in (model.distribution(context), model.pruned(min_count=3).distribution(context)):
        assert probabilities.sum() == pytest.approx(1.0) and probabilities.min() > 0


def test_the_seen_continuation_wins(trigram):
    assert trigram.distribution([1, 2]).argmax() == 3
    assert trigram.distribution([5, 2]).argmax() == 6  # the two-word context decides, not "2" alone


def test_a_four_gram_model_tells_apart_what_three_words_back_decide():
    ids = np.asarray([7, 1, 2, 3] * 20 + [8, 1, 2, 4] * 20)
    trigram, four_gram = KneserNey.fit(ids, 10), KneserNey.fit(ids, 10, order=4)
    assert trigram.distribution([7, 1, 2]).argmax() == trigram.distribution([8, 1, 2]).argmax()
    assert four_gram.distribution([7, 1, 2]).argmax() == 3 and four_gram.distribution([8, 1, 2]).argmax() == 4
    assert four_gram.context_count([7, 1, 2]) == 20 and four_gram.context_count([1, 2]) == 0  # too short


def test_an_order_the_model_cannot_hold_is_refused():
    with pytest.raises(ValueError, match="choose one of 3, 4"):
        KneserNey.fit(corpus(), 12, order=5)
    with pytest.raises(ValueError, match="too large"):
        KneserNey.fit(corpus(), 100_000, order=4)


@pytest.mark.parametrize("order", [3, 4])
def test_save_and_load_give_the_same_model(order, tmp_path):
    for model in (KneserNey.fit(corpus(), 12, order=order), KneserNey.fit(corpus(), 12, order=order).pruned(3)):
        model.save(tmp_path / "ngram.npz")
        loaded = KneserNey.load(tmp_path / "ngram.npz")
        for context in ([1, 2], [4, 1, 2], [0, 7, 3]):
            np.testing.assert_array_equal(loaded.distribution(context), model.distribution(context))
            assert loaded.context_count(context) == model.context_count(context)


def test_a_trigram_saved_before_other_orders_existed_still_loads(trigram, tmp_path):
    pairs, triples = trigram.levels[2], trigram.levels[3]
    np.savez_compressed(tmp_path / "old.npz", vocab_size=12, trigram_key_gaps=np.diff(triples.keys, prepend=0),
                        trigram_counts=triples.counts, bigram_key_gaps=np.diff(pairs.keys, prepend=0),
                        bigram_continuations=pairs.counts, unigram=trigram.unigram,
                        discounts=np.asarray([triples.discount, pairs.discount]))
    loaded = KneserNey.load(tmp_path / "old.npz")
    np.testing.assert_array_equal(loaded.distribution([1, 2]), trigram.distribution([1, 2]))


def test_a_file_that_is_no_ngram_model_is_named(tmp_path):
    (tmp_path / "ngram.npz").write_bytes(b"not a zip")
    with pytest.raises(NgramError, match="ngram.npz"):
        KneserNey.load(tmp_path / "ngram.npz")


def test_pruning_drops_rare_ngrams_but_keeps_each_contexts_total():
    # After (1, 2): "3" twenty times and six other words once each.
    ids = np.concatenate([[1, 2, 3, 0] * 20, *[[1, 2, w, 0] for w in range(4, 10)]])
    full = KneserNey.fit(ids, 12)
    pruned = full.pruned(min_count=2)
    assert len(pruned.levels[3].keys) < len(full.levels[3].keys)
    assert pruned.context_count([1, 2]) == full.context_count([1, 2]) == 26
    # "3" keeps its share of the 26 sightings (not of the 20 kept ones); the dropped words share what is
    # left through the pairs, so they stay well above words never seen in the corpus.
    assert pruned.distribution([1, 2])[3] == pytest.approx(full.distribution([1, 2])[3], abs=0.02)
    assert pruned.distribution([1, 2])[3] < 20 / 26
    assert pruned.distribution([1, 2])[5] > 10 * pruned.distribution([1, 2])[11]


@pytest.mark.parametrize("order", [3, 4])
def test_pruning_twice_is_pruning_once_at_the_higher_count(order):
    full = KneserNey.fit(corpus(), 12, order=order)
    twice, once = full.pruned(min_count=2).pruned(min_count=3), full.pruned(min_count=3)
    for context in ([1, 2], [4, 1, 2], [5, 2], [0, 7, 3], [9, 9, 9]):
        np.testing.assert_allclose(twice.distribution(context), once.distribution(context))
        assert twice.context_count(context) == once.context_count(context)


@pytest.mark.parametrize("order", [3, 4])
def test_pruned_model_is_smaller_and_frequent_ngrams_survive(order):
    full = KneserNey.fit(corpus(), 12, order=order)
    pruned = full.pruned(min_count=3)
    assert len(pruned.levels[order].keys) < len(full.levels[order].keys)
    assert pruned.distribution([4, 1, 2]).argmax() == 3


def test_pruning_keeps_rare_trigrams_of_well_seen_contexts(trigram):
    triples = trigram.levels[3]

    def kept(model):
        return set(model.levels[3].keys.tolist())

    contexts = triples.keys // trigram.vocab_size
    totals = {c: triples.counts[contexts == c].sum() for c in set(contexts.tolist())}
    busy = triples.keys[(triples.counts < 3) & np.array([totals[c] >= 20 for c in contexts.tolist()])]
    quiet = triples.keys[(triples.counts < 3) & np.array([totals[c] < 20 for c in contexts.tolist()])]
    assert len(busy) and len(quiet)  # the fixture has both kinds
    pruned = trigram.pruned(min_count=3, keep_contexts_seen=20)
    assert set(busy.tolist()) <= kept(pruned) and not set(quiet.tolist()) & kept(pruned)
    assert kept(trigram.pruned(min_count=3)) < kept(pruned) < kept(trigram)
    assert pruned.distribution([1, 2]).sum() == pytest.approx(1.0)


@pytest.mark.parametrize("order", [3, 4])
def test_a_grown_vocabulary_keeps_every_count(order):
    model = KneserNey.fit(corpus(), 12, order=order).pruned(min_count=3)
    grown = model.with_vocab_size(15)
    for context in ([1, 2], [4, 1, 2], [5, 2], [0, 7, 3]):
        assert grown.context_count(context) == model.context_count(context)
        old, new = model.distribution(context), grown.distribution(context)
        assert new.sum() == pytest.approx(1.0) and new.argmax() == old.argmax()
        assert new[12:].max() < new[:12].min() * 1.01  # the new words were never seen


def test_compact_file_keeps_every_count(trigram, tmp_path):
    trigram.save(tmp_path / "ngram.npz")
    loaded = KneserNey.load(tmp_path / "ngram.npz")
    for length in (2, 3):
        np.testing.assert_array_equal(loaded.levels[length].keys, trigram.levels[length].keys)
        np.testing.assert_array_equal(loaded.levels[length].counts, trigram.levels[length].counts)


def test_mixture_weights_follow_how_often_the_context_was_seen(trigram):
    from engine.runtime.mixture import MixtureWeights

    mixture = MixtureWeights((0.0, 0.1, 0.2, 0.3, 0.4))
    assert trigram.context_count([1, 2]) == 30 and trigram.context_count([11, 11]) == 0
    assert mixture.weight_for(0) == 0.0 and mixture.weight_for(2) == 0.1 and mixture.weight_for(30) == 0.3
    assert mixture.weight_for(10**6) == 0.4
    assert MixtureWeights.from_json(mixture.to_json()) == mixture and MixtureWeights.from_json(0.2).weights[0] == 0.2
    with pytest.raises(ValueError, match="between 0 and 1"):
        MixtureWeights((0.0, 0.1, 0.2, 0.3, 1.5))


def test_a_release_can_carry_four_grams(tiny_corpus, tmp_path):
    from conftest import tiny_config

    from engine.runtime.mixture import MixtureWeights
    from engine.runtime.model_opening import open_model
    from engine.training.release import main as release
    from engine.training.trainer import train

    train(tiny_config(tiny_corpus, tmp_path / "run", max_steps=3), log=lambda *args: None)
    model = tmp_path / "release" / "nextword.pt"
    assert release([str(tmp_path / "run" / "best.pt"), "--out", str(model), "--ngram-weights", "0.4,0.4,0.4,0.4,0.4",
                    "--ngram-order", "4", "--ngram-keep-contexts-seen", "0"]) == 0
    four_grams = KneserNey.load(model.with_name("ngram.npz"))
    assert four_grams.order == 4
    predictor = open_model(model)
    assert predictor.ngram.order == 4 and predictor.mixing
    context = predictor.chooser.context_ids("How are you")
    assert predictor.next_probabilities(context).sum() == pytest.approx(1.0, abs=1e-4)
    assert predictor.mixture_weight(context) == 0.4
    # Weights per bin follow how often the three-word context was seen.
    predictor.mixture = MixtureWeights((0.1, 0.2, 0.3, 0.5, 0.6))
    seen = predictor.ngram.context_count(context)
    assert seen > 0 and predictor.mixture_weight(context) == predictor.mixture.weight_for(seen) > 0.1
    assert predictor.mixture_weight(predictor.chooser.context_ids("zebra zebra zebra")) == 0.1
