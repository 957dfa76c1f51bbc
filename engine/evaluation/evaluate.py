"""`nextword eval`: perplexity, top-1/top-3 accuracy and keystroke savings, model beside baseline.

Every figure follows shared/PROTOCOL.md. The baseline is an interpolated Kneser-Ney trigram trained
on the same text as the model, with the same vocabulary and the same prefix completion, so every
number printed has its reference beside it.
"""

from __future__ import annotations

import argparse
import json
import sys

from engine.core.bundle import ModelError
from engine.core.corpus import CorpusError
from engine.core.model_store import active_model_dir
from engine.evaluation.baseline import baseline_for, line_perplexities
from engine.evaluation.metrics import keystroke_savings, read_lines, top_k_accuracy
from engine.runtime.mixture import MixtureWeights
from engine.runtime.ngram import NgramPredictor

DEFAULT_TRAIN_DATA = ["chitchat:train"]


def open_predictor(model_path: str | None, ngram_weight: float | None = None, log=print):
    """The predictor to measure (on the CPU), and the baseline trigram on its own training text.

    A model with no n-gram model beside it is mixed with the baseline itself, at `ngram_weight`."""
    from engine.runtime.model_opening import open_model

    predictor = open_model(model_path, provider="cpu")
    if ngram_weight is not None:
        predictor.mixture = MixtureWeights.constant(ngram_weight)
    baseline = baseline_for(predictor.vocab, predictor.train_data or DEFAULT_TRAIN_DATA, log)
    if predictor.ngram is None:
        predictor.ngram = baseline
    return predictor, baseline


def evaluate(file: str, model_path: str | None = None, n_topk: int = 3000, n_ksr: int = 1000,
             ngram_weight: float | None = None, log=print) -> dict:
    predictor, ngram = open_predictor(model_path, ngram_weight, log)
    baseline = NgramPredictor(ngram, predictor.chooser)
    topk_lines, ksr_lines = read_lines(file, n_topk), read_lines(file, n_ksr)
    results = {}
    ppl_model, ppl_baseline = line_perplexities(predictor if predictor.word_level else None, ngram, topk_lines,
                                                predictor.chooser)
    for name, candidate, ppl in (("model", predictor, ppl_model), ("baseline", baseline, ppl_baseline)):
        log(f"measuring the {name} on {len(topk_lines)} + {len(ksr_lines)} lines")
        topk = top_k_accuracy(candidate, topk_lines)
        ksr = keystroke_savings(candidate, ksr_lines)
        results[name] = {"perplexity": ppl, "top1": topk["top1"], "top3": topk["top3"], "ksr": ksr["ksr"],
                         "accepted_per_100_words": ksr["accepted_per_100_words"],
                         "p50_ms": topk["p50_ms"], "p95_ms": topk["p95_ms"]}
        counts = {"topk": {k: topk[k] for k in ("lines", "words", "characters")},
                  "ksr": {k: ksr[k] for k in ("lines", "words", "characters")}}
    results["lines"] = {"file": str(file), "n_topk": n_topk, "n_ksr": n_ksr, **counts}
    results["model_path"] = str(model_path or active_model_dir())
    results["ngram_mixture"] = predictor.mixture.to_json() if predictor.mixing else None
    return results


def format_table(results: dict) -> str:
    rows = [("perplexity", "{:.2f}"), ("top1", "{:.3f}"), ("top3", "{:.3f}"), ("ksr", "{:.3f}"),
            ("accepted_per_100_words", "{:.1f}"), ("p50_ms", "{:.2f}"), ("p95_ms", "{:.2f}")]
    lines = [f"{'metric':<24}{'model':>12}{'KN trigram':>12}"]
    for name, fmt in rows:
        shown = [fmt.format(results[side][name]) if results[side][name] is not None else "—"
                 for side in ("model", "baseline")]
        lines.append(f"{name:<24}{shown[0]:>12}{shown[1]:>12}")
    counts = results["lines"]
    lines.append(f"top-k: {counts['topk']['lines']} lines, {counts['topk']['words']} words, "
                 f"{counts['topk']['characters']} characters; KSR: {counts['ksr']['lines']} lines, "
                 f"{counts['ksr']['words']} words, {counts['ksr']['characters']} characters")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nextword eval", description=__doc__.splitlines()[0])
    parser.add_argument("file", help="UTF-8 text, one message per line (e.g. chitchat.test.txt)")
    parser.add_argument("--model", help="bundle folder or .pt checkpoint to measure "
                                        "(default: the active model, see `nextword models`)")
    parser.add_argument("--n-topk", type=int, default=3000, help="lines for perplexity and top-k (0: all)")
    parser.add_argument("--n-ksr", type=int, default=1000, help="lines for keystroke savings (0: all)")
    parser.add_argument("--ngram-weight", type=float,
                        help="share of the n-gram model in the mixture (default: the model's)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--tune-ngram-weight", action="store_true",
                        help="instead: tune the n-gram model's mixture weights on this (validation) text")
    return parser


def _tune(args) -> int:
    from engine.evaluation.mixture_tuning import print_tuning
    from engine.runtime.model_opening import open_model

    predictor = open_model(args.model, provider="cpu")
    if not predictor.word_level:
        print(f"nextword eval: {args.model}: a character model mixes in no word trigram; there is no weight to tune",
              file=sys.stderr)
        return 2
    predictor.cache_size = 1 << 16  # every context of the text is asked for once per weight
    predictor.cache_bytes = 4 << 30
    ngram = predictor.ngram or baseline_for(predictor.vocab, predictor.train_data or DEFAULT_TRAIN_DATA,
                                            log=lambda message: print(message, file=sys.stderr))
    return print_tuning(predictor, ngram, args.file, args.n_topk, args.json)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.tune_ngram_weight:
            return _tune(args)
        results = evaluate(args.file, args.model, args.n_topk, args.n_ksr, args.ngram_weight,
                           log=lambda message: print(message, file=sys.stderr))
    except (CorpusError, ModelError) as error:
        print(f"nextword eval: {error}", file=sys.stderr)
        return 2
    print(json.dumps(results, indent=2) if args.json else format_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
