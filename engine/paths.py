"""Where Nextword's files are: the bundled model and the per-user cache."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BUNDLED_MODEL_DIR = PROJECT_ROOT / "resources" / "model"
BLOCKLIST = PROJECT_ROOT / "resources" / "blocklist.txt"


def default_model_path() -> Path:
    return BUNDLED_MODEL_DIR


def cache_dir() -> Path:
    """Derived files that can be rebuilt at any time (the baseline trigram, prepared data)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "nextword"


def read_blocklist(path: str | Path = BLOCKLIST) -> set[str]:
    """Words never offered unless typed in full: one per line, `#` starts a comment."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return set()
    return {line.split("#", 1)[0].strip().lower() for line in text.splitlines()} - {""}
