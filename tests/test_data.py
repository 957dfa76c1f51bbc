import numpy as np
import torch

from engine.training.batching import (
    IGNORE,
    ExampleBatches,
    batchify,
    line_batches,
    line_chunks,
    message_spans,
    num_windows,
    prefix_chunks,
    shard_streams,
    window_chunks,
    windows,
)


def test_streams_and_windows_match_the_drawing():
    # ids = a..o as 0..14, three streams, windows of two: see the module docstring.
    streams = batchify(list(range(15)), 3)
    assert streams.tolist() == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11, 12, 13, 14]]
    produced = list(windows(streams, 2))
    assert num_windows(streams, 2) == len(produced) == 2
    _, inputs, targets = produced[0]
    assert inputs.tolist() == [[0, 1], [5, 6], [10, 11]] and targets.tolist() == [[1, 2], [6, 7], [11, 12]]
    _, inputs, targets = produced[1]
    assert inputs.tolist() == [[2, 3], [7, 8], [12, 13]] and targets.tolist() == [[3, 4], [8, 9], [13, 14]]


def test_every_position_is_a_target_exactly_once():
    streams = batchify(list(range(103)), 4)  # the ragged tail (3 tokens) is dropped
    targets = torch.cat([t.reshape(-1) for _, _, t in windows(streams, 7)])
    expected = torch.cat([row[1:] for row in streams])
    assert sorted(targets.tolist()) == sorted(expected.tolist())


def test_last_window_is_shorter_not_padded():
    streams = batchify(list(range(20)), 2)  # rows of 10: 9 targets each
    sizes = [inputs.size(1) for _, inputs, _ in windows(streams, 4)]
    assert sizes == [4, 4, 1]


def test_resuming_starts_at_the_saved_window():
    streams = batchify(list(range(40)), 2)
    assert [index for index, _, _ in windows(streams, 3, start=4)] == [4, 5, 6]


def test_workers_get_disjoint_streams():
    streams = batchify(list(range(40)), 4)
    first, second = shard_streams(streams, 0, 2), shard_streams(streams, 1, 2)
    assert set(first.flatten().tolist()).isdisjoint(second.flatten().tolist())


def test_messages_end_at_their_end_token_and_group_in_runs():
    end = 9
    ids = np.array([1, 2, end, 3, end, 4, 5, 6, end, 7])  # three messages and an unfinished one
    spans = message_spans(ids, end)
    assert spans.tolist() == [[0, 3], [3, 5], [5, 9], [9, 10]]
    assert line_chunks(spans, 1, seed=0) == [(0, 3), (3, 5), (5, 9)]  # one token predicts nothing
    grouped = line_chunks(spans, 3, seed=0)
    # Runs of consecutive messages cover the text once, in order, without overlap.
    assert grouped[0][0] == 0 and all(a[1] == b[0] for a, b in zip(grouped, grouped[1:], strict=False))
    assert len(grouped) < 4


def test_line_batches_pad_inputs_and_skip_padded_targets():
    ids = np.array([1, 2, 3, 4, 5, 6, 7])
    batches = line_batches(ids, [(0, 4), (4, 6), (6, 7)], tokens_per_batch=8, pad_id=0)
    assert len(batches) == 1  # the one-token chunk (6, 7) predicts nothing and is left out
    inputs, targets = batches[0]
    # Sorted by length, the short message first; each row is one message from its own start.
    assert inputs.tolist() == [[5, 0, 0], [1, 2, 3]]
    assert targets.tolist() == [[6, IGNORE, IGNORE], [2, 3, 4]]


def test_line_batches_keep_to_the_token_budget():
    ids = np.arange(100)
    chunks = [(i, i + 10) for i in range(0, 100, 10)]
    batches = line_batches(ids, chunks, tokens_per_batch=30, pad_id=0)
    assert [len(inputs) for inputs, _ in batches] == [3, 3, 3, 1]
    every_target = sorted(t for _, targets in batches for t in targets.flatten().tolist() if t != IGNORE)
    assert every_target == sorted(i for begin, end in chunks for i in range(begin + 1, end))


def test_prefixes_are_every_prefix_of_every_message_padded_before_with_only_the_next_word_learned():
    ids = np.array([1, 2, 3, 9, 4, 5, 9])  # two messages, 9 ends each
    chunks = prefix_chunks(message_spans(ids, 9), max_tokens=8)
    assert chunks.tolist() == [[0, 2], [0, 3], [0, 4], [4, 6], [4, 7]]
    batches = ExampleBatches(ids, chunks, tokens_per_batch=100, pad_id=0)
    inputs, targets = batches[0]
    assert inputs.tolist() == [[0, 0, 1], [0, 0, 4], [0, 1, 2], [0, 4, 5], [1, 2, 3]]
    assert targets.tolist() == [[IGNORE, IGNORE, 2], [IGNORE, IGNORE, 5], [IGNORE, IGNORE, 3], [IGNORE, IGNORE, 9],
                                [IGNORE, IGNORE, 9]]


def test_windows_slide_a_token_at_a_time_and_keep_to_the_token_budget():
    ids = np.arange(10, 30)
    chunks = window_chunks(len(ids), window=3)
    batches = ExampleBatches(ids, chunks, tokens_per_batch=16, pad_id=0)
    assert [len(batches[i][0]) for i in range(len(batches))] == [4, 4, 4, 4, 1]  # 4 examples of 4 tokens
    learned = [int(t) for i in range(len(batches)) for t in batches[i][1][:, -1]]
    assert learned == list(range(13, 30))  # every token after the first window, once
    inputs, _ = batches[0]
    assert inputs[1].tolist() == [11, 12, 13]
