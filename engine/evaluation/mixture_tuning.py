"""`nextword eval VALID --tune-ngram-weight`: the n-gram model's mixture weight per context-count bin,
chosen by top-3 accuracy at word starts on validation text (never on the test split)."""

from __future__ import annotations

import json

import numpy as np

from engine.evaluation.metrics import WORD, read_lines
from engine.runtime.mixture import MixtureWeights, mix
from engine.runtime.ngram import KneserNey

WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


def tune_mixture(predictor, ngram: KneserNey, lines: list[str], weights=WEIGHTS) -> dict:
    """Pick the n-gram model's weight for each context-count bin by top-3 accuracy at word starts.

    Hits add up over positions and every position falls in one bin, so each bin's weight is chosen
    on its own.
    """
    edges = MixtureWeights.constant(0.0).edges
    bins = MixtureWeights.constant(0.0)
    hits = np.zeros((len(edges), len(weights)))
    positions = np.zeros(len(edges))
    mask = predictor.chooser.offerable_mask
    for line in lines:
        for match in WORD.finditer(line):
            context = predictor.chooser.context_ids(line[: match.start()])
            target_id = predictor.vocab.index.get(match.group().lower())
            where = bins.bin_of(ngram.context_count(context))
            positions[where] += 1
            if target_id is None:
                continue
            network_next = predictor.network_probabilities(context)
            ngram_next = ngram.distribution(context)
            for column, weight in enumerate(weights):
                mixed = np.where(mask, mix(network_next, ngram_next, weight), -1.0)
                hits[where, column] += target_id in np.argpartition(-mixed, 3)[:3]
    best = tuple(float(weights[int(np.argmax(row))]) for row in hits)
    return {
        "weights": list(weights),
        "edges": list(edges),
        "positions_per_bin": positions.tolist(),
        "top3_by_weight": (hits.sum(0) / max(1, positions.sum())).tolist(),
        "best": MixtureWeights(best, edges).to_json(),
        "top3_best": float(sum(hits[b, weights.index(w)] for b, w in enumerate(best)) / max(1, positions.sum())),
    }


def print_tuning(predictor, ngram: KneserNey, file: str, n_lines: int, as_json: bool) -> int:
    table = tune_mixture(predictor, ngram, read_lines(file, n_lines))
    if as_json:
        print(json.dumps(table, indent=2))
        return 0
    print("top-3 at word starts with one weight everywhere:")
    for weight, top3 in zip(table["weights"], table["top3_by_weight"], strict=True):
        print(f"  weight {weight:.1f}: {top3:.4f}")
    print(f"best weight per context-count bin (edges {table['edges']}, positions {table['positions_per_bin']}):")
    print(f"  {table['best']['weights']} -> top-3 {table['top3_best']:.4f}")
    return 0
