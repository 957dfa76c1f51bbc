"""Symmetric-delete keys as numbers, made in numpy: a word's hash, and the hashes of the strings it becomes with
one letter left out (and two, where asked), for engine/runtime/known_words.py's index.

The hash is a polynomial over the characters' code points, modulo 2**64 (numpy's uint64 arithmetic wraps):
h(s) = sum((ord(s[j]) + 1) * BASE**j). Leaving out the letter at i gives, from the prefix sums P,
P[i] + (h - P[i + 1]) / BASE, and BASE is odd, so dividing is multiplying by its inverse. Every key of ninety
thousand words is so made in a few array operations, where hashing each string in Python took half a second.
Two strings may share a hash: the index then offers a word too many, and the corrector prices it (and drops it).
"""

from __future__ import annotations

import numpy as np

BASE = 0x100000001B3  # odd (FNV's 64-bit prime): invertible modulo 2**64
INVERSE = pow(BASE, -1, 1 << 64)
MOST_LETTERS = 32  # longer words are not indexed: no word the corrector reads (30 letters at most) is two slips away
CHUNK = 8192  # words hashed at once: the arrays stay a few MB


def _powers(width: int, base: int) -> np.ndarray:
    return np.asarray([pow(base, position, 1 << 64) for position in range(width)], dtype=np.uint64)


def _prefix_sums(words: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(words, MOST_LETTERS + 1) prefix sums of each word's hash terms, and the words' lengths."""
    lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    codes = np.frombuffer("".join(words).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64) + np.uint64(1)
    terms = np.zeros((len(words), MOST_LETTERS), dtype=np.uint64)
    owners = np.repeat(np.arange(len(words)), lengths)
    columns = np.arange(len(codes)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    terms[owners, columns] = codes * _powers(MOST_LETTERS, BASE)[columns]
    sums = np.zeros((len(words), MOST_LETTERS + 1), dtype=np.uint64)
    np.cumsum(terms, axis=1, out=sums[:, 1:])
    return sums, lengths


def _keys(words: list[str], two_shorter: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each word's keys and the word each belongs to (its index in `words`)."""
    sums, lengths = _prefix_sums(words)
    total = sums[:, -1]
    inverse, inverse2 = np.uint64(INVERSE), np.uint64(INVERSE * INVERSE % (1 << 64))
    keys, owners = [total], [np.arange(len(words))]
    for left_out in range(MOST_LETTERS):  # one letter shorter
        rows = np.flatnonzero((lengths > left_out) & (lengths > 1))
        if len(rows) == 0:
            break
        keys.append(sums[rows, left_out] + (total[rows] - sums[rows, left_out + 1]) * inverse)
        owners.append(rows)
    for first in range(MOST_LETTERS):  # two letters shorter, where asked
        for second in range(first + 1, MOST_LETTERS):
            rows = np.flatnonzero(two_shorter & (lengths > second))
            if len(rows) == 0:
                break
            keys.append(sums[rows, first] + (sums[rows, second] - sums[rows, first + 1]) * inverse
                        + (total[rows] - sums[rows, second + 1]) * inverse2)
            owners.append(rows)
    return np.concatenate(keys), np.concatenate(owners)


def delete_index(words: list[str], two_shorter: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every word's keys, sorted, and beside each the number of the word it belongs to. two_shorter: the words
    (a bool per word) also stored two letters shorter. Words longer than MOST_LETTERS are left out."""
    hashes, numbers = [], []
    for start in range(0, len(words), CHUNK):
        chunk = words[start:start + CHUNK]
        indexed = np.flatnonzero(np.fromiter(map(len, chunk), dtype=np.int64, count=len(chunk)) <= MOST_LETTERS)
        keys, owners = _keys([chunk[i] for i in indexed], two_shorter[start:start + CHUNK][indexed])
        hashes.append(keys)
        numbers.append((start + indexed[owners]).astype(np.int32))
    hashes, numbers = np.concatenate(hashes), np.concatenate(numbers)
    order = np.argsort(hashes)
    return hashes[order], numbers[order]


def query_keys(typed: str) -> np.ndarray:
    """The typed word's keys: itself, and every string it becomes with one or two letters left out (the same
    sums as _keys, in Python integers: for one word, faster than numpy's calls)."""
    modulus, length = 1 << 64, len(typed)
    sums = [0]
    for position, character in enumerate(typed):
        sums.append((sums[-1] + (ord(character) + 1) * pow(BASE, position, modulus)) % modulus)
    total, inverse2 = sums[-1], INVERSE * INVERSE % modulus
    keys = {total}
    if length > 1:
        keys.update((sums[i] + (total - sums[i + 1]) * INVERSE) % modulus for i in range(length))
    if length > 2:
        keys.update((sums[i] + (sums[k] - sums[i + 1]) * INVERSE + (total - sums[k + 1]) * inverse2) % modulus
                    for i in range(length) for k in range(i + 1, length))
    return np.fromiter(keys, dtype=np.uint64, count=len(keys))
