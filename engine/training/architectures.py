"""The model for a ModelConfig's `arch`: every architecture the engine trains, exports and runs."""

from __future__ import annotations

from torch import nn

from engine.training.model import LSTMLanguageModel, ModelConfig
from engine.training.nplm import NeuralProbabilisticLM

MODELS = {"lstm": LSTMLanguageModel, "nplm": NeuralProbabilisticLM}


def build_model(config: ModelConfig) -> nn.Module:
    """A freshly initialised model of the configured architecture."""
    return MODELS[config.arch](config)
