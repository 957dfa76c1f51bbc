"""Where Nextword's files are: the bundled model and the per-user cache."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BUNDLED_MODEL_DIR = PROJECT_ROOT / "resources" / "model"


def default_model_path() -> Path:
    return BUNDLED_MODEL_DIR / "nextword.pt"


def cache_dir() -> Path:
    """Derived files that can be rebuilt at any time (the baseline trigram, prepared data)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "nextword"
