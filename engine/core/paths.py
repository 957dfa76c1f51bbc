"""Where Nextword's files are: what it ships (package data), the user's data and the rebuildable cache.

The shipped files live in the `resources` package (the bundled model and the blocklist) and are found
through importlib.resources, so an installed Nextword finds them from any working folder, as a
checkout does.
"""

from __future__ import annotations

import os
from importlib import resources as package_data
from pathlib import Path

from engine.core.bundle import ModelError

RESOURCES_PACKAGE = "resources"
MODEL_FOLDER = "model"
BLOCKLIST_FILE = "blocklist.txt"
REINSTALL = "reinstall Nextword (pip install --force-reinstall nextword)"
TRAIN_EXTRA = "pip install 'nextword[train]'"  # torch and the training data: train, export, fine-tune


class MissingResource(ModelError):
    """A file Nextword ships is missing or unreadable: the install is incomplete."""


def shipped_path(*parts: str) -> Path:
    """A file or folder of the `resources` package, as a real path (onnxruntime opens files by name)."""
    try:
        root = package_data.files(RESOURCES_PACKAGE)
    except ModuleNotFoundError:
        raise MissingResource(f"the {RESOURCES_PACKAGE!r} package (the bundled model and blocklist) is not "
                              f"installed; {REINSTALL}") from None
    path = root.joinpath(*parts)
    if not isinstance(path, Path):  # e.g. imported from a zip archive
        raise MissingResource(f"{path}: Nextword's resources must be installed as files, not inside an archive; "
                              f"{REINSTALL}")
    return path


def bundled_model_dir() -> Path:
    return shipped_path(MODEL_FOLDER)


def blocklist_path() -> Path:
    return shipped_path(BLOCKLIST_FILE)


def read_blocklist(path: str | Path | None = None) -> set[str]:
    """Words never offered unless typed in full: one per line, `#` starts a comment.

    A missing or unreadable list is an error, never an empty set: that would silently offer every word.
    """
    path = Path(path) if path is not None else blocklist_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MissingResource(f"{path}: the list of words never suggested is missing; {REINSTALL}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise MissingResource(f"{path}: the list of words never suggested cannot be read ({error}); "
                              f"{REINSTALL}") from None
    return {line.split("#", 1)[0].strip().lower() for line in text.splitlines()} - {""}


def user_data_dir() -> Path:
    """NEXTWORD_HOME if set (tests, portable installs), else the user's data folder."""
    if os.environ.get("NEXTWORD_HOME"):
        return Path(os.environ["NEXTWORD_HOME"])
    if os.name == "nt":
        return Path(os.environ.get("APPDATA", Path.home())) / "Nextword"
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "nextword"


def private_dir(path: str | Path) -> Path:
    """`path` created if needed, readable by its owner alone (0700) when Nextword creates it."""
    path = Path(path)
    missing = []
    while not path.exists() and path.parent != path:
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):  # each one 0700: mkdir(parents=True) would make the parents 0777 less the umask
        folder.mkdir(mode=0o700, exist_ok=True)
    return missing[0] if missing else path


def private_file(path: str | Path) -> Path:
    """`path` created empty, readable by its owner alone (0600), in a private folder, if it is not there:
    programs that then open it (SQLite, QSettings) keep an existing file's mode."""
    path = Path(path)
    if not os.path.lexists(path):
        private_dir(path.parent)
        try:  # O_EXCL and O_NOFOLLOW: never a file made at the far end of a link
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0), 0o600))
        except FileExistsError:  # made meanwhile
            pass
    return path


def cache_dir() -> Path:
    """Derived files that can be rebuilt at any time (the baseline trigram, prepared data)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "nextword"
