"""One writer at a time for a file several processes share (two editors on one data folder): an advisory lock
on a lock file beside it, held for the read-merge-write, never across a keystroke."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no flock; one editor per data folder is then the person's to keep
    fcntl = None

LOCK_SUFFIX = ".lock"


def lock_path(path: str | Path) -> Path:
    path = Path(path)
    return path.with_name(path.name + LOCK_SUFFIX)


@contextmanager
def locked(path: str | Path) -> Iterator[None]:
    """Hold the lock of `path` (waiting for another process that holds it); released however the block ends.
    The lock file is the owner's alone (0600) and never a link followed."""
    descriptor = os.open(lock_path(path), os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        if fcntl is not None:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock
