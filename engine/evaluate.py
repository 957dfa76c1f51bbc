"""`nextword eval`: perplexity, top-1/top-3 accuracy and keystroke savings, model beside baseline.

Every figure follows shared/PROTOCOL.md. The baseline is an interpolated Kneser-Ney trigram trained
on the same text as the model, with the same vocabulary and the same prefix completion, so every
number printed has its reference beside it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys

import numpy as np

from engine.corpus import CorpusError, load_corpus, tokenize_documents
from engine.metrics import keystroke_savings, perplexity, read_lines, top_k_accuracy
from engine.ngram import KneserNeyTrigram, MixtureWeights, NgramPredictor
from engine.paths import cache_dir, default_model_path
from engine.vocab import EOS


def baseline_for(vocab, train_data: list[str], log=print) -> KneserNeyTrigram:
    """The Kneser-Ney trigram on the model's own training text, cached by vocabulary and sources."""
    key = hashlib.sha256(json.dumps([vocab.content_hash, train_data]).encode()).hexdigest()[:16]
    cached = cache_dir() / f"ngram-{key}.npz"
    if cached.exists():
        return KneserNeyTrigram.load(cached)
    log(f"training the Kneser-Ney baseline on {', '.join(train_data)}")
    tokens, _ = tokenize_documents(doc for spec in train_data for doc in load_corpus(spec))
    model = KneserNeyTrigram.fit(np.asarray(vocab.encode(tokens)), len(vocab))
    cached.parent.mkdir(parents=True, exist_ok=True)
    model.save(cached)
    return model


def line_ids(chooser, line: str) -> list[int]:
    """A whole line as the predictor sees it (`<s1> <bos> tokens`), then `<eos>` to predict last."""
    return [*chooser.context_ids(line), chooser.vocab.index[EOS]]


def _mixture_weight(predictor, ngram: KneserNeyTrigram, context: list[int]) -> float:
    if predictor.mixture is None:
        return 0.0
    return predictor.mixture.weight_for(ngram.context_count(context))


def line_perplexities(predictor, ngram: KneserNeyTrigram, lines: list[str]) -> tuple[float, float]:
    """(product perplexity, baseline perplexity) over every token after <bos>, <eos> included.

    The product's perplexity is that of what it predicts from: the network mixed with the trigram.
    """
    partner = predictor.ngram if predictor.ngram is not None else ngram
    model_nll = baseline_nll = 0.0
    count = 0
    for line in lines:
        ids = line_ids(predictor.chooser, line)
        network = np.exp(predictor.backend.token_log_probs(ids))[1:]  # targets ids[2:]
        for position, target in enumerate(ids[2:], start=2):
            context = ids[:position]
            weight = _mixture_weight(predictor, partner, context)
            mixed = (1 - weight) * network[position - 2]
            if weight:
                mixed += weight * partner.distribution(context)[target]
            model_nll -= math.log(mixed)
            baseline_nll -= math.log(ngram.distribution(context)[target])
            count += 1
    return perplexity(model_nll, count), perplexity(baseline_nll, count)


def tune_mixture(predictor, ngram: KneserNeyTrigram, lines: list[str],
                 weights=(0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)) -> dict:
    """Pick the trigram's weight for each context-count bin by top-3 accuracy at word starts.

    Hits add up over positions and every position falls in one bin, so each bin's weight is chosen
    on its own. Tune on validation text only; the test split is for reporting.
    """
    from engine.metrics import _WORD

    edges = MixtureWeights.constant(0.0).edges
    bins = MixtureWeights.constant(0.0)
    hits = np.zeros((len(edges), len(weights)))
    positions = np.zeros(len(edges))
    mask = predictor.chooser.offerable_mask
    for line in lines:
        for match in _WORD.finditer(line):
            context = predictor.chooser.context_ids(line[: match.start()])
            target_id = predictor.vocab.index.get(match.group().lower())
            where = bins.bin_of(ngram.context_count(context))
            positions[where] += 1
            if target_id is None:
                continue
            network_next = predictor._model_probabilities(context)
            trigram_next = ngram.distribution(context)
            for column, weight in enumerate(weights):
                mixed = np.where(mask, (1 - weight) * network_next + weight * trigram_next, -1.0)
                hits[where, column] += target_id in np.argpartition(-mixed, 3)[:3]
    best = tuple(float(weights[int(np.argmax(row))]) for row in hits)
    return {
        "weights": list(weights),
        "edges": list(edges),
        "positions_per_bin": positions.tolist(),
        "top3_by_weight": (hits.sum(0) / max(1, positions.sum())).tolist(),
        "best": MixtureWeights(best, edges).to_json(),
        "top3_best": float(sum(hits[b, weights.index(w)] for b, w in enumerate(best)) / max(1, positions.sum())),
    }


def evaluate(file: str, model_path: str | None = None, n_topk: int = 3000, n_ksr: int = 1000,
             ngram_weight: float | None = None, log=print) -> dict:
    from engine.predictor import Predictor

    model_path = model_path or str(default_model_path())
    predictor = Predictor.open(model_path, provider="cpu")
    if ngram_weight is not None:
        predictor.mixture = MixtureWeights.constant(ngram_weight)
    train_data = predictor.train_data or ["chitchat:train"]
    ngram = baseline_for(predictor.vocab, train_data, log)
    if predictor.ngram is None:
        predictor.ngram = ngram  # no shipped trigram beside the model: mix in the baseline itself
    baseline = NgramPredictor(ngram, predictor.chooser)
    topk_lines, ksr_lines = read_lines(file, n_topk), read_lines(file, n_ksr)
    results = {}
    ppl_model, ppl_baseline = line_perplexities(predictor, ngram, topk_lines)
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
    results["model_path"] = model_path
    results["ngram_mixture"] = predictor.mixture.to_json() if predictor.mixing else None
    return results


def format_table(results: dict) -> str:
    rows = [("perplexity", "{:.2f}"), ("top1", "{:.3f}"), ("top3", "{:.3f}"), ("ksr", "{:.3f}"),
            ("accepted_per_100_words", "{:.1f}"), ("p50_ms", "{:.2f}"), ("p95_ms", "{:.2f}")]
    lines = [f"{'metric':<24}{'model':>12}{'KN trigram':>12}"]
    for name, fmt in rows:
        lines.append(f"{name:<24}{fmt.format(results['model'][name]):>12}{fmt.format(results['baseline'][name]):>12}")
    counts = results["lines"]
    lines.append(f"top-k: {counts['topk']['lines']} lines, {counts['topk']['words']} words, "
                 f"{counts['topk']['characters']} characters; KSR: {counts['ksr']['lines']} lines, "
                 f"{counts['ksr']['words']} words, {counts['ksr']['characters']} characters")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nextword eval", description=__doc__.splitlines()[0])
    parser.add_argument("file", help="UTF-8 text, one message per line (e.g. chitchat.test.txt)")
    parser.add_argument("--model", help="bundle folder or .pt checkpoint to measure (default: the bundled model)")
    parser.add_argument("--n-topk", type=int, default=3000, help="lines for perplexity and top-k (0: all)")
    parser.add_argument("--n-ksr", type=int, default=1000, help="lines for keystroke savings (0: all)")
    parser.add_argument("--ngram-weight", type=float, help="share of the trigram in the mixture (default: the model's)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--tune-ngram-weight", action="store_true",
                        help="instead: tune the trigram's mixture weights on this (validation) text")
    return parser


def _print_tuning(args) -> int:
    from engine.predictor import Predictor

    predictor = Predictor.open(args.model or str(default_model_path()), provider="cpu")
    predictor.mixture = MixtureWeights.constant(0.0)
    predictor.cache_size = 1 << 16
    ngram = predictor.ngram or baseline_for(predictor.vocab, predictor.train_data or ["chitchat:train"],
                                            log=lambda message: print(message, file=sys.stderr))
    table = tune_mixture(predictor, ngram, read_lines(args.file, args.n_topk))
    if args.json:
        print(json.dumps(table, indent=2))
        return 0
    print("top-3 at word starts with one weight everywhere:")
    for weight, top3 in zip(table["weights"], table["top3_by_weight"], strict=True):
        print(f"  weight {weight:.1f}: {top3:.4f}")
    print(f"best weight per context-count bin (edges {table['edges']}, positions {table['positions_per_bin']}):")
    print(f"  {table['best']['weights']} -> top-3 {table['top3_best']:.4f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from engine.bundle import ModelError

    try:
        if args.tune_ngram_weight:
            return _print_tuning(args)
        results = evaluate(args.file, args.model, args.n_topk, args.n_ksr, args.ngram_weight,
                           log=lambda message: print(message, file=sys.stderr))
    except (CorpusError, ModelError) as error:
        print(f"nextword eval: {error}", file=sys.stderr)
        return 2
    print(json.dumps(results, indent=2) if args.json else format_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
