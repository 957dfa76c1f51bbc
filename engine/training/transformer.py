"""A small GPT-style causal decoder whose key/value cache is its state.

Pre-norm blocks (LayerNorm -> attention -> residual, LayerNorm -> MLP -> residual), rotary positions and
a tied output layer. Each position attends to itself and the `attention_span` positions before it, no
further: a sliding window. That is what lets it run behind the same `step(token_ids, state)` as the LSTM
with a state of fixed shape: the state holds, per layer, the keys and values of the last `attention_span`
positions read, so a keystroke costs one position, not a re-run of the window.

Rotary positions rather than learned ones, because they are relative: the cache stores keys unrotated,
and every forward rotates them by their place in the window, so the same slot means "n positions back"
however long the text has been. Learned absolute positions would need the absolute position in the state
and could not go past the longest one trained.

State layout, per layer (L, B, S) with S = attention_span * (embed_dim + 1):
    keys (h) / values (c): attention_span rows of embed_dim, oldest first, then one flag per row
    (1: a position was read there; 0: empty, never attended). The zero state is the empty cache.
Stream training carries the cache across windows, as the LSTM carries its state; lines start empty.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from engine.training.model import ModelConfig, State


def rotate(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotary positions: each pair of channels turned by its position's angle."""
    first, second = x.chunk(2, dim=-1)
    return x * cos + torch.cat([-second, first], dim=-1) * sin


class Block(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        width = config.embed_dim
        self.heads = config.heads
        self.norm_attention = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.out = nn.Linear(width, width)
        self.norm_mlp = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, config.hidden_size), nn.GELU(), nn.Linear(config.hidden_size, width))
        self.drop = nn.Dropout(config.dropout)

    def forward(self, x, cached_keys, cached_values, allowed, cos, sin):
        """x (B, T, D); cached keys/values (B, P, D); allowed (B, 1, T, P+T); cos/sin (P+T, D/heads).
        Returns x and the keys and values of all P+T positions (B, P+T, D)."""
        batch, length, width = x.shape
        query, key, value = self.qkv(self.norm_attention(x)).chunk(3, dim=-1)  # (B, T, D) each
        keys = torch.cat([cached_keys, key], dim=1)  # (B, P+T, D)
        values = torch.cat([cached_values, value], dim=1)  # (B, P+T, D)
        head = width // self.heads
        q = query.view(batch, length, self.heads, head).transpose(1, 2)  # (B, h, T, d)
        k = keys.view(batch, -1, self.heads, head).transpose(1, 2)  # (B, h, P+T, d)
        v = values.view(batch, -1, self.heads, head).transpose(1, 2)  # (B, h, P+T, d)
        span = k.size(2)
        q = rotate(q, cos[span - length:], sin[span - length:])
        k = rotate(k, cos, sin)
        scores = q @ k.transpose(-1, -2) / math.sqrt(head)  # (B, h, T, P+T)
        scores = scores.masked_fill(~allowed, -1e9)
        attended = self.drop(scores.softmax(dim=-1)) @ v  # (B, h, T, d)
        attended = attended.transpose(1, 2).reshape(batch, length, width)  # (B, T, D)
        x = x + self.drop(self.out(attended))
        x = x + self.drop(self.mlp(self.norm_mlp(x)))
        return x, keys, values


class TransformerLM(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        width = config.embed_dim
        self.embed = nn.Embedding(config.vocab_size, width)
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.num_layers))
        self.norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, config.vocab_size)
        if config.tie_weights:  # the embedding is most of a small model: stored once
            self.head.weight = self.embed.weight
        head = width // config.heads
        self.register_buffer("inverse_frequency", 1.0 / 10000 ** (torch.arange(0, head, 2).float() / head),
                             persistent=False)
        nn.init.normal_(self.embed.weight, std=0.02)
        nn.init.normal_(self.head.weight, std=0.02)
        nn.init.zeros_(self.head.bias)

    @property
    def state_layers(self) -> int:
        return self.config.num_layers

    @property
    def state_size(self) -> int:
        return self.config.attention_span * (self.config.embed_dim + 1)

    # Averaging caches over the places a message ends means nothing: a line starts from the empty cache.
    mean_start_state = False

    def init_state(self, batch_size: int, device: torch.device | str = "cpu") -> State:
        shape = (self.config.num_layers, batch_size, self.state_size)
        return torch.zeros(shape, device=device), torch.zeros(shape, device=device)

    def forward(self, input_ids: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        batch, length = input_ids.shape
        span, width = self.config.attention_span, self.config.embed_dim
        if state is None:
            state = self.init_state(batch, input_ids.device)
        keys_state, values_state = state  # (L, B, P*(D+1)) each
        read = keys_state[0, :, span * width:] > 0.5  # (B, P): the slots that hold a position
        filled = torch.cat([read, torch.ones_like(input_ids, dtype=torch.bool)], dim=1)  # (B, P+T)
        query_at = torch.arange(length, device=input_ids.device) + span  # (T,) where each new position sits
        key_at = torch.arange(span + length, device=input_ids.device)  # (P+T,)
        behind = query_at[:, None] - key_at[None, :]  # (T, P+T): how far back each key is
        allowed = (behind >= 0) & (behind <= span) & filled[:, None, None, :]  # (B, 1, T, P+T)
        angles = key_at[:, None].float() * self.inverse_frequency[None, :]  # (P+T, d/2)
        cos, sin = torch.cat([angles.cos()] * 2, dim=-1), torch.cat([angles.sin()] * 2, dim=-1)  # (P+T, d)
        x = self.drop(self.embed(input_ids))  # (B, T, D)
        new_keys, new_values = [], []
        flags = filled[:, -span:].to(keys_state.dtype)  # (B, P): what the new cache holds
        for layer, block in enumerate(self.blocks):
            cached_keys = keys_state[layer, :, : span * width].reshape(batch, span, width)  # (B, P, D)
            cached_values = values_state[layer, :, : span * width].reshape(batch, span, width)  # (B, P, D)
            x, keys, values = block(x, cached_keys, cached_values, allowed, cos, sin)
            new_keys.append(torch.cat([keys[:, -span:].reshape(batch, span * width), flags], dim=1))
            new_values.append(torch.cat([values[:, -span:].reshape(batch, span * width), flags], dim=1))
        logits = self.head(self.norm(x))  # (B, T, V)
        return logits, (torch.stack(new_keys), torch.stack(new_values))  # (L, B, P*(D+1)) each
