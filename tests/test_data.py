import torch

from engine.data import batchify, num_windows, shard_streams, windows


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
