"""Bengio et al. (2003), "A Neural Probabilistic Language Model": the last n words' embeddings,
concatenated, through a tanh layer to the next word's distribution, optionally with the paper's direct
connections from the concatenated embeddings to the output as well.

It has no recurrence, so its state is simply what it has read: the embeddings of the last n - 1 words,
laid out as a (1, B, (n - 1) * E) tensor. That lets it run behind the same `step(token_ids, state)` as
the LSTM, in training (a stream's window carried across batches), in ONNX and in the predictor. The
second half of the pair is zeros of the same shape, passed through unchanged, so the graph's inputs and
outputs are the LSTM's. A line starts from the start state its run saved, as the LSTM's does: the mean
window after a message ends for a stream-trained model, zeros for the other layouts.
"""

from __future__ import annotations

import torch
from torch import nn

from engine.training.model import ModelConfig, State


class NeuralProbabilisticLM(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        words, embed, hidden = config.context_words, config.embed_dim, config.hidden_size
        self.embed = nn.Embedding(config.vocab_size, embed)
        self.drop = nn.Dropout(config.dropout)
        self.hidden = nn.Linear(words * embed, hidden)
        needs_projection = config.tie_weights and hidden != embed
        self.proj = nn.Linear(hidden, embed) if needs_projection else None
        self.head = nn.Linear(embed if config.tie_weights else hidden, config.vocab_size)
        self.direct = nn.Linear(words * embed, config.vocab_size, bias=False) if config.direct else None
        if config.tie_weights:
            self.head.weight = self.embed.weight
        nn.init.uniform_(self.embed.weight, -0.05, 0.05)
        nn.init.zeros_(self.head.bias)
        if self.direct is not None:
            nn.init.zeros_(self.direct.weight)  # starts as the plain model; the words' direct say is learned

    mean_start_state = True

    @property
    def state_layers(self) -> int:
        return 1

    @property
    def state_size(self) -> int:
        return (self.config.context_words - 1) * self.config.embed_dim

    def init_state(self, batch_size: int, device: torch.device | str = "cpu") -> State:
        shape = (1, batch_size, self.state_size)
        return torch.zeros(shape, device=device), torch.zeros(shape, device=device)

    def forward(self, input_ids: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        batch = input_ids.size(0)
        words, embed = self.config.context_words, self.config.embed_dim
        if state is None:
            state = self.init_state(batch, input_ids.device)
        before = state[0][0].reshape(batch, words - 1, embed)  # (B, n-1, E): the words already read
        read = torch.cat([before, self.embed(input_ids)], dim=1)  # (B, n-1+T, E)
        length = read.size(1)
        # Position t sees words t .. t+n-1 of `read`, oldest first: n shifted slices side by side.
        windows = torch.cat([read[:, start:length - (words - 1 - start)] for start in range(words)], dim=-1)
        windows = self.drop(windows)  # (B, T, n*E)
        out = torch.tanh(self.hidden(windows))  # (B, T, H)
        out = self.drop(out)
        if self.proj is not None:
            out = self.proj(out)  # (B, T, E)
        logits = self.head(out)  # (B, T, V)
        if self.direct is not None:
            logits = logits + self.direct(windows)  # (B, T, V)
        kept = read[:, length - (words - 1):].reshape(1, batch, self.state_size)  # (1, B, (n-1)*E)
        return logits, (kept, state[1])
