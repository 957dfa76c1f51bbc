"""Writing a file's new bytes so that a failure never costs the old text and the file stays the file it was.

Written by hand rather than with QSaveFile, which replaces the file with a new one (breaking hard links),
does not keep the file's group, and replaces a read-only file in a writable folder without a word.

- A file with one name: the bytes go to a temporary file in the same folder (a short random name, so a
  254-byte file name still saves), flushed to disk, given the old file's mode and group (and owner where
  permitted), then renamed over the old file: a crash leaves the old file or the new one, never half.
- A file with more than one hard link: a rename would leave the other names on the old text, so the file
  is rewritten in place, after a copy of the old bytes is flushed to disk beside it; a failed rewrite is
  undone from that copy.
- A symlink: the file it points to is written and the link stays a link.
- A new file: mode 0666 less the umask, as any program makes.
On failure the OSError is raised, the old file is as it was, and no temporary file is left (only a copy
that could not be put back is kept, and named in the error: it is then the only copy of the old text).
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from pathlib import Path

NEW_FILE_MODE = 0o666  # the umask takes its share, as for any new file
PRIVATE_MODE = 0o600  # until the temporary file has the old file's mode: nobody else reads it meanwhile


def is_read_only(path: str | Path) -> bool:
    """True for an existing file nobody may write: its mode says so (which binds root too), or the
    system does for this user."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISREG(mode) and (not mode & 0o222 or not os.access(path, os.W_OK))


def write_bytes(path: str | Path, data: bytes, new_file_mode: int = NEW_FILE_MODE) -> None:
    """`new_file_mode`: the mode of a file that does not exist yet (0o600 for the person's own data)."""
    target = Path(os.path.realpath(path))  # through symlinks: the link stays, its target changes
    try:
        old = os.stat(target)
    except FileNotFoundError:
        old = None
    if old is not None and stat.S_ISDIR(old.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    if old is not None and stat.S_ISREG(old.st_mode) and old.st_nlink > 1:
        _rewrite_in_place(target, data)
    else:
        _replace(target, data, old, new_file_mode)


def _replace(target: Path, data: bytes, old: os.stat_result | None, new_file_mode: int = NEW_FILE_MODE) -> None:
    def as_the_old_file(fd: int) -> None:
        if old is not None:
            _keep_owner(fd, old)  # before fchmod: a chown clears the setuid and setgid bits
            os.fchmod(fd, stat.S_IMODE(old.st_mode))

    _rename_new_file_over(target, data, PRIVATE_MODE if old else new_file_mode, as_the_old_file)


def replace_file(path: str | Path, data: bytes, mode: int) -> None:
    """A new file of `mode` at `path`, renamed over whatever is there: a link at `path` is replaced, not written
    through (engine/core/data_folder.py: the person's data never lands outside their folder)."""
    path = Path(path)
    if os.path.isdir(path) and not os.path.islink(path):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    # fchmod: the umask may have taken bits the file should keep (never adds any)
    _rename_new_file_over(path, data, mode, lambda fd: os.fchmod(fd, mode))


def _rename_new_file_over(target: Path, data: bytes, create_mode: int, finish) -> None:
    """`data` into a new file beside `target` (`finish(fd)` before it is flushed to disk), renamed over it; no
    temporary file is left after a failure."""
    fd, temporary = _create_temporary(target.parent, create_mode)
    try:
        try:
            _write_all(fd, data)
            finish(fd)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, target)
    except BaseException:
        _remove(temporary)
        raise
    _sync_folder(target.parent)


def _rewrite_in_place(target: Path, data: bytes) -> None:
    fd = os.open(target, os.O_RDWR | os.O_CLOEXEC)
    try:
        old_data = _read_all(fd)
        backup = _write_copy(target.parent, old_data)
        try:
            _overwrite(fd, data)
        except BaseException as error:
            _put_back(fd, old_data, backup, error)
            raise
        _remove(backup)
    finally:
        os.close(fd)


def _put_back(fd: int, old_data: bytes, backup: Path, error: BaseException) -> None:
    """Undo a failed rewrite from the old bytes; if even that fails, keep the copy and say where it is."""
    try:
        _overwrite(fd, old_data)
    except OSError as second:
        raise OSError(second.errno, f"{second.strerror}; the old text is in {backup}") from error
    _remove(backup)


def _write_copy(folder: Path, data: bytes) -> Path:
    fd, copy = _create_temporary(folder, PRIVATE_MODE)
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)  # on disk before the file itself changes
        finally:
            os.close(fd)
    except BaseException:
        _remove(copy)
        raise
    return copy


def _overwrite(fd: int, data: bytes) -> None:
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    _write_all(fd, data)
    os.fsync(fd)


def _create_temporary(folder: Path, mode: int) -> tuple[int, Path]:
    """A new file of our own in the folder; O_EXCL so that it is never someone else's (or a link)."""
    for _ in range(100):
        path = folder / f".nw{secrets.token_hex(4)}.tmp"
        try:
            return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode), path
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(folder))


def _keep_owner(fd: int, old: os.stat_result) -> None:
    """The old owner and group where the system lets us, else the old group only, else as made: some file
    systems (FAT, some network ones) refuse any chown, and the text matters more than its group."""
    for uid in (old.st_uid, -1):
        try:
            os.fchown(fd, uid, old.st_gid)
            return
        except OSError:
            continue


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def _sync_folder(folder: Path) -> None:
    """Flush the rename to disk; some file systems cannot sync a folder, and the file is saved anyway."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def describe_write_error(error: OSError) -> str:
    """Why a write failed, in the person's words, with what to do about it (for status bar messages)."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full; free some space"
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "it is read-only or not yours; check the folder's permissions"
    if error.errno == errno.EISDIR:
        return "a folder has that name; move the folder away"
    return error.strerror or str(error)
