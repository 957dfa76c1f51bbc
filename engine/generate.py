"""`nextword generate`: write longer text with the model, greedy or sampled (temperature, top-k, top-p).

As in the chat-autocomplete tutorial: a decoding strategy picks each next token from the model's
distribution until the message ends (`<eos>`) or enough words are written. Torch-free: it runs on
the same predictor (and state cache) as the suggestions, so one step per token.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from engine.tokenizer import is_word, split_partial, starts_sentence
from engine.vocab import EOS

STRATEGIES = ("greedy", "temperature", "top-k", "top-p")
ATTACHED = {".", ",", "!", "?", ";", ":", ")", "...", "'", "%"}  # written straight after the previous word


def sample_next(probabilities: np.ndarray, strategy: str, rng: np.random.Generator, temperature: float = 1.0,
                top_k: int = 40, top_p: float = 0.9, allowed: np.ndarray | None = None) -> int:
    """One token id. `allowed` (bool, V) masks out special tokens and blocked words; `<eos>` may be allowed."""
    if strategy not in STRATEGIES:
        raise ValueError(f"--strategy {strategy!r}: choose one of {', '.join(STRATEGIES)}")
    if temperature <= 0:
        raise ValueError("--temperature must be above 0")
    if strategy == "top-k" and top_k < 1:
        raise ValueError("--top-k must be at least 1")
    if strategy == "top-p" and not 0 < top_p <= 1:
        raise ValueError("--top-p must be above 0 and at most 1")
    weights = np.where(allowed, probabilities, 0.0) if allowed is not None else probabilities.astype(np.float64)
    if strategy == "greedy":
        return int(np.argmax(weights))
    weights = np.power(weights, 1.0 / temperature)  # T < 1 sharpens, T > 1 flattens
    order = np.argsort(-weights, kind="stable")
    if strategy == "top-k":
        order = order[:top_k]
    elif strategy == "top-p":
        mass = np.cumsum(weights[order]) / weights.sum()
        order = order[: int(np.searchsorted(mass, top_p)) + 1]  # the smallest head reaching top_p
    kept = weights[order] / weights[order].sum()
    return int(order[rng.choice(len(order), p=kept)])


def _allowed(predictor) -> np.ndarray:
    allowed = predictor.chooser.offerable_mask.copy()
    vocab = predictor.vocab
    for token_id, token in enumerate(vocab.tokens):
        if not allowed[token_id] and not token.startswith("<") and token.strip():
            allowed[token_id] = True  # punctuation and other non-word tokens are fine in running text
    allowed[vocab.index[EOS]] = True
    for word in predictor.chooser.blocked_words:
        if word in vocab.index:
            allowed[vocab.index[word]] = False
    return allowed


def _join(tokens: list[str], after: str) -> str:
    """Tokens as written text, continuing `after`: punctuation attached, sentences capitalised."""
    text = after
    for token in tokens:
        if starts_sentence(text) and is_word(token):
            token = token[:1].upper() + token[1:]
        glue = "" if (not text or text[-1].isspace() or token in ATTACHED or token.startswith("'")) else " "
        text += glue + token
    return text[len(after):]


def generate(predictor, prompt: str = "", max_words: int = 30, strategy: str = "top-p", temperature: float = 0.8,
             top_k: int = 40, top_p: float = 0.9, seed: int | None = 0, previous: str | None = None) -> str:
    """The continuation of `prompt` (not the prompt itself), ended by `<eos>` or after max_words words."""
    rng = np.random.default_rng(seed)
    context, partial = split_partial(prompt)
    if partial:  # a half-typed last word: continue after it, as a whole word
        context, partial = prompt + " ", ""
    ids = predictor.context_ids(context, previous)
    allowed, end = _allowed(predictor), predictor.vocab.index[EOS]
    tokens: list[str] = []
    words = 0
    while words < max_words:
        token_id = sample_next(predictor.next_probabilities(ids), strategy, rng, temperature, top_k, top_p, allowed)
        if token_id == end:
            break
        ids.append(token_id)
        token = predictor.vocab.tokens[token_id]
        tokens.append(predictor.vocab.display_form(token))
        words += is_word(token)
    return _join(tokens, prompt)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nextword generate", description=__doc__.splitlines()[0])
    parser.add_argument("prompt", nargs="?", default="", help="text to continue (default: start a new message)")
    parser.add_argument("--model", help="bundle folder or .pt checkpoint (default: the bundled model)")
    parser.add_argument("--provider", default="auto", choices=["auto", "cpu", "cuda"], help="where the model runs")
    parser.add_argument("--strategy", default="top-p", choices=STRATEGIES, help="decoding (default: top-p)")
    parser.add_argument("--temperature", type=float, default=0.8, help="below 1 safer, above 1 wilder (default 0.8)")
    parser.add_argument("--top-k", type=int, default=40, help="top-k: sample among the k likeliest (default 40)")
    parser.add_argument("--top-p", type=float, default=0.9, help="top-p: the smallest set with this mass (default 0.9)")
    parser.add_argument("--words", type=int, default=30, help="stop after this many words (default 30)")
    parser.add_argument("--seed", type=int, default=0, help="the same seed writes the same text (default 0)")
    parser.add_argument("--previous", help="the message this text answers")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from engine.bundle import ModelError
    from engine.predictor import Predictor

    try:
        predictor = Predictor.open(args.model, provider=args.provider)
        text = generate(predictor, args.prompt, args.words, args.strategy, args.temperature, args.top_k, args.top_p,
                        args.seed, args.previous)
    except (ModelError, ValueError) as error:
        print(f"nextword generate: {error}", file=sys.stderr)
        return 2
    print(args.prompt + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
