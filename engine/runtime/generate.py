"""`nextword generate`: write longer text with the model, token by token (greedy, temperature, top-k or top-p).

Suggestions show a few likely next words; generating shows, as running text, what the model has learned, as in
the chat-autocomplete tutorial this project grew from. Each step picks one token from the predictor's next-token
distribution: greedy always takes the likeliest (reproducible but repetitive); the others sample, sharpened or
flattened by a temperature, and top-k and top-p first cut the long tail of unlikely tokens (to the k likeliest, or
to the smallest set holding probability p) so that one unlucky draw cannot derail the text. It runs on the same
torch-free predictor and state cache as the suggestions, so each token costs one model step.
"""

from __future__ import annotations

import argparse
import re
import sys

import numpy as np

from engine.core.characters import SPACE
from engine.core.tokenizer import is_word, starts_sentence, tokenize
from engine.core.typed import capitalise
from engine.core.vocab import BOS, EOS, PAD, SPEAKERS, SPECIAL_TOKENS, UNK

STRATEGIES = ("greedy", "temperature", "top-k", "top-p")
# Every vocabulary starts with the special tokens, so their ids are fixed. None of these is text; <eos> is allowed:
# it is how the model ends a message.
NEVER_IDS = np.array([SPECIAL_TOKENS.index(token) for token in (PAD, UNK, BOS, *SPEAKERS)])
# Written straight after the previous word, with no space: "you?", "well, ...", "100%".
ATTACHED = re.compile(r"[.!?…]+|[,;:%')\]]")


def check_settings(strategy: str, temperature: float, top_k: int, top_p: float) -> None:
    """Raise ValueError, naming the command-line option, for a decoding setting that cannot be used."""
    if strategy not in STRATEGIES:
        raise ValueError(f"--strategy {strategy!r}: choose one of {', '.join(STRATEGIES)}")
    if not (temperature > 0 and np.isfinite(temperature)):  # written so that NaN fails too
        raise ValueError(f"--temperature must be above 0 (and finite), got {temperature}")
    if strategy == "top-k" and not top_k >= 1:
        raise ValueError(f"--top-k must be at least 1, got {top_k}")
    if not 0 < top_p <= 1:
        raise ValueError(f"--top-p must be above 0 and at most 1, got {top_p}")


def sample_next(probabilities: np.ndarray, strategy: str, rng: np.random.Generator, temperature: float = 1.0,
                top_k: int = 0, top_p: float = 1.0, banned: np.ndarray | None = None) -> int:
    """One token id chosen from P(next token) by the strategy; never a special token but <eos>, never a `banned` id."""
    check_settings(strategy, temperature, top_k, top_p)
    weights = np.array(probabilities, dtype=np.float64)  # a copy: the predictor caches the array it gave
    weights[NEVER_IDS[NEVER_IDS < len(weights)]] = 0.0
    if banned is not None:
        weights[banned] = 0.0
    if not weights.max() > 0:
        raise ValueError("nothing left to write: every token the model may write has probability 0")
    if strategy == "greedy":
        return int(np.argmax(weights))
    # p ** (1/T), in log space: at a low temperature the powers of small probabilities would underflow to 0.
    with np.errstate(divide="ignore"):
        logits = np.log(weights) / temperature
    weights = np.exp(logits - logits.max())
    candidates = np.arange(len(weights))
    if strategy in ("top-k", "top-p"):
        candidates = np.argsort(-weights, kind="stable")  # stable: ties go to the lower id, as with argmax
    if strategy == "top-k":
        candidates = candidates[: int(top_k)]
    elif strategy == "top-p":
        mass = np.cumsum(weights[candidates]) / weights.sum()
        # The smallest head whose mass reaches top_p; the tolerance lets 0.7 + 0.2 (0.8999...) reach 0.9.
        candidates = candidates[: int(np.searchsorted(mass, top_p - 1e-9)) + 1]
    kept = weights[candidates]
    return int(candidates[rng.choice(len(candidates), p=kept / kept.sum())])


def banned_ids(predictor) -> np.ndarray:
    """Ids never written: special tokens but <eos> (placeholders like <url> have no written form), blocked words."""
    index = predictor.vocab.index
    specials = [index[token] for token in SPECIAL_TOKENS if token != EOS and token in index]
    return np.concatenate([np.asarray(specials, dtype=np.int64), predictor.chooser.blocked_ids])


def written(text: str, token: str) -> str:
    """How `token` is written after `text`: capitalised at a sentence start, after a space unless it is
    punctuation that closes on the previous word (or `text` ends with a space or an opening bracket)."""
    if is_word(token) and starts_sentence(text):
        token = capitalise(token)
    if not text or text[-1].isspace() or text[-1] in "([" or ATTACHED.fullmatch(token):
        return token
    return " " + token


def generate(predictor, prompt: str = "", max_words: int = 30, strategy: str = "top-p", temperature: float = 0.8,
             top_k: int = 40, top_p: float = 0.9, seed: int | None = 0, previous: str | None = None) -> str:
    """The continuation of `prompt` (not the prompt itself) as display text, ended by the model (<eos>) or after
    max_words words. The same seed writes the same text; seed None draws a fresh one. previous: the message the
    prompt answers, as conversation context."""
    check_settings(strategy, temperature, top_k, top_p)
    if not predictor.word_level:
        return _spell(predictor, prompt, max_words, strategy, temperature, top_k, top_p, seed, previous)
    vocab, rng, banned = predictor.vocab, np.random.default_rng(seed), banned_ids(predictor)
    ids = predictor.context_ids(prompt, previous)  # the prompt's last word counts as complete: we write after it
    text, words = prompt, 0
    # Punctuation is not a word, so the steps are capped too: a model stuck on "! ! !" still stops.
    for _ in range(4 * max_words):
        if words >= max_words:
            break
        token_id = sample_next(predictor.next_probabilities(ids), strategy, rng, temperature, top_k, top_p, banned)
        if token_id == vocab.index[EOS]:
            break
        ids.append(token_id)  # the next step extends this context: one model step, thanks to the state cache
        token = vocab.tokens[token_id]
        text += written(text, vocab.display_form(token))
        words += is_word(token)
    return text[len(prompt):]


def _spell(predictor, prompt: str, max_words: int, strategy: str, temperature: float, top_k: int, top_p: float,
           seed: int | None, previous: str | None) -> str:
    """generate() for a character model (engine/runtime/char_predictor.py): one character at a time, as in the
    character-level tutorial; a word is written once its space comes, in its usual form."""
    characters, words_vocab = predictor.characters, predictor.vocab
    rng = np.random.default_rng(seed)
    banned = np.asarray([characters.index[token] for token in SPECIAL_TOKENS if token != EOS], dtype=np.int64)
    ids = predictor.character_ids(tokenize(prompt), "", previous, None)
    text, word, words = prompt, "", 0
    for _ in range(25 * max_words):  # a model that never writes a space still stops
        if words >= max_words:
            break
        character_id = sample_next(predictor.network_probabilities(ids), strategy, rng, temperature, top_k, top_p,
                                   banned)
        ids = [*ids, character_id]
        character = characters.tokens[character_id]
        if character not in (SPACE, EOS):
            word += character
            continue
        if word and word.lower() not in predictor.chooser.blocked_words:
            text += written(text, words_vocab.display_form(word))
            words += is_word(word)
        word = ""
        if character == EOS:
            break
    return text[len(prompt):]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nextword generate", description=__doc__.splitlines()[0])
    parser.add_argument("prompt", nargs="?", default="", help="the text to continue (default: start a new message)")
    parser.add_argument("--model", help="bundle folder or .pt checkpoint (default: the bundled model)")
    parser.add_argument("--provider", default="auto", choices=["auto", "cpu", "cuda"],
                        help="where onnxruntime runs the model (default: auto, CUDA when there is one)")
    parser.add_argument("--strategy", default="top-p", choices=STRATEGIES,
                        help="greedy: always the likeliest token; the others sample (default: top-p)")
    parser.add_argument("--temperature", type=float, default=0.8,
                        help="sampling temperature: below 1 safer, above 1 wilder (default: 0.8)")
    parser.add_argument("--top-k", type=int, default=40, help="top-k: sample among the k likeliest (default: 40)")
    parser.add_argument("--top-p", type=float, default=0.9,
                        help="top-p: sample among the fewest likeliest tokens holding this probability (default: 0.9)")
    parser.add_argument("--words", type=int, default=30, help="stop after this many words at most (default: 30)")
    parser.add_argument("--seed", type=int, default=0, help="the same seed writes the same text (default: 0)")
    parser.add_argument("--previous", help="the message this text answers, for conversation context")
    return parser


def fail(error: Exception) -> int:
    print(f"nextword generate: {error}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:  # bad settings are reported before the model is loaded
        check_settings(args.strategy, args.temperature, args.top_k, args.top_p)
        if args.words < 1:
            raise ValueError(f"--words must be at least 1, got {args.words}")
        if args.seed < 0:
            raise ValueError(f"--seed must be 0 or more, got {args.seed}")
    except ValueError as error:
        return fail(error)
    from engine.core.bundle import ModelError
    from engine.runtime.model_opening import open_model

    try:
        predictor = open_model(args.model, provider=args.provider)
    except ModelError as error:
        return fail(error)
    print(args.prompt + generate(predictor, args.prompt, args.words, args.strategy, args.temperature, args.top_k,
                                 args.top_p, args.seed, args.previous))
    return 0


if __name__ == "__main__":
    sys.exit(main())
