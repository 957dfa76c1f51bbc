"""Checkpoints: {"model": state_dict, "model_config": {...}, "vocab": {...}, ...}; never a pickled module.

Everything in a checkpoint is tensors and plain data, so `torch.load(weights_only=True)` reads it
and a checkpoint cannot run code when opened.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

from engine.bundle import ModelError
from engine.model import LSTMLanguageModel, ModelConfig
from engine.vocab import Vocab, VocabError

FORMAT = "nextword-checkpoint"
FORMAT_VERSION = 1


class CheckpointError(ModelError):
    """A checkpoint that cannot be used; the message names the file and what to do."""


def save_checkpoint(path: str | Path, model: LSTMLanguageModel, vocab: Vocab, **extra) -> None:
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
    partial = target.with_name(target.name + ".partial")
    torch.save(payload, partial)
    os.replace(partial, target)


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


def load_model(path: str | Path) -> tuple[LSTMLanguageModel, Vocab, dict]:
    """The model in eval mode, its vocabulary, and the raw checkpoint (for its records)."""
    payload = load_checkpoint(path)
    try:
        vocab = Vocab.from_json(payload["vocab"], str(path))
        config = ModelConfig(**payload["model_config"])
        model = LSTMLanguageModel(config)
        model.load_state_dict(_weights(payload))
    except (KeyError, TypeError, RuntimeError, VocabError) as error:
        raise CheckpointError(f"{path}: checkpoint does not fit this version of Nextword ({error})") from None
    model.eval()
    return model, vocab, payload


def _start_state_from_run(source: str | Path, payload: dict) -> list:
    """For checkpoints saved before start states existed: compute it from the run's validation ids."""
    import numpy as np

    from engine.model import message_start_state
    from engine.vocab import EOS

    valid_path = Path(source).with_name("valid_ids.npy")
    if not valid_path.exists():
        return []
    model, vocab, _ = load_model(source)
    return [t.clone() for t in message_start_state(model, np.load(valid_path)[:100000], vocab.index[EOS])]


def quantize_rows(weight: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Symmetric int8 per row: weight ~= q * scale[:, None]. A quarter of float32's size."""
    scale = weight.abs().amax(dim=1).clamp(min=1e-12) / 127  # (rows,)
    return torch.round(weight / scale[:, None]).to(torch.int8), scale.float()


def save_release(path: str | Path, source: str | Path, **records) -> None:
    """A small, model-only copy for shipping: int8 matrices, float vectors, no optimizer state."""
    payload = load_checkpoint(source)
    if not payload.get("start_state"):
        payload["start_state"] = _start_state_from_run(source, payload)
    matrices, scales, vectors = {}, {}, {}
    tied = payload["model_config"].get("tie_weights", False)
    for name, tensor in payload["model"].items():
        if tied and name == "head.weight":
            continue  # the same matrix as embed.weight; stored once
        if tensor.dim() == 2 and tensor.is_floating_point():
            matrices[name], scales[name] = quantize_rows(tensor.float())
        else:
            vectors[name] = tensor
    release = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "model": vectors,
        "model_int8": matrices,
        "model_int8_scales": scales,
        "model_config": payload["model_config"],
        "vocab": payload["vocab"],
        "train_config": payload.get("train_config", {}),
        "data_hash": payload.get("data_hash", {}),
        "start_state": payload.get("start_state", []),
        **records,
    }
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    torch.save(release, target)


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


def _rare_words(source: str | Path, min_count: int, payload: dict | None = None):
    """The words of the checkpoint's own training text that its vocabulary lacks."""
    from collections import Counter

    from engine.corpus import load_corpus, tokenize_documents
    from engine.lexicon import RareWords

    payload = payload if payload is not None else load_checkpoint(source)
    specs = payload.get("train_config", {}).get("train_data")
    if not specs:
        raise CheckpointError(f"{source}: does not say what it was trained on, so rare words cannot be collected")
    tokens, display_counts = tokenize_documents(doc for spec in specs for doc in load_corpus(spec))
    return RareWords.build(Counter(tokens), Vocab.from_json(payload["vocab"], str(source)), min_count, display_counts)


def main(argv: list[str] | None = None) -> int:
    """python -m engine.checkpoint SOURCE --out FILE: make a shippable copy of a trained checkpoint."""
    import argparse
    import sys

    import numpy as np

    from engine.corpus import CorpusError
    from engine.lexicon import RARE_WORDS_FILE
    from engine.ngram import KneserNeyTrigram, MixtureWeights

    parser = argparse.ArgumentParser(prog="python -m engine.checkpoint", description=main.__doc__)
    parser.add_argument("source", help="a training checkpoint, e.g. runs/mine/best.pt")
    parser.add_argument("--out", required=True, help="where to write the release, e.g. resources/model/nextword.pt")
    parser.add_argument("--ngram-weights", help="the trigram's share per context-count bin, comma-separated "
                        "(from `nextword eval VALID --tune-ngram-weight`); writes ngram.npz beside the release")
    parser.add_argument("--ngram-min-count", type=int, default=2, help="drop rarer trigrams from ngram.npz")
    parser.add_argument("--ngram-keep-contexts-seen", type=int, default=5, metavar="N",
                        help="but keep every trigram of a two-word context seen at least N times (0: no exception)")
    parser.add_argument("--rare-words-min-count", type=int, default=0, metavar="N",
                        help="write rare_words.json beside the release: training words outside the vocabulary "
                        "seen at least N times, offered as completions (0: none)")
    args = parser.parse_args(argv)
    try:
        records = {}
        source = load_checkpoint(args.source)
        if args.rare_words_min_count:
            rare = _rare_words(args.source, args.rare_words_min_count, source)
            Path(args.out).parent.mkdir(parents=True, exist_ok=True)
            rare.save(Path(args.out).with_name(RARE_WORDS_FILE))
            print(f"{len(rare):,} rare words")
        if args.ngram_weights:
            weights = MixtureWeights(tuple(float(w) for w in args.ngram_weights.split(",")))
            train_ids = Path(args.source).with_name("train_ids.npy")
            if not train_ids.exists():
                raise CheckpointError(f"{train_ids}: the run's encoded training text is needed to build the trigram")
            vocab_size = len(source["vocab"]["tokens"])
            trigram = KneserNeyTrigram.fit(np.load(train_ids), vocab_size)
            trigram = trigram.pruned(args.ngram_min_count, args.ngram_keep_contexts_seen)
            Path(args.out).parent.mkdir(parents=True, exist_ok=True)
            trigram.save(Path(args.out).with_name("ngram.npz"))
            records["ngram_mixture"] = weights.to_json()
        save_release(args.out, args.source, **records)
    except (CheckpointError, CorpusError, ValueError) as error:
        print(f"release: {error}", file=sys.stderr)
        return 2
    print(f"wrote {args.out} ({Path(args.out).stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
