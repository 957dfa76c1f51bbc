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
