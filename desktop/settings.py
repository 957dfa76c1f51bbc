"""Preferences: a dataclass over QSettings, so the rest of the editor reads plain attributes."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field, fields
from pathlib import Path

from PySide6.QtCore import QSettings

from engine.core.paths import private_file

ORGANIZATION, APPLICATION = "Nextword", "Nextword"
MAX_RECENT = 8


@dataclass
class Preferences:
    chip_count: int = 3  # 0 hides the suggestion bar
    inline_enabled: bool = True
    inline_min_confidence: float = 0.25  # grey text only for a continuation at least this likely
    inline_confidence_auto: bool = True  # tune that minimum from the acceptance log (desktop/tuning.py)
    model_path: str = ""  # a bundle folder; empty: the active model (bundled, or learned: Tools > Models)
    provider: str = "auto"  # auto, cpu or cuda
    learning_paused: bool = False  # nothing is learned, kept or logged while on
    keep_typed_text: bool = False  # opt-in: finished sentences kept for the next fine-tune (engine/core/kept_text.py)
    store_accepted_words: bool = False  # opt-in: the acceptance log keeps the words accepted
    word_wrap: bool = True
    font_size: int = 12
    blocked_words: list[str] = field(default_factory=list)  # "Never suggest this word", reviewed in preferences
    recent_files: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, settings: QSettings) -> Preferences:
        preferences = cls()
        for item in fields(cls):
            default = getattr(preferences, item.name)
            value = settings.value(f"preferences/{item.name}", default)
            setattr(preferences, item.name, _typed(value, default))
        preferences.chip_count = max(0, min(5, preferences.chip_count))
        preferences.inline_min_confidence = max(0.0, min(1.0, preferences.inline_min_confidence))
        if preferences.provider not in ("auto", "cpu", "cuda"):
            preferences.provider = "auto"
        return preferences

    def save(self, settings: QSettings) -> None:
        for item in fields(self):
            settings.setValue(f"preferences/{item.name}", getattr(self, item.name))
        settings.sync()

    def add_recent(self, path: str) -> None:
        self.recent_files = [path, *[p for p in self.recent_files if p != path]][:MAX_RECENT]


def _typed(value, default):
    """QSettings hands back strings (and single-item lists as strings) from INI files: restore the type."""
    if isinstance(default, bool):
        return value if isinstance(value, bool) else str(value).lower() in ("true", "1", "yes")
    if isinstance(default, list):
        if value is None or value == "":
            return []
        return [str(item) for item in value] if isinstance(value, list | tuple) else [str(value)]
    try:
        return type(default)(value)
    except (TypeError, ValueError):
        return default


def open_settings(path: str | None = None) -> QSettings:
    """The user's settings, or an INI file at `path` (tests, portable installs); readable by the user alone."""
    if path:
        settings = QSettings(path, QSettings.Format.IniFormat)
    else:
        settings = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)
    make_private(Path(settings.fileName()))
    return settings


def make_private(path: Path) -> None:
    """The settings hold blocked words and recent file paths: the file is created 0600 before Qt first
    writes it (Qt keeps an existing file's mode when it saves), and one left readable by others is narrowed."""
    try:
        mode = stat.S_IMODE(private_file(path).stat().st_mode)
        if mode & 0o077:
            os.chmod(path, mode & 0o700)
    except OSError:
        pass  # a settings location we cannot write: QSettings reports it through its status
