"""The torch backend of the predictor: a checkpoint's model stepped one token at a time (needs torch)."""

from __future__ import annotations

from pathlib import Path

import torch

from engine.runtime.mixture import MixtureWeights
from engine.runtime.model_opening import ModelParts
from engine.runtime.predictor import load_companions
from engine.training.checkpoint import CheckpointError, load_model, start_state_of, words_of
from engine.training.model import LSTMLanguageModel, State


def checkpoint_parts(path: str | Path) -> ModelParts:
    """A checkpoint's model stepped by torch, with the trigram and rare words saved beside it, if any; put
    together into a predictor by engine/runtime/model_opening.py (open_model)."""
    model, vocab, payload = load_model(path)
    words = words_of(payload, path)
    backend = TorchStepper(model, start_state_of(payload))
    train_data = payload.get("train_config", {}).get("train_data")
    if words is not None:  # a character model: words come from spelling, so no trigram is mixed in
        _, rare_words = load_companions(Path(path).parent, CheckpointError, len(words))
        return ModelParts(vocab, backend, words, rare_words=rare_words, train_data=train_data)
    ngram, rare_words = load_companions(Path(path).parent, CheckpointError, len(vocab))
    return ModelParts(vocab, backend, None, ngram, MixtureWeights.from_json(payload.get("ngram_mixture")), rare_words,
                      train_data)


class TorchStepper:
    """The model as a predictor backend: feed token ids, get next-token probabilities and the state.

    Used by `nextword suggest` and `nextword eval` on .pt checkpoints. Bundles run on the onnxruntime
    backend (engine.runtime.onnx_backend), which has the same methods, so the predictor never needs
    to know which one it has.
    """

    def __init__(self, model: LSTMLanguageModel, start_state: State | None = None):
        self.model = model.eval()
        self.start_state = start_state

    def initial_state(self):
        return self.start_state

    @torch.no_grad()
    def step(self, token_ids: list[int], state):
        inputs = torch.as_tensor([token_ids], dtype=torch.long)  # (1, T)
        logits, state = self.model(inputs, state)  # (1, T, V)
        return torch.softmax(logits[0, -1].float(), dim=-1).numpy(), state  # (V,)

    @torch.no_grad()
    def step_each(self, token_ids: list[int], states: list):
        """One id for each of several streams, in one run: probabilities (B, V) and each stream's state."""
        state = tuple(torch.cat([each[part] for each in states], dim=1) for part in range(2))  # (L, B, H) each
        logits, (hidden, cell) = self.model(torch.as_tensor(token_ids, dtype=torch.long)[:, None], state)  # (B, 1, V)
        probabilities = torch.softmax(logits[:, -1].float(), dim=-1).numpy()  # (B, V)
        return probabilities, [(hidden[:, row:row + 1], cell[:, row:row + 1]) for row in range(len(token_ids))]

    @torch.no_grad()
    def token_log_probs(self, token_ids: list[int]):
        """log P(token_ids[t+1] | token_ids[:t+1]) for every t: the perplexity of one line."""
        inputs = torch.as_tensor([token_ids], dtype=torch.long)  # (1, T)
        logits, _ = self.model(inputs[:, :-1], self.start_state)  # (1, T-1, V)
        log_probs = torch.log_softmax(logits[0].float(), dim=-1)  # (T-1, V)
        return log_probs.gather(1, inputs[0, 1:, None])[:, 0].numpy()  # (T-1,)
