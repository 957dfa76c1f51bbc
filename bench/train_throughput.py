"""Predicted targets per second: contiguous-stream training vs the prefix-padding scheme.

The tutorials this project grew from expand every sentence into all its prefixes, left-pad them to the
longest, and train on the last position only: one target per row, and every prefix recomputed.
Stream training (engine.training.batching) makes every position of a window a target. Same model, same data, same
machine, one run; prints both rates and the ratio.

    python bench/train_throughput.py [--steps 8] [--threads 1] [--hidden-size 512] ...
"""

from __future__ import annotations

import argparse
import random
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
from engine.training.batching import batchify, windows
from engine.training.model import LSTMLanguageModel, ModelConfig


def messages_of(tokens: list[str]) -> list[list[str]]:
    """Cut the training layout `<sK> <bos> words <eos>` back into messages."""
    messages, current = [], []
    for token in tokens:
        current.append(token)
        if token == EOS:
            messages.append(current)
            current = []
    return messages


def prefix_batches(messages: list[list[int]], batch_size: int, pad_id: int, rng: random.Random):
    """The tutorials' scheme: every prefix of every message, shuffled, left-padded per batch."""
    pairs = [(ids[:i], ids[i]) for ids in messages for i in range(1, len(ids))]
    rng.shuffle(pairs)
    for start in range(0, len(pairs) - batch_size + 1, batch_size):
        chunk = pairs[start : start + batch_size]
        longest = max(len(prefix) for prefix, _ in chunk)
        inputs = torch.full((batch_size, longest), pad_id, dtype=torch.long)  # (B, Tmax)
        for row, (prefix, _) in enumerate(chunk):
            inputs[row, longest - len(prefix):] = torch.as_tensor(prefix)
        yield inputs, torch.as_tensor([target for _, target in chunk])  # (B, Tmax), (B,)


def timed_steps(model, optimizer, batches, steps: int, last_position_only: bool) -> tuple[float, int]:
    """Seconds and targets for `steps` optimizer steps, after one untimed warm-up step."""
    model.train()
    seconds, targets_done = 0.0, 0
    for index, (inputs, targets) in enumerate(batches):
        started = time.perf_counter()
        logits, _ = model(inputs)  # (B, T, V)
        if last_position_only:
            logits = logits[:, -1]  # (B, V): one prediction per padded prefix
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if index > 0:
            seconds += time.perf_counter() - started
            targets_done += targets.numel()
        if index >= steps:
            break
    return seconds, targets_done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="chitchat:train", help="training source (default: chitchat:train)")
    parser.add_argument("--max-messages", type=int, default=20000)
    parser.add_argument("--steps", type=int, default=8, help="timed steps per scheme")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seq-len", type=int, default=64)
    parser.add_argument("--embed-dim", type=int, default=256)
    parser.add_argument("--hidden-size", type=int, default=512)
    parser.add_argument("--num-layers", type=int, default=2)
    parser.add_argument("--max-vocab", type=int, default=12000)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    documents = load_corpus(args.data)
    messages = [message for document in documents for message in document][: args.max_messages]
    tokens, _ = tokenize_documents([messages])
    vocab = Vocab.build(Counter(tokens), min_count=1, max_size=args.max_vocab)
    ids = vocab.encode(tokens)
    config = ModelConfig(len(vocab), args.embed_dim, args.hidden_size, args.num_layers, dropout=0.2)
    print(f"data: {len(messages):,} messages, {len(ids):,} tokens; model: {config}; threads: {args.threads}")

    results = {}
    for scheme in ("stream", "prefix-padding"):
        model = LSTMLanguageModel(config)
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
        if scheme == "stream":
            streams = batchify(np.asarray(ids), args.batch_size)  # (B, N)
            batches = ((inputs, targets) for _, inputs, targets in windows(streams, args.seq_len))
        else:
            encoded = [vocab.encode(message) for message in messages_of(tokens)]
            batches = prefix_batches(encoded, args.batch_size, vocab.index[PAD], random.Random(0))
        seconds, targets = timed_steps(model, optimizer, batches, args.steps, scheme != "stream")
        results[scheme] = targets / seconds
        print(f"{scheme:>15}: {targets:,} targets in {seconds:.2f} s = {targets / seconds:,.0f} targets/s")
    print(f"ratio stream / prefix-padding: {results['stream'] / results['prefix-padding']:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
