"""ModelConfig and LSTMLanguageModel: Embedding -> LSTM -> Linear, the next-word distribution.

Every architecture (engine/training/architectures.py) takes `forward(input_ids, state)` and gives
`(logits, state)`, with its state a pair of (state_layers, B, state_size) tensors, so training, export
and the predictor carry any of them the same way."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

from engine.core.bundle import ARCHITECTURES
from engine.training.regularisation import embed_dropping_words, locked_dropout, run_dropping_recurrent_weights

State = tuple[torch.Tensor, torch.Tensor]  # (h, c), each (L, B, H)


@dataclass
class ModelConfig:
    vocab_size: int = 0  # 0 until the vocabulary is known: the trainer sets it from the data
    arch: str = "lstm"  # one of ARCHITECTURES
    embed_dim: int = 256
    hidden_size: int = 512  # the LSTM's state; nplm: its tanh layer
    num_layers: int = 2  # LSTM layers
    dropout: float = 0.2
    # Share the embedding matrix with the output layer: fewer parameters, better perplexity.
    tie_weights: bool = True
    context_words: int = 5  # nplm: the last n words it reads
    direct: bool = False  # nplm: the paper's direct connections from the words to the output too
    # The LSTM's regularisation for small data (engine/training/regularisation.py); training only.
    embedding_dropout: float = 0.0  # share of words dropped from the embedding for a batch
    weight_dropout: float = 0.0  # DropConnect on the hidden-to-hidden weights
    variational_dropout: bool = False  # `dropout` with one mask per sequence on the LSTM's inputs and outputs
    heads: int = 4  # transformer: attention heads (embed_dim must divide into them, an even width each)
    attention_span: int = 64  # transformer: how many earlier positions each one attends to (its cache)

    def __post_init__(self) -> None:
        if self.arch not in ARCHITECTURES:
            raise ValueError(f"arch: {self.arch!r} is not one of {', '.join(ARCHITECTURES)}")
        if self.arch == "nplm" and self.context_words < 2:
            raise ValueError(f"context_words: {self.context_words} is too few; nplm reads at least 2 words")
        for name in ("dropout", "embedding_dropout", "weight_dropout"):
            if not 0 <= getattr(self, name) < 1:
                raise ValueError(f"{name}: {getattr(self, name)} is not a rate from 0 up to (not including) 1")
        if self.arch == "transformer" and self.heads < 1:
            raise ValueError(f"heads: {self.heads}; a transformer has at least 1 attention head")
        if self.arch == "transformer" and (self.embed_dim % self.heads or (self.embed_dim // self.heads) % 2):
            raise ValueError(f"heads: {self.embed_dim} (embed_dim) does not split into {self.heads} heads of an "
                             "even width; choose --heads that divides it")
        if self.arch == "transformer" and self.attention_span < 1:
            raise ValueError(f"attention_span: {self.attention_span}; a transformer attends to at least 1 position")

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

    # A line starts from the mean state after a message ends, for a stream-trained model (Trainer.start_state).
    mean_start_state = True

    @property
    def state_layers(self) -> int:
        return self.config.num_layers

    @property
    def state_size(self) -> int:
        return self.config.hidden_size

    def _dropout(self, x: torch.Tensor) -> torch.Tensor:
        """Dropout on (B, T, F): a mask per position, or one per sequence (variational_dropout)."""
        return locked_dropout(x, self.config.dropout) if self.config.variational_dropout else self.drop(x)

    def init_state(self, batch_size: int, device: torch.device | str = "cpu") -> State:
        shape = (self.config.num_layers, batch_size, self.config.hidden_size)
        return torch.zeros(shape, device=device), torch.zeros(shape, device=device)

    def forward(self, input_ids: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        config = self.config
        if not self.training:
            x = self.embed(input_ids)  # (B, T, E)
            out, state = self.lstm(x, state)  # (B, T, H); state: ((L, B, H), (L, B, H))
        else:
            x = self._dropout(embed_dropping_words(self.embed, input_ids, config.embedding_dropout))  # (B, T, E)
            out, state = run_dropping_recurrent_weights(self.lstm, x, state, config.weight_dropout)  # (B, T, H)
            out = self._dropout(out)
        if self.proj is not None:
            out = self.proj(out)  # (B, T, E)
        return self.head(out), state  # (B, T, V)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
