"""Text kept for the next fine-tune: what the person typed, only when they opted in ("Keep what I type
for learning", off by default) and never while learning is paused. One sentence or line per line, in
the user data folder, readable by its owner alone; `nextword finetune` and "Learn from my writing…"
read it like any other text file."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from engine.core.corpus import flatten
from engine.core.paths import private_file, user_data_dir

KEPT_TEXT_FILE = "kept_text.txt"


def kept_text_path() -> Path:
    return user_data_dir() / KEPT_TEXT_FILE


def keep(sentence: str, path: Path | None = None) -> None:
    """Append one finished sentence (flattened to one line); OSError when the disk refuses."""
    line = flatten(sentence)
    if not line:
        return
    target = private_file(path or kept_text_path())
    # O_APPEND: a line is added whole after the others; the file is never rewritten, so nothing kept is lost.
    # O_NOFOLLOW: a link put in its place is refused (ELOOP), never written through
    fd = os.open(target, os.O_WRONLY | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0))
    # A lone surrogate (a Python str may hold one; no file can) is kept as "?", not refused with the rest
    data = (line + "\n").encode("utf-8", errors="replace")
    try:
        size = os.fstat(fd).st_size
        try:
            if os.write(fd, data) != len(data):  # the disk filled up part way
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))
        except OSError:
            os.ftruncate(fd, size)  # no half line, which would run into the next one
            raise
    finally:
        os.close(fd)


def kept_lines(path: Path | None = None) -> int:
    target = path or kept_text_path()
    try:
        with open(target, "rb") as file:
            return sum(1 for _ in file)
    except FileNotFoundError:
        return 0


def forget_kept_text(path: Path | None = None) -> None:
    (path or kept_text_path()).unlink(missing_ok=True)
