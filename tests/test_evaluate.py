import math

import numpy as np
import torch

from engine.evaluate import baseline_for, line_ids, line_perplexities, tune_ngram_weight
from engine.paths import cache_dir


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
        ids = torch.tensor([line_ids(tiny_predictor.vocab, line)])
        logits, _ = model(ids[:, :-1], tiny_predictor.backend.initial_state())
        log_probs = torch.log_softmax(logits[0], -1)[1:]  # targets after <bos>
        total -= log_probs.gather(1, ids[0, 2:, None]).sum().item()
        count += ids.size(1) - 2
    assert math.isclose(model_ppl, math.exp(total / count), rel_tol=1e-4)
    assert baseline_ppl > 1


def test_tuning_reports_every_weight(tiny_predictor, tiny_corpus):
    ngram = baseline_for(tiny_predictor.vocab, [str(tiny_corpus)], log=lambda *args: None)
    table = tune_ngram_weight(tiny_predictor, ngram, ["How are you doing today?"], weights=(0.0, 0.5))
    assert set(table) == {0.0, 0.5}
    assert all(0 <= row["top3"] <= 1 and row["perplexity"] > 1 for row in table.values())
