"""Putting a finished bundle where the runtime loads it: the whole folder in one swap.

A bundle is built in a scratch folder beside its target. Only when it is complete is it swapped in:
a reader sees the old bundle or the new one, never stale companions (an old ngram.npz beside a new
graph) or half-moved files. Files in the target that are not bundle files (a model card, training
records) belong to the person and move into the new bundle.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

from engine.core.atomic import swap_in_folder
from engine.core.bundle import BUNDLE_FILES, MANIFEST_FILE


class InstallRefused(ValueError):
    """The target holds something an export must not replace; the message says what to do."""


def check_target(out: Path, force: bool) -> None:
    """Before any work: an empty or new folder takes a bundle; a bundle is replaced only with force;
    a folder holding anything else is never replaced."""
    if not out.exists():
        return
    if not out.is_dir():
        raise InstallRefused(f"{out}: is a file; give --out a folder for the bundle")
    if not any(out.iterdir()):
        return
    if not (out / MANIFEST_FILE).is_file():
        raise InstallRefused(f"{out}: not empty and not a model bundle; give --out a new or empty folder")
    if not force:
        raise InstallRefused(f"{out}: already holds a bundle; add --force to replace it (files that are not "
                             "part of a bundle, such as a model card, are kept)")


def scratch_folder(out: Path) -> Path:
    """A new folder beside `out` (same file system, so the swap is a rename) with `out`'s permissions,
    or those of a new folder."""
    out.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{out.name[:40]}-", dir=out.parent))
    if out.is_dir():
        mode = stat.S_IMODE(out.stat().st_mode)
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o777 & ~umask
    os.chmod(scratch, mode)
    return scratch


def install_bundle(scratch: Path, out: Path) -> None:
    """Swap the complete bundle in `scratch` in at `out`, carrying over the target's own files."""
    if out.is_dir():
        for path in out.iterdir():
            if path.name in BUNDLE_FILES or (scratch / path.name).exists():
                continue
            # Copied, not moved: until the swap the old folder stays whole.
            if path.is_dir() and not path.is_symlink():
                shutil.copytree(path, scratch / path.name, symlinks=True)
            else:
                shutil.copy2(path, scratch / path.name, follow_symlinks=False)
        if not any(out.iterdir()):
            out.rmdir()
    swap_in_folder(scratch, out)
