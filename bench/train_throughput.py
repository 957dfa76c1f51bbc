"""Targets learned per second by each training layout: the same model, data and machine, one run.

The layouts are the trainer's own (engine/training/batching.py): `stream` (every position of a window
a target, the state carried), `lines` (runs of messages from zero states, every position a target),
and the tutorials' `prefixes` (every prefix of every message, padded, only the token after it a
target) and `windows` (every --window tokens of the stream, only the next token a target). A batch
holds at most batch_size * seq_len tokens, padding included, as in training; the padded layouts' batches
are drawn in the trainer's shuffled order. Prints targets per second per layout and against `stream`.

    python bench/train_throughput.py [--steps 20] [--threads 1] [--layouts stream lines prefixes windows]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import torch
from torch import nn

from engine.core.corpus import load_corpus, tokenize_documents
from engine.core.vocab import EOS, PAD, Vocab
from engine.training.architectures import build_model
from engine.training.batching import IGNORE, batchify, padded_batches, windows
from engine.training.config import LAYOUTS, TrainConfig
from engine.training.model import ModelConfig


def layout_batches(config: TrainConfig, ids: np.ndarray, vocab: Vocab):
    """(inputs (B, T), targets (B, T)) of the layout, in the order the trainer reads them."""
    if config.layout == "stream":
        streams = batchify(ids, config.batch_size)  # (B, N)
        return ((inputs, targets) for _, inputs, targets in windows(streams, config.seq_len))
    batches = padded_batches(config, ids, vocab.index[EOS], vocab.index[PAD])
    order = np.random.default_rng(config.seed).permutation(len(batches))
    return (batches[int(index)] for index in order)


def timed_steps(model, batches, steps: int, carry_state: bool) -> tuple[float, int]:
    """Seconds and targets for `steps` optimizer steps, after one untimed warm-up step."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model.train()
    seconds, targets_done, state = 0.0, 0, None
    for index, (inputs, targets) in enumerate(batches):
        started = time.perf_counter()
        if state is not None:
            state = tuple(part.detach() for part in state)
        logits, state = model(inputs, state if carry_state else None)  # (B, T, V)
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1),
                                           ignore_index=IGNORE)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if index > 0:
            seconds += time.perf_counter() - started
            targets_done += int((targets != IGNORE).sum())
        if index >= steps:
            break
    return seconds, targets_done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="chitchat:train", help="training source (default: chitchat:train)")
    parser.add_argument("--max-messages", type=int, default=20000)
    parser.add_argument("--layouts", nargs="+", default=list(LAYOUTS), choices=LAYOUTS)
    parser.add_argument("--steps", type=int, default=20, help="timed steps per layout")
    parser.add_argument("--threads", type=int, default=1)
    defaults = TrainConfig()
    for name in ("batch_size", "seq_len", "window", "context_messages"):
        parser.add_argument("--" + name.replace("_", "-"), type=int, default=getattr(defaults, name))
    for name in ("embed_dim", "hidden_size", "num_layers"):
        parser.add_argument("--" + name.replace("_", "-"), type=int, default=getattr(defaults.model, name))
    parser.add_argument("--max-vocab", type=int, default=12000)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    documents = load_corpus(args.data)
    messages = [message for document in documents for message in document][: args.max_messages]
    tokens, _ = tokenize_documents([messages])
    vocab = Vocab.build(Counter(tokens), min_count=1, max_size=args.max_vocab)
    ids = np.asarray(vocab.encode(tokens), dtype=np.int64)
    model_config = ModelConfig(len(vocab), embed_dim=args.embed_dim, hidden_size=args.hidden_size,
                               num_layers=args.num_layers)
    print(f"data: {len(messages):,} messages, {len(ids):,} tokens; model: {model_config}; threads: {args.threads}")
    rates = {}
    for layout in args.layouts:
        config = TrainConfig(layout=layout, batch_size=args.batch_size, seq_len=args.seq_len, window=args.window,
                             context_messages=args.context_messages)
        torch.manual_seed(0)
        seconds, targets = timed_steps(build_model(model_config), layout_batches(config, ids, vocab), args.steps,
                                       carry_state=layout == "stream")
        rates[layout] = targets / seconds
        print(f"{layout:>9}: {targets:,} targets in {seconds:.2f} s = {rates[layout]:,.0f} targets/s")
    if "stream" in rates:
        ratios = ", ".join(f"{layout} {rate / rates['stream']:.3f}x" for layout, rate in rates.items())
        print(f"against stream: {ratios}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
