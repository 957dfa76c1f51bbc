"""ModelConfig and LSTMLanguageModel: Embedding -> LSTM -> Linear, the next-word distribution."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

from engine.data import IGNORE, batchify, line_batches, line_chunks, message_spans, windows

State = tuple[torch.Tensor, torch.Tensor]  # (h, c), each (L, B, H)


@dataclass
class ModelConfig:
    vocab_size: int
    embed_dim: int = 256
    hidden_size: int = 512
    num_layers: int = 2
    dropout: float = 0.2
    # Share the embedding matrix with the output layer: fewer parameters, better perplexity.
    tie_weights: bool = True

    def to_dict(self) -> dict:
        return asdict(self)


class LSTMLanguageModel(nn.Module):
    """Embedding -> LSTM -> Linear: the next-word distribution at every position.

    With tied weights and hidden_size != embed_dim a Linear projects H -> E before the tied output
    layer (nn.LSTM's own proj_size does not export to a working ONNX model).
    """

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.embed = nn.Embedding(config.vocab_size, config.embed_dim)
        self.drop = nn.Dropout(config.dropout)
        self.lstm = nn.LSTM(
            config.embed_dim,
            config.hidden_size,
            num_layers=config.num_layers,
            dropout=config.dropout if config.num_layers > 1 else 0.0,
            batch_first=True,
        )
        needs_projection = config.tie_weights and config.hidden_size != config.embed_dim
        self.proj = nn.Linear(config.hidden_size, config.embed_dim) if needs_projection else None
        head_in = config.embed_dim if config.tie_weights else config.hidden_size
        self.head = nn.Linear(head_in, config.vocab_size)
        if config.tie_weights:
            self.head.weight = self.embed.weight
        self._init_weights()

    def _init_weights(self) -> None:
        nn.init.uniform_(self.embed.weight, -0.05, 0.05)
        nn.init.zeros_(self.head.bias)
        if not self.config.tie_weights:
            nn.init.uniform_(self.head.weight, -0.05, 0.05)
        for name, param in self.lstm.named_parameters():
            if "bias" in name:
                # Forget-gate bias 1: remember by default early in training.
                nn.init.zeros_(param)
                hidden = self.config.hidden_size
                param.data[hidden : 2 * hidden] = 1.0

    def init_state(self, batch_size: int, device: torch.device | str = "cpu") -> State:
        shape = (self.config.num_layers, batch_size, self.config.hidden_size)
        return torch.zeros(shape, device=device), torch.zeros(shape, device=device)

    def forward(self, input_ids: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        x = self.drop(self.embed(input_ids))  # (B, T, E)
        out, state = self.lstm(x, state)  # (B, T, H); state: ((L, B, H), (L, B, H))
        out = self.drop(out)
        if self.proj is not None:
            out = self.proj(out)  # (B, T, E)
        return self.head(out), state  # (B, T, V)


@torch.no_grad()
def message_start_state(model: LSTMLanguageModel, ids, end_id: int, max_messages: int = 2000) -> State:
    """The mean LSTM state right after a message ends: where a fresh line should start from.

    Training carries the state across messages, so the model has almost never seen an all-zero state
    before `<s1> <bos>`; a line predicted from zeros scores far worse (measured: per-line perplexity
    562 from zeros, 190 from this state, on an early checkpoint).
    """
    was_training = model.training
    model.eval()
    tokens = torch.as_tensor(ids, dtype=torch.long)[None]  # (1, N)
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
    if max_tokens:
        ids = ids[: max_tokens + 1]
    chunks = line_chunks(message_spans(ids, end_id), 1, seed=0)
    was_training = model.training
    model.eval()
    total_loss, count = 0.0, 0
    for inputs, targets in line_batches(ids, chunks, 4096, pad_id):
        logits, _ = model(inputs.to(device))  # (B, T, V)
        loss, targets_counted = _summed_loss(logits, targets.to(device))
        total_loss, count = total_loss + loss, count + targets_counted
    model.train(was_training)
    return math.exp(total_loss / max(1, count))


def _summed_loss(logits: torch.Tensor, targets: torch.Tensor) -> tuple[float, int]:
    """Total cross-entropy over the real (not padded) targets, and how many there were."""
    loss = nn.functional.cross_entropy(logits.float().reshape(-1, logits.size(-1)), targets.reshape(-1),
                                       ignore_index=IGNORE, reduction="sum")  # logits (B, T, V), targets (B, T)
    return loss.item(), int((targets != IGNORE).sum())


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


class TorchStepper:
    """The model as a predictor backend: feed token ids, get next-token probabilities and the state.

    Used by `nextword suggest` and `nextword eval` on checkpoints; the desktop will use an ONNX
    backend with the same two methods, so the predictor never needs to know which one it has.
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
