import math

import numpy as np
import torch

from engine.core.paths import cache_dir
from engine.evaluation.baseline import baseline_for, line_ids, line_perplexities
from engine.evaluation.mixture_tuning import tune_mixture


def test_baseline_is_trained_once_then_read_from_the_cache(tiny_predictor, tiny_corpus):
    first = baseline_for(tiny_predictor.vocab, [str(tiny_corpus)], log=lambda *args: None)
    assert len(list(cache_dir().glob("ngram-*.npz"))) == 1
    messages = []
    second = baseline_for(tiny_predictor.vocab, [str(tiny_corpus)], log=messages.append)
    assert messages == []  # nothing retrained
    np.testing.assert_allclose(second.distribution([4, 5]), first.distribution([4, 5]))


def test_model_perplexity_is_the_networks_own_when_nothing_is_mixed(tiny_predictor, tiny_corpus):
    ngram = baseline_for(tiny_predictor.vocab, [str(tiny_corpus)], log=lambda *args: None)
    lines = ["How are you doing today?", "I love to watch movies"]
    model_ppl, baseline_ppl = line_perplexities(tiny_predictor, ngram, lines)
    total, count = 0.0, 0
    model = tiny_predictor.backend.model
    for line in lines:
        ids = torch.tensor([line_ids(tiny_predictor.chooser, line)])
        logits, _ = model(ids[:, :-1], tiny_predictor.backend.initial_state())
        log_probs = torch.log_softmax(logits[0], -1)[1:]  # targets after <bos>
        total -= log_probs.gather(1, ids[0, 2:, None]).sum().item()
        count += ids.size(1) - 2
    assert math.isclose(model_ppl, math.exp(total / count), rel_tol=1e-4)
    assert baseline_ppl > 1


def test_tuning_picks_per_bin_weights_at_least_as_good_as_any_single_weight(tiny_predictor, tiny_corpus):
    ngram = baseline_for(tiny_predictor.vocab, [str(tiny_corpus)], log=lambda *args: None)
    lines = ["How are you doing today?", "I want to go to the beach lol", "What do you mean"]
    table = tune_mixture(tiny_predictor, ngram, lines, weights=(0.0, 0.5, 1.0))
    assert sum(table["positions_per_bin"]) == 17  # every word start counted once
    assert len(table["best"]["weights"]) == len(table["edges"])
    assert table["top3_best"] >= max(table["top3_by_weight"])
