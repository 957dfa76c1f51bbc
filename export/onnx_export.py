"""`nextword export CHECKPOINT --out DIR [--int8]`: a checkpoint becomes a checked ONNX bundle.

The whole bundle is built in a scratch folder beside DIR and swapped in (export/install.py) only when
every check has passed, so a failed export never leaves a half-written bundle where the editor would
load it, and a reader never sees old and new files mixed.
"""

from __future__ import annotations

import argparse
import datetime
import shutil
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

from engine.core.bundle import (
    FLOAT_MODEL_FILE,
    INPUT_NAMES,
    INT8_MODEL_FILE,
    MANIFEST_FILE,
    NGRAM_FILE,
    OUTPUT_NAMES,
    RARE_WORDS_FILE,
    START_STATE_FILE,
    VOCAB_FILE,
    WORDS_FILE,
    file_checksums,
    write_manifest,
)
from engine.core.console import say
from engine.core.corpus import CorpusError
from engine.core.tokenizer import TOKENIZER_VERSION
from engine.evaluation.metrics import read_lines
from engine.runtime.model_opening import open_bundle
from engine.runtime.onnx_backend import ort, session_options
from engine.training.checkpoint import CheckpointError, load_model, start_state_of, words_of
from export.checks import ExportCheckFailed, check_graph, check_int8, check_parity, measure, top3_agreement
from export.install import InstallRefused, check_target, install_bundle, scratch_folder
from export.quantize import quantize_int8

OPSET = 17


def export_graph(model, path: Path, opset: int = OPSET) -> None:
    """TorchScript export: it keeps batch and length dynamic (the dynamo exporter can freeze them)."""
    ids = torch.zeros((2, 3), dtype=torch.long)  # (B, T)
    state = model.init_state(2)  # (L, B, H) each
    batch_and_time, batch = {0: "batch", 1: "time"}, {1: "batch"}
    with warnings.catch_warnings():
        # The TorchScript exporter warns that it is deprecated and that tracing sees Python ifs; the
        # parity check below is what decides whether the graph is right.
        warnings.simplefilter("ignore")
        torch.onnx.export(model.eval(), (ids, state), str(path), input_names=list(INPUT_NAMES),
                          output_names=list(OUTPUT_NAMES), opset_version=opset, dynamo=False,
                          dynamic_axes={"input_ids": batch_and_time, "h0": batch, "c0": batch,
                                        "logits": batch_and_time, "hn": batch, "cn": batch})


def _session(path: Path) -> ort.InferenceSession:
    return ort.InferenceSession(str(path), session_options(), providers=["CPUExecutionProvider"])


def build_bundle(checkpoint: str | Path, out: str | Path, int8: bool = False, check_text: str | None = None,
                 check_topk: int = 1000, check_ksr: int = 300, keep_float: bool = True, force: bool = False,
                 log=print) -> dict:
    """Export, check, and install the bundle at `out`; returns its manifest.

    Raises ExportCheckFailed on a failed check and InstallRefused, before any work, for a target that
    holds something (a bundle needs force=True; anything else is never replaced)."""
    out = Path(out)
    check_target(out, force)
    started = time.perf_counter()
    model, vocab, payload = load_model(checkpoint)
    scratch = scratch_folder(out)
    try:
        manifest = _write_bundle(scratch, model, vocab, payload, Path(checkpoint), log)
        if check_text:
            manifest["metrics"] = _measure_on(scratch, "float", check_text, check_topk, check_ksr, log)
        if int8:
            _add_int8(scratch, manifest, vocab, check_text, check_topk, check_ksr, keep_float, log)
        manifest["exported_at"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        manifest["export_seconds"] = round(time.perf_counter() - started, 1)
        manifest["files"] = {path.name: path.stat().st_size for path in sorted(scratch.iterdir())
                             if path.name != MANIFEST_FILE}
        manifest["checksums"] = file_checksums(scratch)  # checked at every load (engine/core/bundle.py)
        write_manifest(scratch, manifest)
        install_bundle(scratch, out)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)  # gone already when installed
    return manifest


def _write_bundle(scratch: Path, model, vocab, payload: dict, source: Path, log) -> dict:
    """The float graph (checked against torch), the vocabulary, the companions and a first manifest."""
    export_graph(model, scratch / FLOAT_MODEL_FILE)
    check_graph(scratch / FLOAT_MODEL_FILE)
    parity = check_parity(model, _session(scratch / FLOAT_MODEL_FILE))
    log(f"float ONNX matches torch: logits within {parity['max_logit_error']:.1e}")
    vocab.save(scratch / VOCAB_FILE)
    words = words_of(payload, source)
    if words is not None:
        words.save(scratch / WORDS_FILE)  # a character model's words (engine/core/characters.py)
    for companion in (NGRAM_FILE, RARE_WORDS_FILE):
        if (source.parent / companion).exists():
            shutil.copy2(source.parent / companion, scratch / companion)
    start = start_state_of(payload)
    if start is not None and any(float(part.abs().max()) > 0 for part in start):
        np.save(scratch / START_STATE_FILE, torch.stack(start).numpy())  # (2, L, 1, H)
    manifest = {
        "inputs": list(INPUT_NAMES), "outputs": list(OUTPUT_NAMES),
        "architecture": model.config.arch,
        "state": {"num_layers": model.state_layers, "hidden_size": model.state_size,
                  "shape": "(num_layers, batch, hidden_size)"},
        "tokenizer_version": TOKENIZER_VERSION, "vocab_hash": vocab.content_hash, "vocab_size": len(vocab),
        **({"words_hash": words.content_hash} if words is not None else {}),
        "opset": OPSET, "models": {"float": FLOAT_MODEL_FILE}, "default_model": FLOAT_MODEL_FILE, "quantized": False,
        "start_state": START_STATE_FILE if (scratch / START_STATE_FILE).exists() else "",
        "ngram_mixture": payload.get("ngram_mixture"),
        "model_config": payload["model_config"], "train_data": payload.get("train_config", {}).get("train_data"),
        "source": {"checkpoint": source.name, "data_hash": payload.get("data_hash", {})},
        "checks": {"float_vs_torch": parity}, "metrics": {},
    }
    write_manifest(scratch, manifest)  # the predictor reads bundles through it, checks included
    return manifest


def _measure_on(folder: Path, which: str, check_text: str, check_topk: int, check_ksr: int, log) -> dict:
    predictor = open_bundle(folder, provider="cpu", model=which)
    metrics = measure(predictor, read_lines(check_text, check_topk), read_lines(check_text, check_ksr))
    log(f"{which}: top-3 {metrics['top3']:.4f}, keystroke savings {metrics['ksr']:.4f} on {check_text}")
    return {which: {**metrics, "file": Path(check_text).name, "n_topk": check_topk, "n_ksr": check_ksr}}


def _add_int8(scratch: Path, manifest: dict, vocab, check_text, check_topk, check_ksr, keep_float, log) -> None:
    quantize_int8(scratch / FLOAT_MODEL_FILE, scratch / INT8_MODEL_FILE)
    check_graph(scratch / INT8_MODEL_FILE)
    agreement = top3_agreement(_session(scratch / FLOAT_MODEL_FILE), _session(scratch / INT8_MODEL_FILE), len(vocab))
    manifest["models"]["int8"] = INT8_MODEL_FILE
    manifest["checks"]["int8_top3_agreement"] = agreement
    write_manifest(scratch, manifest)
    if check_text:
        manifest["metrics"].update(_measure_on(scratch, "int8", check_text, check_topk, check_ksr, log))
    check_int8(manifest["metrics"].get("float", {"top3": 0, "ksr": 0}),
               manifest["metrics"].get("int8", {"top3": 0, "ksr": 0}), agreement)
    log(f"int8 agrees with float on {agreement:.1%} of top-3 next words")
    manifest.update(default_model=INT8_MODEL_FILE, quantized=True)
    if not keep_float:
        (scratch / FLOAT_MODEL_FILE).unlink()
        del manifest["models"]["float"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nextword export", description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", help="a checkpoint or release from `nextword train` (.pt)")
    parser.add_argument("--out", required=True, help="the bundle folder to write (new or empty, or a bundle with "
                                                     "--force)")
    parser.add_argument("--int8", action="store_true",
                        help="add a dynamically quantized int8 model and make it the default (needs --check-text)")
    parser.add_argument("--check-text", help="held-out UTF-8 text, one message per line: int8 must stay within "
                                             "0.5 points of float on it in top-3 accuracy and keystroke savings")
    parser.add_argument("--check-topk", type=int, default=1000, help="lines of it for top-3 (default: 1000)")
    parser.add_argument("--check-ksr", type=int, default=300, help="lines of it for keystroke savings (default: 300)")
    parser.add_argument("--no-float", action="store_true",
                        help="with --int8: leave the float model out of the bundle (what ships)")
    parser.add_argument("--force", action="store_true",
                        help="replace the bundle already in --out (its other files, such as a model card, are kept)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.int8 and not args.check_text:
        print("nextword export: --int8 needs --check-text FILE, held-out text to measure int8 against float "
              "(e.g. data/chitchat.valid.txt from `make data`)", file=sys.stderr)
        return 2
    if args.no_float and not args.int8:
        print("nextword export: --no-float needs --int8 (a bundle needs one model)", file=sys.stderr)
        return 2
    try:
        manifest = build_bundle(args.checkpoint, args.out, args.int8, args.check_text, args.check_topk,
                                args.check_ksr, keep_float=not args.no_float, force=args.force,
                                log=lambda message: print(message, file=sys.stderr))
    except (CheckpointError, CorpusError, InstallRefused) as error:
        print(f"nextword export: {error}", file=sys.stderr)
        return 2
    except ExportCheckFailed as error:
        print(f"nextword export: check failed, no bundle written: {error}", file=sys.stderr)
        return 1
    sizes = ", ".join(f"{name} {size / 1e6:.1f} MB" for name, size in manifest["files"].items())
    say(f"wrote {Path(args.out) / MANIFEST_FILE}: {sizes}")  # a folder's name may be any bytes
    return 0


if __name__ == "__main__":
    sys.exit(main())
