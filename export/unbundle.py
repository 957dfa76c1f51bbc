"""Turn a bundle's LSTM back into a training checkpoint, so `nextword train --init-from` can go on from it.

A run's float checkpoints live in its run folder, outside git; the shipped bundle is what stays. This
reads the bundle's graph back into torch (export/from_onnx.py, the path a personal fine-tune starts
from: an int8 graph's weights come back dequantized) and writes a checkpoint with its vocabulary.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.core.bundle import BundleError, ModelError, read_manifest
from engine.training.checkpoint import save_checkpoint
from export.from_onnx import model_from_bundle


def unbundle(bundle: str | Path, out: str | Path, graph: str | None = None) -> dict:
    """Write the checkpoint from the bundle's `graph` ("float" or "int8"; default: float when it has both).
    Returns what it holds: model sizes, vocabulary size, which graph file it came from."""
    manifest = read_manifest(bundle)
    if manifest.raw.get("architecture", "lstm") != "lstm":
        raise BundleError(f"{bundle}: a {manifest.raw['architecture']} model; only an LSTM bundle can be read back "
                          "into a checkpoint (train the others from their own run's best.pt)")
    if graph is not None and graph not in manifest.models:
        raise BundleError(f"{bundle}: this bundle has no {graph} graph (it has {', '.join(sorted(manifest.models))}); "
                          "leave --graph out to take its own")
    model_file = manifest.models[graph] if graph else manifest.models.get("float", manifest.model_file)
    model, vocab, _ = model_from_bundle(bundle, model_file)
    save_checkpoint(out, model, vocab, unbundled_from={"bundle": str(manifest.folder), "model_file": model_file,
                                                       "vocab_hash": manifest.raw.get("vocab_hash")})
    return {"model_file": model_file, "vocab_size": len(vocab), "model_config": model.config.to_dict()}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nextword unbundle", description=__doc__.splitlines()[0])
    parser.add_argument("bundle", help="a bundle folder from `nextword export` (e.g. resources/model)")
    parser.add_argument("--out", required=True, help="the checkpoint to write (.pt); an existing file is kept "
                                                     "unless --force")
    parser.add_argument("--graph", choices=["float", "int8"], help="which of the bundle's graphs (default: the "
                                                                   "float one when it has both, else its only one)")
    parser.add_argument("--force", action="store_true", help="replace the checkpoint already at --out")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    out = Path(args.out)
    if out.exists() and not args.force:
        print(f"nextword unbundle: {out} already exists; choose another --out or add --force", file=sys.stderr)
        return 2
    try:
        held = unbundle(args.bundle, out, args.graph)
    except ModelError as error:
        print(f"nextword unbundle: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"nextword unbundle: cannot write {out}: {error.strerror or error}", file=sys.stderr)
        return 2
    sizes = held["model_config"]
    print(f"wrote {out}: from {held['model_file']}, {sizes['num_layers']} x {sizes['hidden_size']} LSTM, "
          f"{held['vocab_size']:,} words; train further with `nextword train --init-from {out}`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
