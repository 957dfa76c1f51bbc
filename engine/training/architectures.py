"""The model for a ModelConfig's `arch`: every architecture the engine trains, exports and runs."""

from __future__ import annotations

from torch import nn

from engine.training.model import LSTMLanguageModel, ModelConfig
from engine.training.nplm import NeuralProbabilisticLM
from engine.training.transformer import TransformerLM

# char-lstm is the word LSTM's network over a vocabulary of characters (engine/core/characters.py).
MODELS = {"lstm": LSTMLanguageModel, "char-lstm": LSTMLanguageModel, "nplm": NeuralProbabilisticLM,
          "transformer": TransformerLM}


def build_model(config: ModelConfig) -> nn.Module:
    """A freshly initialised model of the configured architecture."""
    return MODELS[config.arch](config)
