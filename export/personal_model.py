"""The steps of `nextword finetune` that make and measure a candidate model (export/personalize.py runs them).

A candidate is a complete bundle in a scratch folder: the active model's weights with a grown
vocabulary, fine-tuned, with its n-gram model and rare words carried over to the new vocabulary (so the
bundle, the n-grams and the rare words agree), exported through the same checks as the shipped model.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.core.bundle import NGRAM_FILE, RARE_WORDS_FILE
from engine.core.corpus import Document, read_chitchat, read_text, tokenize_documents
from engine.core.model_store import StoredModel
from engine.core.tokenizer import is_word
from engine.core.user_text import split_held_out
from engine.core.vocab import Vocab
from engine.evaluation.baseline import line_perplexities
from engine.evaluation.metrics import keystroke_savings, top_k_accuracy
from engine.runtime.lexicon import LexiconError, RareWords
from engine.runtime.model_opening import open_bundle
from engine.runtime.ngram import KneserNey
from engine.training.checkpoint import save_checkpoint
from engine.training.finetune import FinetuneConfig, Finetuner, encode_documents, extend_model, extend_vocab
from export.checks import ExportCheckFailed
from export.from_onnx import model_from_bundle
from export.onnx_export import build_bundle

GENERAL_TOLERANCE = 0.01  # general keystroke savings a fine-tune may lose and still be installed
STOP_SHARE = 0.05 / 0.90  # of the earlier text: the slice training stops on (5% of the whole)
USER_RARE_SHARE = 0.5  # of the rare words' probability, for the person's own (their names, their jargon)


@dataclass
class Candidate:
    bundle: Path
    new_words: list[str] = field(default_factory=list)
    training: dict = field(default_factory=dict)
    int8: bool = True
    int8_problem: str = ""  # why the bundle is float, when it is


def lines_of(documents: list[Document]) -> list[str]:
    return [text for document in documents for _, text in document]


def general_documents(spec: str, split: str) -> list[Document]:
    """chitchat's `split`, or every line of a text file (for both replay and measuring)."""
    return read_chitchat(split) if spec == "chitchat" else read_text(spec)


def replay_ids(vocab: Vocab, spec: str, tokens_wanted: int, seed: int) -> np.ndarray:
    """General text to replay: whole conversations drawn at random until about tokens_wanted tokens."""
    documents = general_documents(spec, "train")
    order = np.random.default_rng(seed).permutation(len(documents))
    chosen, tokens = [], 0
    for index in order:
        chosen.append(documents[index])
        tokens += sum(len(text.split()) + 3 for _, text in documents[index])  # words, marks, tags: roughly
        if tokens >= tokens_wanted:
            break
    return encode_documents(vocab, chosen)


def build_candidate(active: StoredModel, earlier: list[Document], args, scratch: Path, progress) -> Candidate:
    config = FinetuneConfig(minutes=args.minutes, threads=args.threads)
    progress(0.02, f"reading the model in use ({active.id})")
    model, vocab, manifest = model_from_bundle(active.path)
    train_docs, stop_docs = split_held_out(earlier, STOP_SHARE)
    new_vocab, new_words = extend_vocab(vocab, train_docs, config.new_word_min_count, config.max_new_words)
    model = extend_model(model, vocab, new_vocab)
    user_ids = encode_documents(new_vocab, train_docs)
    stop_ids = encode_documents(new_vocab, stop_docs)
    general = replay_ids(new_vocab, args.general, int(len(user_ids) * config.replay_ratio * 4), config.seed)
    progress(0.05, f"{len(new_words)} new words; fine-tuning on {len(user_ids):,} tokens of your text")
    finetuner = Finetuner(model, new_vocab, config, lambda share, text: progress(0.05 + 0.7 * share, text))
    training = finetuner.run(user_ids, stop_ids, general)
    source = scratch / "checkpoint"
    source.mkdir()
    _carry_companions(active.path, source, vocab, new_vocab, train_docs)
    save_checkpoint(source / "model.pt", model, new_vocab, train_config={"train_data": manifest.raw.get(
        "train_data") or ["chitchat:train"]}, ngram_mixture=manifest.ngram_mixture, start_state=[])
    progress(0.78, "exporting and checking the new model")
    stop_text = scratch / "stop.txt"
    stop_text.write_text("".join(line + "\n" for line in lines_of(stop_docs)), encoding="utf-8")
    problem = _export(source / "model.pt", scratch / "bundle", stop_text)
    return Candidate(scratch / "bundle", new_words, training, not problem, problem)


def _export(checkpoint: Path, out: Path, check_text: Path) -> str:
    """int8 where it keeps quality on the person's own text, else float (larger, as good); returns why
    int8 was refused, or nothing."""
    try:
        build_bundle(checkpoint, out, int8=True, check_text=str(check_text), check_topk=300, check_ksr=100,
                     keep_float=False, log=lambda message: None)
        return ""
    except ExportCheckFailed as error:
        build_bundle(checkpoint, out, int8=False, force=True, log=lambda message: None)
        return str(error)


def _carry_companions(old_bundle: Path, target: Path, vocab: Vocab, new_vocab: Vocab, documents) -> None:
    """The n-gram model and rare words of the model in use, for the grown vocabulary; the person's own rarer
    words join the rare words (their names and jargon seen once or twice)."""
    if (old_bundle / NGRAM_FILE).exists():
        KneserNey.load(old_bundle / NGRAM_FILE).with_vocab_size(len(new_vocab)).save(target / NGRAM_FILE)
    old = None
    if (old_bundle / RARE_WORDS_FILE).exists():
        try:
            old = RareWords.load(old_bundle / RARE_WORDS_FILE)
        except LexiconError:
            old = None
    tokens, display_counts = tokenize_documents(documents)
    theirs = Counter(token for token in tokens if token not in new_vocab.index and is_word(token))
    counts = {word: int(n) for word, n in zip(old.words, old.counts, strict=True)
              if word not in new_vocab.index} if old is not None else {}
    old_total = sum(counts.values())
    scale = max(1.0, old_total * USER_RARE_SHARE / max(1, sum(theirs.values())))
    for word, n in theirs.items():
        counts[word] = counts.get(word, 0) + max(1, round(n * scale))
    if counts:
        display = {**(old.display if old is not None else {}), **new_vocab.display}
        display.update({w: s for s, n in display_counts.items() if (w := s.lower()) in theirs and s != w})
        words = sorted(counts)
        RareWords(words, [counts[w] for w in words], {w: display[w] for w in words if w in display}).save(
            target / RARE_WORDS_FILE)


def measure(path: Path, user_lines: list[str], general_lines: list[str]) -> dict:
    """Perplexity, top-3 and keystroke savings on the person's held-out text and on general text."""
    figures = {}
    for part, lines in (("user", user_lines), ("general", general_lines)):
        predictor = open_bundle(path, provider="cpu")
        perplexity, _ = line_perplexities(predictor, None, lines)
        topk = top_k_accuracy(predictor, lines)
        ksr = keystroke_savings(predictor, lines)
        figures[part] = {"perplexity": perplexity, "top1": topk["top1"], "top3": topk["top3"], "ksr": ksr["ksr"],
                         "lines": len(lines), "words": topk["words"]}
    return figures


def measure_both(before: Path, after: Path, held_out: list[Document], args) -> tuple[dict, dict]:
    user_lines = lines_of(held_out)
    general_lines = lines_of(general_documents(args.general, "valid"))[:args.general_lines]
    return measure(before, user_lines, general_lines), measure(after, user_lines, general_lines)

