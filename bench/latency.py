"""Milliseconds per keystroke: the ONNX predictor with its state cache vs the tutorials' torch-eager way.

Types each line of a text file into the predictor one keystroke at a time, as a person would: one
`suggest(line[:j], 3)` after every character, from the empty line to the full line. Then, in the
same run on the same weights and vocabulary, the tutorials' way: on every keystroke, torch eager
re-runs the model over the last `--window` tokens from the start state, with no cache. Prints
p50/p95/p99/mean for both, the ratio, and peak resident memory (ONNX first, before torch is loaded).

With `--cache-text FILE` the predictor is also timed with a personal cache that first learned FILE (a
person's earlier writing) and then learns each typed line once it is typed, as the editor does, key by
key in turn with one without a cache ("onnx_in_turn"): the cache's cost per keystroke is the difference.
With `--against BUNDLE` the model and BUNDLE are also typed key by key in turn ("model_in_turn",
"against_in_turn"): two models compared on one machine at one time.

    python bench/latency.py [--text data/chitchat.test.txt] [--lines 300] [--threads 1] [--cache-text FILE]
        [--against BUNDLE] [--json]

The bundle's torch source is in git history, not in the working tree; without `--checkpoint` it is
taken from there.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.typing_text import add_text_options, lines_to_type, milliseconds, time_in_turn, time_two_in_turn  # noqa: E402
from engine.core.tokenizer import split_partial  # noqa: E402
from engine.evaluation.metrics import percentile, read_lines  # noqa: E402
from engine.runtime.model_opening import open_bundle  # noqa: E402
from engine.runtime.predictor import Predictor  # noqa: E402

SOURCE = "resources/model/nextword.pt"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def summary(times: list[float]) -> dict:
    ms = [t * 1000 for t in times]
    return {"calls": len(ms), "p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95),
            "p99_ms": percentile(ms, 99), "mean_ms": sum(ms) / len(ms)}


def type_lines(suggest, lines: list[str], warmup: int = 30, line_done=None) -> list[float]:
    """Seconds of every suggest() call, one per keystroke; the first `warmup` calls are not kept.
    line_done(line), untimed, after each line (the personal cache learning it)."""
    times = []
    for line in lines:
        for end in range(len(line) + 1):
            started = time.perf_counter()
            suggest(line[:end])
            times.append(time.perf_counter() - started)
        if line_done is not None:
            line_done(line)
    return times[warmup:]


def with_personal_cache(args, lines: list[str]) -> tuple[dict, dict]:
    """The same typing with a personal cache that learned --cache-text first and learns every typed line,
    timed key by key in turn with a predictor without one. Returns (without, with)."""
    plain, learning = (open_bundle(args.model, threads=args.threads) for _ in range(2))
    taught = read_lines(args.cache_text)
    for line in taught:
        learning.observe(line)
    times = time_in_turn(plain, learning, lines)
    without, with_cache = milliseconds(times["without"]), milliseconds(times["with"])
    with_cache.update(taught_lines=len(taught), learned_words=len(learning.personal), peak_rss_mb=peak_rss_mb())
    return without, with_cache


def checkpoint_from_history(folder: Path) -> Path | None:
    """The torch release the bundle was exported from: the parent of the commit that removed it."""
    removed = subprocess.run(["git", "rev-list", "-n", "1", "HEAD", "--", SOURCE], cwd=ROOT,
                             capture_output=True, text=True).stdout.strip()
    if not removed:
        return None
    blob = subprocess.run(["git", "show", f"{removed}^:{SOURCE}"], cwd=ROOT, capture_output=True)
    if blob.returncode:
        return None
    path = folder / "nextword.pt"
    path.write_bytes(blob.stdout)
    return path


def torch_eager(predictor: Predictor, checkpoint: Path, window: int, threads: int):
    """suggest() the tutorials' way: the whole window through the model on every keystroke.
    No trigram mixing either: the tutorials had none, and it would only make this side slower."""
    import torch

    from engine.training.checkpoint import load_model

    torch.set_num_threads(threads)
    model, vocab, _ = load_model(checkpoint)
    if vocab.content_hash != predictor.vocab.content_hash:
        raise SystemExit(f"{checkpoint}: not the bundle's model (another vocabulary)")

    @torch.no_grad()
    def suggest(left_text: str):
        context, _ = split_partial(left_text)
        ids = predictor.context_ids(context)[-window:]
        logits, _ = model(torch.tensor([ids]))  # (1, T, V)
        probabilities = torch.softmax(logits[0, -1], dim=-1).numpy()  # (V,)
        return predictor.chooser.choose(probabilities, left_text, 3)

    return suggest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_text_options(parser, default_lines=300)
    parser.add_argument("--model", help="bundle folder (default: the bundled model)")
    parser.add_argument("--checkpoint", help="the same model as a torch checkpoint (default: from git history)")
    parser.add_argument("--window", type=int, default=20, help="tokens the torch-eager way re-runs (default 20)")
    parser.add_argument("--threads", type=int, default=1, help="threads for both (default 1)")
    parser.add_argument("--cache-text", help="also time the predictor with a personal cache that learned this text")
    parser.add_argument("--onnx-only", action="store_true", help="leave out the torch-eager comparison")
    parser.add_argument("--corrections-cost", action="store_true", help="also time the predictor with and without "
                        "its dictionary (corrections, the context read as meant) key by key in turn")
    parser.add_argument("--against", metavar="BUNDLE", help="also time --model and this bundle key by key in turn, "
                        "so that the machine's ups and downs fall on both alike (two models compared)")
    args = parser.parse_args(argv)
    lines = lines_to_type(args)
    if lines is None:
        return 2
    predictor = open_bundle(args.model, threads=args.threads)
    manifest = predictor.backend.manifest
    result = {"text": args.text, "lines": len(lines), "keystrokes": sum(len(line) + 1 for line in lines),
              "threads": args.threads, "provider": predictor.provider, "model": str(manifest.model_path),
              "architecture": manifest.architecture}
    result["onnx"] = summary(type_lines(lambda text: predictor.suggest(text, 3), lines))
    result["onnx"]["peak_rss_mb"] = peak_rss_mb()
    if args.cache_text:
        result["onnx_in_turn"], result["onnx_personal_cache"] = with_personal_cache(args, lines)
        result["cache_added_p50_ms"] = result["onnx_personal_cache"]["p50_ms"] - result["onnx_in_turn"]["p50_ms"]
        result["cache_added_p95_ms"] = result["onnx_personal_cache"]["p95_ms"] - result["onnx_in_turn"]["p95_ms"]
    if args.corrections_cost:
        correcting, plain = (open_bundle(args.model, threads=args.threads) for _ in range(2))
        plain.dictionary, plain.corrector = None, None  # no dictionary: the predictor as it was without one
        correcting.warm_up()
        mine, theirs = time_two_in_turn(correcting, plain, lines)
        result["with_corrections"], result["without_corrections"] = milliseconds(mine), milliseconds(theirs)
        for figure in ("p50_ms", "p95_ms"):
            result[f"corrections_added_{figure}"] = result["with_corrections"][figure] - \
                result["without_corrections"][figure]
    if args.against:
        # Both fresh: the predictor above has typed these lines and keeps their states in its cache.
        fresh, other = (open_bundle(bundle, threads=args.threads) for bundle in (args.model, args.against))
        result["against"] = str(other.backend.manifest.model_path)
        mine, theirs = time_two_in_turn(fresh, other, lines)
        result["model_in_turn"], result["against_in_turn"] = milliseconds(mine), milliseconds(theirs)
    with tempfile.TemporaryDirectory() as scratch:
        checkpoint = None
        if not args.onnx_only:
            checkpoint = Path(args.checkpoint) if args.checkpoint else checkpoint_from_history(Path(scratch))
            if checkpoint is None:
                print("no torch checkpoint (give --checkpoint): measured the ONNX predictor only", file=sys.stderr)
        if checkpoint is not None:
            eager = torch_eager(predictor, checkpoint, args.window, args.threads)
            result["torch_eager"] = summary(type_lines(eager, lines))
            result["torch_eager"]["peak_rss_mb"] = peak_rss_mb()
            result["speedup_p50"] = result["torch_eager"]["p50_ms"] / result["onnx"]["p50_ms"]
            result["speedup_p95"] = result["torch_eager"]["p95_ms"] / result["onnx"]["p95_ms"]
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{result['keystrokes']} keystrokes over {result['lines']} lines of {args.text}; {args.threads} thread(s); "
          f"{result['provider']}; {result['model']}")
    for name in ("onnx", "onnx_in_turn", "onnx_personal_cache", "model_in_turn", "against_in_turn",
                 "torch_eager"):
        if name in result:
            figures = result[name]
            print(f"{name:<20} p50 {figures['p50_ms']:.3f} ms  p95 {figures['p95_ms']:.3f} ms  p99 "
                  f"{figures['p99_ms']:.3f} ms  mean {figures['mean_ms']:.3f} ms"
                  + (f"  peak RSS {figures['peak_rss_mb']:.0f} MB" if "peak_rss_mb" in figures else ""))
    if "cache_added_p95_ms" in result:
        cache = result["onnx_personal_cache"]
        print(f"personal cache ({cache['learned_words']:,} words learned from {cache['taught_lines']:,} lines of "
              f"{args.cache_text}, then each typed line): +{result['cache_added_p50_ms']:.3f} ms at p50, "
              f"+{result['cache_added_p95_ms']:.3f} ms at p95 per keystroke")
    if "against" in result:
        print(f"against_in_turn: {result['against']}, typed key by key in turn with {result['model']}")
    if "speedup_p50" in result:
        print(f"predictor is {result['speedup_p50']:.1f}x faster at p50, {result['speedup_p95']:.1f}x at p95")
    return 0


if __name__ == "__main__":
    sys.exit(main())
