"""Training-time regularisation of the AWD-LSTM kind (Merity et al., 2017, "Regularizing and Optimizing
LSTM Language Models"), for small data: each acts only while training and leaves the weights, the
state dict and the exported graph exactly as a plain LSTM's.

- embedding dropout: whole words dropped from the embedding matrix for a batch (every use of a word
  at once), so the model cannot lean on any one word being there;
- variational ("locked") dropout: one mask per sequence, the same at every position, on the LSTM's
  inputs and outputs, instead of a new mask per position;
- weight dropout (DropConnect) on the hidden-to-hidden matrices: the recurrence itself is regularised
  without touching the state, which per-position dropout on the state would disturb.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.func import functional_call


def embed_dropping_words(embedding: nn.Embedding, input_ids: torch.Tensor, rate: float) -> torch.Tensor:
    """The embeddings of input_ids (B, T, E), with a `rate` share of the vocabulary's rows zeroed for this
    batch and the rest scaled up to keep the expected value."""
    if rate <= 0:
        return embedding(input_ids)
    keep = embedding.weight.new_empty((embedding.weight.size(0), 1)).bernoulli_(1 - rate) / (1 - rate)  # (V, 1)
    return nn.functional.embedding(input_ids, embedding.weight * keep)  # (B, T, E)


def locked_dropout(x: torch.Tensor, rate: float) -> torch.Tensor:
    """Dropout on (B, T, F) with one mask per sequence, shared by all its positions."""
    if rate <= 0:
        return x
    mask = x.new_empty((x.size(0), 1, x.size(2))).bernoulli_(1 - rate) / (1 - rate)  # (B, 1, F)
    return x * mask


def run_dropping_recurrent_weights(lstm: nn.LSTM, x: torch.Tensor, state, rate: float):
    """lstm(x, state) with DropConnect on its hidden-to-hidden weights (one mask per batch)."""
    if rate <= 0:
        return lstm(x, state)
    weights = {name: nn.functional.dropout(param, rate, training=True) if name.startswith("weight_hh") else param
               for name, param in lstm.named_parameters()}
    return functional_call(lstm, weights, (x, state))
