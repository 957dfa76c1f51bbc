"""Writes that a crash cannot leave half done: a file's text (through safe_write), a folder swapped in one step."""

from __future__ import annotations

import ctypes
import os
import shutil
import sys
import uuid
from pathlib import Path

from engine.core.safe_write import NEW_FILE_MODE, write_bytes

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def write_text_atomically(path: str | Path, text: str, new_file_mode: int = NEW_FILE_MODE) -> Path:
    """`path` holds either its old text or all of `text` (UTF-8), never a part of it (engine/core/safe_write.py);
    `new_file_mode` where it does not exist yet."""
    write_bytes(path, text.encode("utf-8"), new_file_mode)
    return Path(path)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one atomic step (Linux renameat2 with RENAME_EXCHANGE); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    rename = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if rename is None:  # a C library without it
        return False
    rename.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return rename(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) == 0


def swap_in_folder(new: str | Path, target: str | Path) -> None:
    """Put the folder `new` at `target`, replacing what is there, and delete the old folder.

    A reader opening `target` sees the old folder or the new one, never a mix: one rename when nothing
    is there, one atomic exchange where the system has it, else two renames back to back (between
    which `target` is briefly absent, never half written).
    """
    new, target = Path(new), Path(target)
    if not target.exists():
        os.rename(new, target)
        return
    if _exchange(new, target):
        old = new  # the exchange left the old folder where the new one was
    else:
        old = target.with_name(f".{target.name}-old-{uuid.uuid4().hex[:8]}")
        os.rename(target, old)
        os.rename(new, target)
    shutil.rmtree(old, ignore_errors=True)
