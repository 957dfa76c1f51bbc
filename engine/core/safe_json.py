"""Reading a JSON file Nextword did not necessarily write: the one reader for the data folder and bundles.

Every JSON file Nextword reads from the person's data folder or from a model bundle (autosaves, the model
store's pointer and records, manifests, the personal cache, vocabularies, rare-word lists) may have been
damaged, replaced or made by someone hostile. Python's json module trusts its input in three ways that cost
more than a message:

- nesting: the C parser recurses once per `[` or `{`; 100,000 of them overflow the C stack and abort the
  process (no exception to catch), or raise RecursionError where the stack holds. So the depth is counted by
  a plain scan of the bytes *before* json sees them.
- size: a file is read whole, and its parsed form takes several times its size; each caller says how large
  its file can really be (`max_bytes`), and a larger one is refused before it is read. A caller whose file
  is a long list may also say how many values it can hold (`max_values`): a file of a million one-letter
  strings takes ten times its size once parsed, so they are counted (by the commas) before parsing.
- numbers: `NaN`, `Infinity` and `1e999` parse to floats that are not numbers, and silently spoil whatever
  sums them (the personal cache's chips); they are refused.

Whatever is wrong raises JSONFileError (a ValueError, so callers that caught json's own errors still do)
whose message names the file and what is wrong in plain words. A file that cannot be opened (missing, a
folder, permission denied) raises the OSError open gives: callers say those in their own words
(engine/core/damaged.py read_problem). Torch-free and Qt-free.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np

DEFAULT_MAX_BYTES = 16 * 2**20  # far above any manifest, pointer or record Nextword writes
DEFAULT_MAX_DEPTH = 64  # Nextword's own files nest at most 5 levels deep

# For bytes.translate: every byte deleted but those that give a JSON text its shape.
_NOT_STRUCTURE = bytes(byte for byte in range(256) if byte not in b'"[]{},')
# Each byte's step in nesting depth: +1 for `[` `{`, -1 for `]` `}`, 0 for the rest.
_STEPS = np.zeros(256, np.int8)
_STEPS[list(b"[{")] = 1
_STEPS[list(b"]}")] = -1


class JSONFileError(ValueError):
    """A JSON file that cannot be used; `problem` says what is wrong, the message adds which file."""

    def __init__(self, path: str | Path, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path, self.problem = Path(path), problem


class _NotANumber(ValueError):
    pass


def read_json(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES, max_depth: int = DEFAULT_MAX_DEPTH,
              max_values: int | None = None):
    """The JSON value in the file at `path`, checked (see the module's docstring); JSONFileError for content
    that cannot be used, OSError for a file that cannot be opened or read."""
    return parse(read_capped(path, max_bytes), path, max_depth, max_values)


def read_capped(path: str | Path, max_bytes: int) -> bytes:
    """The file's bytes, refused (JSONFileError) when there are more than max_bytes of them: its size is looked
    at before reading, and at most max_bytes + 1 are read in case it grows (or lies, as a device file does)."""
    with open(path, "rb") as file:
        size = os.fstat(file.fileno()).st_size
        if size > max_bytes:
            raise JSONFileError(path, _too_big(size, max_bytes))
        data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise JSONFileError(path, _too_big(len(data), max_bytes, at_least=True))
    return data


def parse(data: bytes, source: str | Path, max_depth: int = DEFAULT_MAX_DEPTH, max_values: int | None = None):
    """The JSON value in `data` (UTF-8), checked; `source` names it in messages."""
    check_shape(data, source, max_depth, max_values)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise JSONFileError(source, f"is not UTF-8 text (byte 0x{data[error.start]:02x} at position "
                                    f"{error.start:,}): not a file Nextword wrote") from None
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except _NotANumber as error:
        raise JSONFileError(source, f"holds {error}, which is not a number: it is damaged or not Nextword's") from None
    except json.JSONDecodeError as error:
        raise JSONFileError(source, f"is not valid JSON ({error}): it is damaged or cut short") from None
    except (ValueError, RecursionError) as error:  # an integer of thousands of digits; a stack smaller than ours
        raise JSONFileError(source, f"cannot be read as JSON ({str(error)[:200]})") from None


def check_shape(data: bytes, source: str | Path, max_depth: int, max_values: int | None = None) -> None:
    """JSONFileError when lists and objects nest more than max_depth levels deep, or hold more than max_values
    values in all. Cheap first: with no more opening brackets than max_depth in all, or fewer commas than
    max_values, the file cannot be over the limit, and most files are far under both."""
    maybe_deep = data.count(b"[") + data.count(b"{") > max_depth
    maybe_many = max_values is not None and data.count(b",") >= max_values
    if not (maybe_deep or maybe_many):
        return
    shape = _outside_strings(data)
    depth = _depth(shape) if maybe_deep else 0
    if depth > max_depth:
        raise JSONFileError(source, f"nests lists or objects {depth:,} levels deep, more than the {max_depth} allowed: "
                                    "no file Nextword writes nests more than a few, so it is damaged or not Nextword's")
    values = int(np.count_nonzero(shape == ord(","))) + 1 if maybe_many else 0
    if max_values is not None and values > max_values:
        raise JSONFileError(source, f"holds {values:,} values in its lists and objects, more than Nextword ever "
                                    f"writes in it ({max_values:,} at most): it is damaged or not Nextword's")


def _outside_strings(data: bytes) -> np.ndarray:
    """The brackets and commas that are not inside a string, in order (as uint8 codes), by whole-array
    operations only: a Python loop over a 50 MB autosave takes seconds.

    In JSON a backslash starts a two-character escape, and only `\\"` hides a quote. With escaped backslashes,
    then escaped quotes, taken out (left to right, as a parser reads them), every quote left opens or closes a
    string, so a byte is inside one when an odd number of quotes come before it. Where the file is not valid
    JSON this may count wrongly, but json stops at the first fault, before any bracket this took for text."""
    if b"\\" in data:  # most files have no escapes: two copies of the file spared
        data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    kept = data.translate(None, _NOT_STRUCTURE)
    codes = np.frombuffer(kept, np.uint8)
    quotes = codes == ord('"')
    inside = np.cumsum(quotes, dtype=np.uint8) & 1  # wraps at 256, and so keeps the count's parity: all we need
    return codes[(inside == 0) & ~quotes]


def _depth(shape: np.ndarray) -> int:
    """How deep the brackets nest: the highest running sum of their steps."""
    steps = _STEPS[shape]
    steps = steps[steps != 0]
    return int(np.cumsum(steps, dtype=np.int64).max(initial=0))


def _refuse_constant(name: str):
    raise _NotANumber(name)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotANumber(f"{text[:40]} (too large a number)")
    return value


def _too_big(size: int, max_bytes: int, at_least: bool = False) -> str:
    return (f"is {'at least ' if at_least else ''}{_megabytes(size)}, larger than Nextword ever makes this file "
            f"({_megabytes(max_bytes)} at most): it is damaged or not Nextword's")


def _megabytes(size: int) -> str:
    return f"{size / 2**20:,.1f} MB" if size >= 2**20 else f"{size:,} bytes"
