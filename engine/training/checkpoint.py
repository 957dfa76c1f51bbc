"""Checkpoints: {"model": state_dict, "model_config": {...}, "vocab": {...}, ...}; never a pickled module.

Everything in a checkpoint is tensors and plain data, so `torch.load(weights_only=True)` reads it
and a checkpoint cannot run code when opened.
"""

from __future__ import annotations

import io
from pathlib import Path

import torch
from torch import nn

from engine.core.bundle import ModelError
from engine.core.safe_write import write_bytes
from engine.core.vocab import Vocab, VocabError
from engine.training.architectures import build_model
from engine.training.model import ModelConfig

FORMAT = "nextword-checkpoint"
FORMAT_VERSION = 1


class CheckpointError(ModelError):
    """A checkpoint that cannot be used; the message names the file and what to do."""


def save_checkpoint(path: str | Path, model: nn.Module, vocab: Vocab, **extra) -> None:
    """Write atomically: an interrupted save leaves the previous checkpoint intact."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "model": {name: tensor.detach().cpu() for name, tensor in model.state_dict().items()},
        "model_config": model.config.to_dict(),
        "vocab": vocab.to_json(),
        **extra,
    }
    # Serialised in memory, then written like any file: a full disk is an OSError that names the file and
    # leaves no partial file (torch.save to a path raises a bare RuntimeError from its C++ writer instead).
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    write_bytes(target, buffer.getvalue())


def load_checkpoint(path: str | Path) -> dict:
    source = Path(path)
    if not source.is_file():
        raise CheckpointError(f"{source}: checkpoint not found; train one with `nextword train` or check the path")
    try:
        payload = torch.load(source, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many types for a damaged file
        raise CheckpointError(f"{source}: not a readable checkpoint ({type(error).__name__}); "
                              "it may be cut short, retrain or copy it again") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{source}: not a Nextword checkpoint")
    if payload.get("version", 0) > FORMAT_VERSION:
        raise CheckpointError(f"{source}: made by a newer Nextword (format {payload['version']}); upgrade Nextword")
    return payload


def load_model(path: str | Path) -> tuple[nn.Module, Vocab, dict]:
    """The model in eval mode, its vocabulary, and the raw checkpoint (for its records)."""
    payload = load_checkpoint(path)
    try:
        vocab = Vocab.from_json(payload["vocab"], str(path))
        config = ModelConfig(**payload["model_config"])
        model = build_model(config)
        model.load_state_dict(_weights(payload))
    except (KeyError, TypeError, ValueError, RuntimeError, VocabError) as error:
        raise CheckpointError(f"{path}: checkpoint does not fit this version of Nextword ({error})") from None
    model.eval()
    return model, vocab, payload


def words_of(payload: dict, path: str | Path) -> Vocab | None:
    """A character model's word vocabulary (engine/core/characters.py); None for a word model."""
    if "words" not in payload:
        return None
    try:
        return Vocab.from_json(payload["words"], f"{path} (its words)")
    except VocabError as error:
        raise CheckpointError(f"{error}; retrain it or copy it again") from None


def start_state_of(payload: dict):
    """The saved message-start state as an LSTM (h, c) pair, or None for a zero start."""
    saved = payload.get("start_state") or []
    return (saved[0].float(), saved[1].float()) if len(saved) == 2 else None


def _weights(payload: dict) -> dict[str, torch.Tensor]:
    weights = {name: tensor.float() for name, tensor in payload["model"].items()}
    for name, quantized in payload.get("model_int8", {}).items():
        weights[name] = quantized.float() * payload["model_int8_scales"][name][:, None]
    if "head.weight" not in weights and payload["model_config"].get("tie_weights"):
        weights["head.weight"] = weights["embed.weight"]
    return weights
