"""Keeping a damaged file aside: renamed beside itself, never overwritten, so the person (or support) can look.

Every file Nextword reads from the user's data folder (the acceptance log, settings, the personal cache,
the model store's pointer and versions, autosaves) goes through this when it cannot be read as it should:
the file is renamed `NAME.damaged-YYYYmmdd-HHMMSS` (a number added if that is taken) and Nextword starts
that part afresh, saying once which file it was and where it went.
"""

from __future__ import annotations

import os
import time
from glob import escape as glob_escape
from pathlib import Path

SUFFIX = ".damaged-"


class KeepAsideError(OSError):
    """The damaged file could not be renamed (a read-only folder, a file locked elsewhere)."""


def aside_name(path: str | Path, when: float | None = None) -> Path:
    """Where `path` would be kept aside now: a name not taken yet, in the same folder."""
    path = Path(path)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(when))
    candidate = path.with_name(f"{path.name}{SUFFIX}{stamp}")
    number = 1
    while os.path.lexists(candidate):
        number += 1
        candidate = path.with_name(f"{path.name}{SUFFIX}{stamp}-{number}")
    return candidate


def keep_aside(path: str | Path) -> Path:
    """Rename the file or folder at `path` out of the way; its new path. Raises KeepAsideError (naming both
    paths and why) when it cannot be renamed: the caller then must not write over it either."""
    path = Path(path)
    target = aside_name(path)
    try:
        os.rename(path, target)  # not replace: aside_name chose a free name, and nothing is ever overwritten
    except OSError as error:
        raise KeepAsideError(error.errno, f"{path} could not be moved to {target.name} "
                                          f"({error.strerror or error})") from error
    return target


def remove_kept_aside(path: str | Path) -> None:
    """Delete every copy of `path` kept aside (when what it held is to be forgotten: they hold it too)."""
    path = Path(path)
    for copy in path.parent.glob(f"{glob_escape(path.name)}{SUFFIX}*"):
        if copy.is_file() and not copy.is_symlink():
            copy.unlink(missing_ok=True)


def is_kept_aside(path: str | Path) -> bool:
    """True for a file this module renamed (so listings of the data folder can leave it out)."""
    return SUFFIX in Path(path).name


def read_problem(error: BaseException) -> str:
    """What stopped a file being read, in words for a message after its path: a folder where the file should
    be, a file the person may not read, or a damaged or cut-short one (with the reader's own words)."""
    if isinstance(error, IsADirectoryError):
        return "is a folder, not a file"
    if isinstance(error, PermissionError):
        return "cannot be read (permission denied)"
    detail = str(error).strip().splitlines()[0][:200] if str(error).strip() else type(error).__name__
    if isinstance(error, OSError):
        return f"cannot be read ({error.strerror or detail})"
    return f"is damaged or cut short ({detail})"
