"""Checking an .npz file (a zip of .npy arrays) before numpy reads any of it into memory.

np.load trusts the archive: a zip bomb (a member that inflates to gigabytes of zeros) or a header that
claims an array of a billion elements is found out only once that memory is taken (4 GB, in one probe).
Here everything is checked from the archive's directory and each member's first bytes (its .npy header,
numpy.lib.format), which cost a few kilobytes whatever the archive claims:

- the file's own size, and the number of members and size of the zip's directory (its end record), before
  zipfile reads the directory (one entry per 46 bytes: millions of them take gigabytes as Python objects);
- each member's uncompressed size, and how many times smaller it is compressed (an array of real counts
  shrinks a few times; a bomb, hundreds of times);
- each array's shape × item size from its header, one by one and all together; no object arrays.

Raises NpzLimitError (a ValueError) saying what is wrong; the caller adds the file and what to do.
"""

from __future__ import annotations

import math
import os
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

from numpy.lib import format as npy_format

_END_RECORD = struct.Struct("<4s4H2LH")  # the zip's end of central directory record
_END_SIGNATURE = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"  # just before the end record when the zip is in the 64-bit form
_LONGEST_COMMENT = 0xFFFF
_SMALL_MEMBER = 2**20  # below this a member's compression ratio says nothing worth refusing it for
_HEADER_ROOM = 2**16  # an .npy header is at most this long (numpy's own limit is 10,000 bytes for version 1)


class NpzLimitError(ValueError):
    """The archive is larger, or claims to be, than its limits allow; the message says what and how much."""


@dataclass(frozen=True)
class NpzLimits:
    array_bytes: int  # the largest array, as its header says (shape × item size)
    total_bytes: int  # all arrays together
    members: int = 64
    ratio: int = 200  # the most a member larger than _SMALL_MEMBER may inflate (deflate's own most is ~1,000)


def check_npz(path: str | Path, limits: NpzLimits) -> None:
    """NpzLimitError unless the archive at `path` fits `limits`; OSError where it cannot be read, and zipfile's
    BadZipFile or numpy's ValueError for an archive or a header that is damaged."""
    size = os.stat(path).st_size
    if size > limits.total_bytes + _HEADER_ROOM * limits.members:
        raise NpzLimitError(f"is {_mb(size)}, more than its arrays may take ({_mb(limits.total_bytes)} at most)")
    _check_directory(path, size, limits)
    total = 0
    with zipfile.ZipFile(path) as archive:
        for member in archive.infolist():
            total += _check_member(archive, member, limits)
            if total > limits.total_bytes:
                raise NpzLimitError(f"its arrays take more than {_mb(limits.total_bytes)} together")


def _check_directory(path: str | Path, size: int, limits: NpzLimits) -> None:
    """The zip's end record, read before zipfile reads the directory it points at."""
    with open(path, "rb") as file:
        file.seek(max(0, size - _END_RECORD.size - _LONGEST_COMMENT))
        tail = file.read()
    at = tail.rfind(_END_SIGNATURE)
    if at < 0 or len(tail) - at < _END_RECORD.size:
        return  # not a zip: zipfile says so, having read nothing large
    _, _, _, _, members, directory_bytes, _, _ = _END_RECORD.unpack_from(tail, at)
    if tail[max(0, at - 20):at].startswith(_ZIP64_LOCATOR) or members > limits.members:
        raise NpzLimitError(f"holds {'more than 65,535' if members == 0xFFFF else f'{members:,}'} members, more than "
                            f"{limits.members}")
    if directory_bytes > limits.members * (_HEADER_ROOM + 100):
        raise NpzLimitError(f"its list of members takes {_mb(directory_bytes)}, far more than {limits.members} "
                            "members need")


def _check_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, limits: NpzLimits) -> int:
    """The bytes the member's array takes, once its sizes and its header are found to fit the limits."""
    name = member.filename[:80]
    if member.file_size > limits.array_bytes + _HEADER_ROOM:
        raise NpzLimitError(f"{name} inflates to {_mb(member.file_size)}, more than an array may take "
                            f"({_mb(limits.array_bytes)})")
    if member.file_size > _SMALL_MEMBER and member.file_size > limits.ratio * max(1, member.compress_size):
        raise NpzLimitError(f"{name} inflates {member.file_size // max(1, member.compress_size):,} times "
                            f"(from {_mb(member.compress_size)} to {_mb(member.file_size)}): a zip bomb, not arrays")
    with archive.open(member) as stream:
        shape, dtype = _header(stream)
    if dtype.hasobject:
        raise NpzLimitError(f"{name} holds Python objects, not numbers")
    nbytes = math.prod(shape) * dtype.itemsize  # Python integers: a shape of huge numbers cannot wrap around
    if nbytes > limits.array_bytes:
        raise NpzLimitError(f"{name} claims an array of {_mb(nbytes)} (shape {shape[:8]}), more than an array may "
                            f"take ({_mb(limits.array_bytes)})")
    return nbytes


def _header(stream) -> tuple[tuple[int, ...], object]:
    """(shape, dtype) from an .npy header: the first bytes of the member, nothing after them."""
    version = npy_format.read_magic(stream)  # 3.0 is laid out as 2.0 (only its text may be UTF-8)
    read = npy_format.read_array_header_1_0 if version == (1, 0) else npy_format.read_array_header_2_0
    shape, _, dtype = read(stream)
    return shape, dtype


def _mb(size: int) -> str:
    return f"{size / 2**20:,.1f} MB" if size >= 2**20 else f"{size:,} bytes"
