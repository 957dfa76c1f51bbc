"""The torch backend of the predictor: a checkpoint's model stepped one token at a time (needs torch)."""

from __future__ import annotations

import torch

from engine.training.model import LSTMLanguageModel, State


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
    def token_log_probs(self, token_ids: list[int]):
        """log P(token_ids[t+1] | token_ids[:t+1]) for every t: the perplexity of one line."""
        inputs = torch.as_tensor([token_ids], dtype=torch.long)  # (1, T)
        logits, _ = self.model(inputs[:, :-1], self.start_state)  # (1, T-1, V)
        log_probs = torch.log_softmax(logits[0].float(), dim=-1)  # (T-1, V)
        return log_probs.gather(1, inputs[0, 1:, None])[:, 0].numpy()  # (T-1,)
