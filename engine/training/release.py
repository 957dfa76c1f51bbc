"""`nextword release SOURCE --out FILE`: a small, shippable copy of a trained checkpoint.

A release holds the model only (int8 matrices, float vectors, no optimizer state), with the n-gram model
(`ngram.npz`) and the rare words (`rare_words.json`) written beside it when asked for; `nextword
export` turns the folder into a bundle.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import torch

from engine.core.bundle import NGRAM_FILE, RARE_WORDS_FILE
from engine.core.corpus import CorpusError, load_corpus, tokenize_documents
from engine.core.vocab import EOS, Vocab
from engine.runtime.lexicon import RareWords
from engine.runtime.mixture import MixtureWeights
from engine.runtime.ngram import ORDERS, KneserNey
from engine.training.checkpoint import FORMAT, FORMAT_VERSION, CheckpointError, load_checkpoint, load_model
from engine.training.validation import message_start_state


def quantize_rows(weight: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Symmetric int8 per row: weight ~= q * scale[:, None]. A quarter of float32's size."""
    scale = weight.abs().amax(dim=1).clamp(min=1e-12) / 127  # (rows,)
    return torch.round(weight / scale[:, None]).to(torch.int8), scale.float()


def save_release(path: str | Path, source: str | Path, payload: dict | None = None, **records) -> None:
    """Write the release of the checkpoint at `source` (already read: `payload`) to `path`."""
    payload = payload if payload is not None else load_checkpoint(source)
    start_state = payload.get("start_state") or _start_state_from_run(source)
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
        **({"words": payload["words"]} if "words" in payload else {}),  # a character model's word vocabulary
        "train_config": payload.get("train_config", {}),
        "data_hash": payload.get("data_hash", {}),
        "start_state": start_state,
        **records,
    }
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    torch.save(release, target)


def _start_state_from_run(source: str | Path) -> list:
    """For checkpoints saved before start states existed: compute it from the run's validation ids."""
    valid_path = Path(source).with_name("valid_ids.npy")
    if not valid_path.exists():
        return []
    model, vocab, _ = load_model(source)
    return [t.clone() for t in message_start_state(model, np.load(valid_path)[:100000], vocab.index[EOS])]


def rare_words_of(source: str | Path, min_count: int, payload: dict) -> RareWords:
    """The words of the checkpoint's own training text that its vocabulary lacks."""
    specs = payload.get("train_config", {}).get("train_data")
    if not specs:
        raise CheckpointError(f"{source}: does not say what it was trained on, so rare words cannot be collected")
    tokens, display_counts = tokenize_documents(doc for spec in specs for doc in load_corpus(spec))
    words = Vocab.from_json(payload.get("words", payload["vocab"]), str(source))
    return RareWords.build(Counter(tokens), words, min_count, display_counts)


def ngram_of(source: str | Path, payload: dict, order: int, min_count: int, keep_contexts_seen: int) -> KneserNey:
    """The pruned Kneser-Ney n-gram model of the run's encoded training text."""
    train_ids = Path(source).with_name("train_ids.npy")
    if not train_ids.exists():
        raise CheckpointError(f"{train_ids}: the run's encoded training text is needed to build the n-grams")
    model = KneserNey.fit(np.load(train_ids), len(payload["vocab"]["tokens"]), order=order)
    return model.pruned(min_count, keep_contexts_seen)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nextword release", description=__doc__.splitlines()[0])
    parser.add_argument("source", help="a training checkpoint, e.g. runs/mine/best.pt")
    parser.add_argument("--out", required=True, help="where to write the release, e.g. releases/mine/nextword.pt")
    parser.add_argument("--ngram-weights", help="the n-gram model's share per context-count bin, comma-separated "
                        f"(from `nextword eval VALID --tune-ngram-weight`); writes {NGRAM_FILE} beside the release")
    parser.add_argument("--ngram-order", type=int, choices=ORDERS, default=3,
                        help="3: a trigram; 4: four-grams too (the shipped bundle's)")
    parser.add_argument("--ngram-min-count", type=int, default=2,
                        help=f"drop rarer n-grams (above pairs) from {NGRAM_FILE}")
    parser.add_argument("--ngram-keep-contexts-seen", type=int, default=5, metavar="N",
                        help="but keep every n-gram of a context seen at least N times (0: no exception)")
    parser.add_argument("--rare-words-min-count", type=int, default=0, metavar="N",
                        help=f"write {RARE_WORDS_FILE} beside the release: training words outside the vocabulary "
                        "seen at least N times, offered as completions (0: none)")
    return parser


def make_release(args: argparse.Namespace) -> Path:
    out = Path(args.out)
    payload = load_checkpoint(args.source)
    records = {}
    if args.rare_words_min_count:
        rare = rare_words_of(args.source, args.rare_words_min_count, payload)
        out.parent.mkdir(parents=True, exist_ok=True)
        rare.save(out.with_name(RARE_WORDS_FILE))
        print(f"{len(rare):,} rare words")
    if args.ngram_weights and "words" in payload:
        raise CheckpointError(f"{args.source}: a character model; its words come from spelling, not from a word "
                              "trigram: leave --ngram-weights out")
    if args.ngram_weights:
        weights = MixtureWeights(tuple(float(w) for w in args.ngram_weights.split(",")))
        ngram = ngram_of(args.source, payload, args.ngram_order, args.ngram_min_count, args.ngram_keep_contexts_seen)
        out.parent.mkdir(parents=True, exist_ok=True)
        ngram.save(out.with_name(NGRAM_FILE))
        records["ngram_mixture"] = weights.to_json()
    save_release(out, args.source, payload, **records)
    return out


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        out = make_release(args)
    except (CheckpointError, CorpusError, ValueError) as error:
        print(f"nextword release: {error}", file=sys.stderr)
        return 2
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
