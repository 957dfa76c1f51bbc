"""A small disk that can be filled: a tmpfs mounted for the test, as root or in a user namespace's stead.

`small_disk(path)` mounts a tmpfs of a few MB at `path` (root only: CI's containers and this project's
machines run the suite as root); `fill(path)` takes every free byte with one file, so the next write
fails with ENOSPC as on a full disk, and `free_space` removes it again.
"""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from pathlib import Path

import pytest

FILLER = ".filler"


@contextlib.contextmanager
def small_disk(path: Path, megabytes: int = 8):
    """A tmpfs of `megabytes` at `path`; skips the test where mounting is not allowed."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a small disk needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m,mode=0700", "tmpfs", str(path)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(path: Path) -> None:
    """Write one file until the disk at `path` has no byte left (big pieces first, then small ones)."""
    fd = os.open(path / FILLER, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for size in (1 << 20, 1 << 16, 1 << 12, 1 << 9, 1):
            while True:
                try:
                    os.write(fd, b"\0" * size)
                except OSError as error:
                    if error.errno != errno.ENOSPC:
                        raise
                    break
    finally:
        os.close(fd)


def free_space(path: Path) -> None:
    (path / FILLER).unlink(missing_ok=True)
