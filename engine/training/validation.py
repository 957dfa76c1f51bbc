"""What training measures on validation text: perplexity (over a stream, or per message from zeros)
and the message-start state a model that was trained on streams starts each line from."""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from engine.training.batching import IGNORE, batchify, line_batches, line_chunks, message_spans, windows
from engine.training.model import LSTMLanguageModel, State


@torch.no_grad()
def message_start_state(model: LSTMLanguageModel, ids, end_id: int, max_messages: int = 2000) -> State:
    """The mean LSTM state right after a message ends: where a fresh line should start from.

    Training carries the state across messages, so the model has almost never seen an all-zero state
    before `<s1> <bos>`; a line predicted from zeros scores far worse (measured: per-line perplexity
    562 from zeros, 190 from this state, on an early checkpoint).
    """
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    tokens = torch.as_tensor(ids, dtype=torch.long, device=device)[None]  # (1, N)
    ends = (tokens[0] == end_id).nonzero().flatten().tolist()[:max_messages]
    state, previous, hidden, cell = None, 0, [], []
    for end in ends:
        _, state = model(tokens[:, previous : end + 1], state)  # state: ((L, 1, H), (L, 1, H))
        previous = end + 1
        hidden.append(state[0])
        cell.append(state[1])
    model.train(was_training)
    if not ends:
        return model.init_state(1)
    return torch.stack(hidden).mean(0), torch.stack(cell).mean(0)  # ((L, 1, H), (L, 1, H))


@torch.no_grad()
def evaluate_perplexity(model: LSTMLanguageModel, ids: np.ndarray, device: torch.device,
                        max_tokens: int = 0, seq_len: int = 128, num_streams: int = 8) -> float:
    """Perplexity over a token stream, state carried across windows as in training."""
    if max_tokens:
        ids = ids[: max_tokens + 1]
    streams = batchify(ids, min(num_streams, max(1, (len(ids) - 1) // 2))).to(device)  # (B, N)
    was_training = model.training
    model.eval()
    state, total_loss, count = None, 0.0, 0
    for _, inputs, targets in windows(streams, seq_len):
        logits, state = model(inputs, state)  # (B, T, V)
        loss, targets_counted = _summed_loss(logits, targets)
        total_loss, count = total_loss + loss, count + targets_counted
    model.train(was_training)
    return math.exp(total_loss / max(1, count))


@torch.no_grad()
def evaluate_lines_perplexity(model: LSTMLanguageModel, ids: np.ndarray, end_id: int, pad_id: int,
                              device: torch.device, max_tokens: int = 0) -> float:
    """Perplexity of each message on its own, from a zero state: what a freshly typed line gets."""
    total_loss, count = 0.0, 0
    for logits, targets in _each_line_batch(model, ids, end_id, pad_id, device, max_tokens):
        loss, targets_counted = _summed_loss(logits, targets)
        total_loss, count = total_loss + loss, count + targets_counted
    return math.exp(total_loss / max(1, count))


@torch.no_grad()
def line_target_log_probs(model: LSTMLanguageModel, ids: np.ndarray, end_id: int, pad_id: int,
                          device: torch.device, max_tokens: int = 0) -> torch.Tensor:
    """log P(next token) at every real position (N,), each message read as evaluate_lines_perplexity reads it
    (bench/ensemble_perplexity.py averages several models' probabilities from these)."""
    found = []
    for logits, targets in _each_line_batch(model, ids, end_id, pad_id, device, max_tokens):
        counted = targets != IGNORE  # (B, T)
        log_probs = torch.log_softmax(logits.float(), dim=-1)  # (B, T, V)
        found.append(log_probs[counted].gather(1, targets[counted][:, None])[:, 0].cpu())  # (n,)
    return torch.cat(found)


def _each_line_batch(model: LSTMLanguageModel, ids: np.ndarray, end_id: int, pad_id: int, device: torch.device,
                     max_tokens: int):
    """(logits (B, T, V), targets (B, T)) for the messages of ids, each from a zero state, in eval mode."""
    if max_tokens:
        ids = ids[: max_tokens + 1]
    chunks = line_chunks(message_spans(ids, end_id), 1, seed=0)
    was_training = model.training
    model.eval()
    try:
        for inputs, targets in line_batches(ids, chunks, 4096, pad_id):
            logits, _ = model(inputs.to(device))  # (B, T, V)
            yield logits, targets.to(device)
    finally:
        model.train(was_training)


def _summed_loss(logits: torch.Tensor, targets: torch.Tensor) -> tuple[float, int]:
    """Total cross-entropy over the real (not padded) targets, and how many there were."""
    loss = nn.functional.cross_entropy(logits.float().reshape(-1, logits.size(-1)), targets.reshape(-1),
                                       ignore_index=IGNORE, reduction="sum")  # logits (B, T, V), targets (B, T)
    return loss.item(), int((targets != IGNORE).sum())
