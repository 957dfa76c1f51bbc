"""Weight averaging (`--average-from STEP`): from that step on, validation and best.pt use the running
mean of the weights after every step, not the last step's weights.

This is the averaging half of the AWD-LSTM's optimiser (Merity et al., 2017, NT-ASGD; Polyak averaging):
late in training each step moves the weights around a minimum as much as towards it, and their mean sits
nearer its centre than any one of them. torch's own AveragedModel keeps the mean; this only says when it
counts, and keeps it in last.pt so that a resumed run goes on averaging where it stopped.
"""

from __future__ import annotations

from torch import nn
from torch.optim.swa_utils import AveragedModel


class WeightAverage:
    """The running mean of a model's weights from step `start` on (start 0: no averaging at all)."""

    def __init__(self, model: nn.Module, start: int):
        self.start = start
        self.averaged = AveragedModel(model) if start > 0 else None

    @property
    def active(self) -> bool:
        """Has the mean taken in any step yet (so that it, not the last weights, is what is measured)?"""
        return self.averaged is not None and int(self.averaged.n_averaged) > 0

    def update(self, model: nn.Module, step: int) -> None:
        """Take in the weights after `step` (counted from 1) when averaging has begun."""
        if self.averaged is not None and step >= self.start:
            self.averaged.update_parameters(model)

    def model_to_measure(self, model: nn.Module) -> nn.Module:
        """The averaged model once averaging has begun, else `model` itself."""
        return self.averaged.module if self.active else model

    def state_dict(self) -> dict:
        return self.averaged.state_dict() if self.averaged is not None else {}

    def load_state_dict(self, saved: dict) -> None:
        """The mean saved in last.pt; a checkpoint from before averaging began (or without it) leaves it empty."""
        if self.averaged is not None and saved:
            self.averaged.load_state_dict(saved)
