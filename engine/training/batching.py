"""Contiguous token streams -> (B, T) windows for truncated backpropagation through time.

The whole corpus is one long token sequence. It is cut into B streams laid side by side, and each
training step reads the next T tokens of every stream:

    ids = a b c d e f g h i j k l m n o,  B = 3
        stream 0: a b c d e
        stream 1: f g h i j
        stream 2: k l m n o
    T = 2:  window 0 inputs [[a b], [f g], [k l]]  targets [[b c], [g h], [l m]]
            window 1 inputs [[c d], [h i], [m n]]  targets [[d e], [i j], [n o]]

Every position is a target exactly once per epoch, and the LSTM state at the end of window w is the
right starting state for window w + 1 (carried, detached). Nothing is padded and no prefix is
recomputed, unlike expanding each sentence into all its prefixes.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch


def batchify(ids: np.ndarray | list[int], num_streams: int) -> torch.Tensor:
    """One token sequence -> (B, N) side-by-side streams; the ragged tail is dropped."""
    ids = torch.as_tensor(np.asarray(ids, dtype=np.int64))
    length = ids.numel() // num_streams
    if length < 2:
        raise ValueError(f"{ids.numel()} tokens are too few for {num_streams} streams")
    return ids[: length * num_streams].view(num_streams, length)  # (B, N)


def shard_streams(streams: torch.Tensor, rank: int, world_size: int) -> torch.Tensor:
    """Each distributed worker trains on its own rows, so no two workers see the same tokens."""
    if streams.size(0) % world_size:
        raise ValueError(f"{streams.size(0)} streams do not divide among {world_size} workers")
    return streams[rank::world_size]  # (B / world, N)


def num_windows(streams: torch.Tensor, seq_len: int) -> int:
    return (streams.size(1) - 1 + seq_len - 1) // seq_len


def windows(
    streams: torch.Tensor, seq_len: int, start: int = 0
) -> Iterator[tuple[int, torch.Tensor, torch.Tensor]]:
    """(window index, inputs (B, T), targets (B, T)), from window `start` on (for resuming)."""
    last = streams.size(1) - 1
    for index in range(start, num_windows(streams, seq_len)):
        begin = index * seq_len
        end = min(begin + seq_len, last)
        yield index, streams[:, begin:end], streams[:, begin + 1 : end + 1]  # (B, T), (B, T)


# Line layout: every message (or a short run of consecutive messages) from a fresh zero state.
#
# The stream layout above teaches the model to read a message in the light of the conversation before
# it. A person typing a new line has no such context, and the protocol measures exactly that; so a
# model can be trained (or fine-tuned) on chunks of 1..max_messages messages that each start from
# zeros, padded to the longest chunk in the batch. Every position is still a target once per epoch.

IGNORE = -100  # the target at padded positions: cross_entropy skips it


def message_spans(ids: np.ndarray, end_id: int) -> np.ndarray:
    """(M, 2) [begin, end) of each message: everything up to and including its end token."""
    ends = np.flatnonzero(np.asarray(ids) == end_id) + 1
    if len(ends) == 0 or ends[-1] != len(ids):
        ends = np.append(ends, len(ids))
    return np.stack([np.concatenate([[0], ends[:-1]]), ends], axis=1)  # (M, 2)


def line_chunks(spans: np.ndarray, max_messages: int, seed: int, max_tokens: int = 256) -> list[tuple[int, int]]:
    """Consecutive messages grouped 1..max_messages at a time (seeded), each cut to max_tokens."""
    rng = np.random.default_rng(seed)
    chunks, index = [], 0
    while index < len(spans):
        last = min(index + int(rng.integers(1, max_messages + 1)), len(spans)) - 1
        begin, end = int(spans[index, 0]), int(spans[last, 1])
        if end - begin >= 2:  # one token has nothing to predict
            chunks.append((begin, min(end, begin + max_tokens)))
        index = last + 1
    return chunks


def length_groups(lengths, tokens_per_batch: int) -> list[tuple[int, int]]:
    """[first, last) runs of `lengths` (sorted, shortest first) that fit tokens_per_batch padded to their longest."""
    groups, first = [], 0
    while first < len(lengths):
        last = first + 1  # sorted, so the item just added is the group's longest
        while last < len(lengths) and (last - first + 1) * lengths[last] <= tokens_per_batch:
            last += 1
        groups.append((first, last))
        first = last
    return groups


def line_batches(ids: np.ndarray, chunks: list[tuple[int, int]], tokens_per_batch: int,
                 pad_id: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Chunks of similar length batched together, at most tokens_per_batch tokens (padding included)."""
    ordered = sorted((chunk for chunk in chunks if chunk[1] - chunk[0] >= 2), key=lambda chunk: chunk[1] - chunk[0])
    groups = [ordered[first:last] for first, last in
              length_groups([end - begin for begin, end in ordered], tokens_per_batch)]
    batches = []
    for group in groups:
        width = max(end - begin for begin, end in group) - 1
        inputs = torch.full((len(group), width), pad_id, dtype=torch.long)  # (B, T)
        targets = torch.full((len(group), width), IGNORE, dtype=torch.long)  # (B, T)
        for row, (begin, end) in enumerate(group):
            tokens = torch.as_tensor(np.asarray(ids[begin:end], dtype=np.int64))
            inputs[row, : len(tokens) - 1] = tokens[:-1]
            targets[row, : len(tokens) - 1] = tokens[1:]
        batches.append((inputs, targets))
    return batches


# The tutorials' layouts: many short examples, each read from a zero state with only its last token a target.
#
#   prefixes (the article-titles tutorial): every prefix of every message, with the token after it;
#   windows (the chat tutorial): every run of `window` tokens of the stream, with the token after it.
#
# There is one example per token, each re-reading up to a line (prefixes) or `window` tokens: far more
# reading per target than the stream layout (bench/train_throughput.py measures it for prefixes). They are
# padded before the tokens, as Keras's pad_sequences does by default, and built batch by batch when asked
# for: the chitchat training text (3.2 million tokens) makes about as many.


def prefix_chunks(spans: np.ndarray, max_tokens: int) -> np.ndarray:
    """(N, 2) [begin, end): each message's first 2..max_tokens+1 tokens, one example per end."""
    begins, ends = spans[:, 0].astype(np.int64), spans[:, 1].astype(np.int64)
    counts = np.clip(np.minimum(ends, begins + max_tokens + 1) - begins - 1, 0, None)  # prefixes per message
    starts = np.repeat(begins, counts)
    within = np.arange(len(starts)) - np.repeat(np.cumsum(counts) - counts, counts)  # 0, 1, ... per message
    return np.stack([starts, starts + 2 + within], axis=1)  # numpy: millions of them, no Python tuples


def window_chunks(num_tokens: int, window: int) -> np.ndarray:
    """(N, 2) [begin, end): every `window` tokens of the stream with the one after, a token apart."""
    begins = np.arange(max(0, num_tokens - window), dtype=np.int64)
    return np.stack([begins, begins + window + 1], axis=1)


class ExampleBatches:
    """Examples of similar length batched together, at most tokens_per_batch tokens (padding included);
    batch i is built when asked for."""

    def __init__(self, ids: np.ndarray, chunks: np.ndarray, tokens_per_batch: int, pad_id: int):
        self.ids, self.pad_id = np.asarray(ids, dtype=np.int64), pad_id
        lengths = chunks[:, 1] - chunks[:, 0]
        order = np.argsort(lengths, kind="stable")
        self.chunks = chunks[order]
        self.groups = length_groups(lengths[order].tolist(), tokens_per_batch)  # [first, last) rows of self.chunks

    def __len__(self) -> int:
        return len(self.groups)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        first, last = self.groups[index]
        rows = self.chunks[first:last]
        width = int((rows[:, 1] - rows[:, 0]).max()) - 1
        inputs = np.full((len(rows), width), self.pad_id, dtype=np.int64)  # (B, T)
        targets = np.full((len(rows), width), IGNORE, dtype=np.int64)  # (B, T)
        for row, (begin, end) in enumerate(rows.tolist()):
            inputs[row, width - (end - begin - 1):] = self.ids[begin:end - 1]  # padded before
            targets[row, -1] = self.ids[end - 1]  # only the token after the example is learned
        return torch.from_numpy(inputs), torch.from_numpy(targets)


def padded_batches(config, ids: np.ndarray, end_id: int, pad_id: int):
    """The batches of a layout that reads each example from a zero state (lines, prefixes, windows), in a
    fixed order, at most batch_size * seq_len tokens each (a TrainConfig says which and how)."""
    budget = config.batch_size * config.seq_len
    spans = message_spans(ids, end_id)
    if config.layout == "prefixes":
        return ExampleBatches(ids, prefix_chunks(spans, config.seq_len), budget, pad_id)
    if config.layout == "windows":
        return ExampleBatches(ids, window_chunks(len(ids), config.window), budget, pad_id)
    return line_batches(ids, line_chunks(spans, config.context_messages, config.seed), budget, pad_id)
