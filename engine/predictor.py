"""Predictor: left text -> ranked next-word suggestions, with the LSTM state carried between calls.

The model is reached through a backend with two methods, `initial_state()` and
`step(token_ids, state) -> (probabilities (V,), state)`, so the same predictor runs a torch
checkpoint now and an ONNX bundle in the desktop. The state after every context seen is cached:
typing inside a word runs no model step at all, a new word runs one, and going back (backspace,
an edit, a paste) restarts from the longest context already computed.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import numpy as np

from engine.lexicon import RARE_WORDS_FILE, LexiconError, RareWords
from engine.ngram import KneserNeyTrigram, MixtureWeights
from engine.suggestions import Suggestion, WordChooser
from engine.tokenizer import split_partial
from engine.vocab import Vocab

NGRAM_FILE = "ngram.npz"


class Predictor:
    def __init__(self, vocab: Vocab, backend, ngram: KneserNeyTrigram | None = None,
                 mixture: MixtureWeights | None = None, cache_size: int = 2048,
                 rare_words: RareWords | None = None):
        self.vocab = vocab
        self.backend = backend
        self.chooser = WordChooser(vocab, rare_words=rare_words)
        self.ngram = ngram  # mixed in only where `mixture` gives it weight
        self.mixture = mixture
        self.cache_size = cache_size
        self.train_data: list[str] | None = None  # what the model learned from, when known
        # context ids -> (state after them, next-token probabilities); least recently used goes first.
        self._cache: OrderedDict[tuple[int, ...], tuple[object, np.ndarray]] = OrderedDict()
        # The last context text and its final distribution: every keystroke inside a word asks for it
        # again, and then neither tokenizing nor mixing is redone.
        self._last: tuple[str, np.ndarray] | None = None

    @classmethod
    def from_checkpoint(cls, path: str | Path, ngram_weight: float | None = None) -> Predictor:
        """A torch checkpoint (needs the `train` extra) and the trigram and rare words saved beside it, if any.

        ngram_weight overrides the checkpoint's own mixture weights with one weight for every context.
        """
        from engine.checkpoint import CheckpointError, load_model, start_state_of
        from engine.model import TorchStepper

        model, vocab, payload = load_model(path)
        ngram_path = Path(path).with_name(NGRAM_FILE)
        ngram = KneserNeyTrigram.load(ngram_path) if ngram_path.exists() else None
        mixture = (MixtureWeights.constant(ngram_weight) if ngram_weight is not None
                   else MixtureWeights.from_json(payload.get("ngram_mixture")))
        rare_path = Path(path).with_name(RARE_WORDS_FILE)
        try:
            rare_words = RareWords.load(rare_path) if rare_path.exists() else None
        except LexiconError as error:
            raise CheckpointError(str(error)) from None
        predictor = cls(vocab, TorchStepper(model, start_state_of(payload)), ngram, mixture, rare_words=rare_words)
        predictor.train_data = payload.get("train_config", {}).get("train_data")
        return predictor

    @property
    def mixing(self) -> bool:
        return self.ngram is not None and self.mixture is not None and self.mixture.active

    def _model_probabilities(self, context_ids: list[int]) -> np.ndarray:
        key = tuple(context_ids)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit[1]
        known = len(key) - 1
        while known > 0 and key[:known] not in self._cache:
            known -= 1
        state = self._cache[key[:known]][0] if known else self.backend.initial_state()
        probabilities = None
        for length in range(known + 1, len(key) + 1):  # one step per token, so every prefix is cached
            probabilities, state = self.backend.step([key[length - 1]], state)
            self._remember(key[:length], state, probabilities)
        return probabilities

    def _remember(self, key, state, probabilities) -> None:
        self._cache[key] = (state, probabilities)
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    def next_probabilities(self, context_ids: list[int]) -> np.ndarray:
        """P(next token | context): the network's, mixed with the trigram's when one is loaded."""
        probabilities = self._model_probabilities(context_ids)
        if self.mixing:
            weight = self.mixture.weight_for(self.ngram.context_count(context_ids))
            if weight:
                probabilities = (1 - weight) * probabilities + weight * self.ngram.distribution(context_ids)
        return probabilities

    def suggest(self, left_text: str, k: int = 3) -> list[Suggestion]:
        """Up to k words, best first, for the text of the current line left of the cursor."""
        context, _ = split_partial(left_text)
        if self._last is None or self._last[0] != context:
            self._last = (context, self.next_probabilities(self.chooser.context_ids(context)))
        return self.chooser.choose(self._last[1], left_text, k)
