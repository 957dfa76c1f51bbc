"""The data folder is the person's alone: what Nextword learns, keeps and logs there is read by nobody else.

At every start (`prepare`), as ssh treats ~/.ssh:
- a folder owned by another user, or whose parent lets others replace it (writable by others without the
  sticky bit, or owned by another user), is refused with a message that says what to do;
- otherwise the folder is made 0700 and everything in it 0700 (folders) or 0600 (files), however it came
  there (restored from a backup at 0644, a NEXTWORD_HOME left 0777);
- a link in it that leads out of it is removed (the file it led to is left as it was): nothing Nextword
  writes ever lands outside the folder.

Between starts, the folder's files are written by `write_private`: a new 0600 file renamed over the old
name, which replaces a link rather than writing through it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from engine.core.paths import private_dir, user_data_dir
from engine.core.safe_write import PRIVATE_MODE, replace_file

FOLDER_MODE = 0o700
FILE_MODE = PRIVATE_MODE  # 0600


class DataFolderRefused(RuntimeError):
    """The data folder is not the person's alone; the message says which folder, why, and what to do."""


def prepare(folder: str | Path | None = None) -> list[str]:
    """Check and repair the data folder (see the module's docstring); what was repaired, in sentences worth
    telling the person (links removed). Raises DataFolderRefused."""
    folder = Path(folder) if folder is not None else user_data_dir()
    try:
        private_dir(folder)
        real = Path(os.path.realpath(folder))
        status = os.stat(real)
    except OSError:
        return []  # it cannot be made or reached: each part that needs it says so as it fails
    _refuse_if_not_private(folder, real, status.st_uid)
    _set_mode(real, status.st_mode, FOLDER_MODE)
    return _repair_inside(real)


def _set_mode(path: Path, mode: int, wanted: int) -> None:
    if stat.S_IMODE(mode) != wanted:
        try:
            os.chmod(path, wanted)
        except OSError:
            pass  # a file system without Unix modes (FAT), or a file gone meanwhile: nothing more to do


def _refuse_if_not_private(folder: Path, real: Path, owner: int) -> None:
    if not hasattr(os, "getuid"):  # Windows: the profile folder's ACLs keep it the person's
        return
    me = os.getuid()
    if owner != me:
        raise DataFolderRefused(
            f"{folder} belongs to another user (user id {owner}). Nextword keeps what it learns from your typing "
            "there, so it must be yours alone: remove that folder (or ask its owner to), or set NEXTWORD_HOME "
            "to a folder of your own.")
    parent = real.parent
    parent_status = os.stat(parent)
    others_may_replace = parent_status.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and \
        not parent_status.st_mode & stat.S_ISVTX  # with the sticky bit (/tmp) only the owner renames it
    if parent_status.st_uid not in (me, 0) or others_may_replace:
        raise DataFolderRefused(
            f"{folder} is inside {parent}, which other users may change: they could replace the folder where "
            f"Nextword keeps what it learns from your typing. Make {parent} writable by you alone "
            f"(chmod go-w '{parent}'), or set NEXTWORD_HOME to a folder inside one of your own.")


def _repair_inside(real: Path) -> list[str]:
    """Folders 0700, files 0600; links that lead out of the folder removed. Never follows a link."""
    removed = []
    for parent, folders, files in os.walk(real):
        for name in folders + files:
            path = Path(parent) / name
            try:
                status = os.lstat(path)
                if stat.S_ISLNK(status.st_mode):
                    if not _inside(Path(os.path.realpath(path)), real):
                        path.unlink()
                        removed.append(str(path))
                    continue
            except OSError:
                continue  # gone meanwhile, or not ours to remove: writes still replace a link, never follow it
            _set_mode(path, status.st_mode, FOLDER_MODE if stat.S_ISDIR(status.st_mode) else FILE_MODE)
    if not removed:
        return []
    return [f"Nextword's data folder had links to files outside it ({', '.join(removed)}). They were removed so that "
            "nothing learned from your typing is written outside the folder; the files they led to are unchanged."]


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def write_private(path: str | Path, data: bytes) -> Path:
    """`path` in the data folder holds all of `data` or its old bytes, readable by the owner alone (0600): a new
    file renamed over the name, so a link at `path` is replaced, never written through."""
    path = Path(path)
    private_dir(path.parent)
    replace_file(path, data, FILE_MODE)
    return path
