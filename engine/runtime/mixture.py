"""How the network and the n-gram model (a trigram, or four-grams too) are mixed: one function, used by
the predictor and by evaluation.

P(next) = (1 - w) * P_network + w * P_ngram, where the n-gram model's weight w depends on how often it
saw the context (the last two tokens for a trigram, three for four-grams): where it has seen a context
often its counts are sharp.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

# Lower edges of the context-count bins that mixture weights are tuned for: how many times the
# n-gram model saw its context (0: never, so it knows little; 100+: it knows this context well).
CONTEXT_COUNT_EDGES = (0, 1, 3, 10, 100)


def mix(network, ngram, weight: float):
    """(1 - weight) * network + weight * ngram, for whole distributions or single probabilities.
    At weight 0 the network's value is returned as it is (`ngram` may then be None)."""
    if not weight:
        return network
    return (1 - weight) * network + weight * ngram


@dataclass(frozen=True)
class MixtureWeights:
    """The n-gram model's share in the mixture, one weight per context-count bin.

    Where the n-gram model has seen a context often, its counts are sharp and deserve more weight;
    where it never has, it only knows unigram frequencies. Tuned on validation text.
    """

    weights: tuple[float, ...]
    edges: tuple[int, ...] = CONTEXT_COUNT_EDGES

    def __post_init__(self) -> None:
        if len(self.weights) != len(self.edges) or not all(0.0 <= w <= 1.0 for w in self.weights):
            raise ValueError(f"need {len(self.edges)} mixture weights between 0 and 1, got {list(self.weights)}")

    @classmethod
    def constant(cls, weight: float) -> MixtureWeights:
        return cls(tuple([float(weight)] * len(CONTEXT_COUNT_EDGES)))

    @classmethod
    def from_json(cls, value) -> MixtureWeights | None:
        if value is None:
            return None
        if isinstance(value, (int, float)):
            return cls.constant(value)
        return cls(tuple(float(w) for w in value["weights"]), tuple(int(e) for e in value["edges"]))

    def to_json(self) -> dict:
        return {"weights": list(self.weights), "edges": list(self.edges)}

    @property
    def active(self) -> bool:
        return any(self.weights)

    @property
    def single(self) -> float | None:
        """The weight where every bin has the same one (no context count is then needed), else None."""
        return self.weights[0] if len(set(self.weights)) == 1 else None

    def bin_of(self, context_count: int) -> int:
        return bisect.bisect_right(self.edges, context_count) - 1

    def weight_for(self, context_count: int) -> float:
        return self.weights[self.bin_of(context_count)]
