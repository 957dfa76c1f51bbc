"""The reference every figure is printed beside: an interpolated Kneser-Ney trigram trained on the
model's own training text with its vocabulary, and perplexity of the model and of that trigram."""

from __future__ import annotations

import hashlib
import json
import math

import numpy as np

from engine.core.corpus import load_corpus, tokenize_documents
from engine.core.paths import cache_dir
from engine.core.vocab import EOS
from engine.evaluation.metrics import perplexity
from engine.runtime.mixture import mix
from engine.runtime.ngram import KneserNey


def baseline_for(vocab, train_data: list[str], log=print) -> KneserNey:
    """The Kneser-Ney trigram on the model's own training text, cached by vocabulary and sources."""
    key = hashlib.sha256(json.dumps([vocab.content_hash, train_data]).encode()).hexdigest()[:16]
    cached = cache_dir() / f"ngram-{key}.npz"
    if cached.exists():
        return KneserNey.load(cached, limits=None)  # written below, unpruned: larger than a bundle's may be
    log(f"training the Kneser-Ney baseline on {', '.join(train_data)}")
    tokens, _ = tokenize_documents(doc for spec in train_data for doc in load_corpus(spec))
    model = KneserNey.fit(np.asarray(vocab.encode(tokens)), len(vocab))
    cached.parent.mkdir(parents=True, exist_ok=True)
    model.save(cached, limits=None)
    return model


def line_ids(chooser, line: str) -> list[int]:
    """A whole line as the predictor sees it (`<s1> <bos> tokens`), then `<eos>` to predict last."""
    return [*chooser.context_ids(line), chooser.vocab.index[EOS]]


def line_perplexities(predictor, baseline: KneserNey | None, lines: list[str],
                      chooser=None) -> tuple[float | None, float]:
    """(product perplexity, baseline perplexity) over every token after <bos>, <eos> included.

    The product's perplexity is that of what it predicts from: the network mixed with its trigram,
    by the same `mix` and weights as its suggestions. Without a baseline, its perplexity is nan;
    without a word-level predictor (None: a character model), the product's is None.
    """
    model_nll = baseline_nll = 0.0
    count = 0
    chooser = chooser or predictor.chooser
    for line in lines:
        ids = line_ids(chooser, line)
        network = np.exp(predictor.network_log_probs(ids))[1:] if predictor is not None else None  # targets ids[2:]
        for position, target in enumerate(ids[2:], start=2):
            context = ids[:position]
            if predictor is not None:
                weight = predictor.mixture_weight(context)
                trigram = predictor.ngram.distribution(context)[target] if weight else None
                model_nll -= math.log(mix(network[position - 2], trigram, weight))
            if baseline is not None:
                baseline_nll -= math.log(baseline.distribution(context)[target])
            count += 1
    model = perplexity(model_nll, count) if predictor is not None else None
    return model, perplexity(baseline_nll, count) if baseline is not None else float("nan")
