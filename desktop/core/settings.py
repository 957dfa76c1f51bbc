"""Preferences: a dataclass over QSettings, so the rest of the editor reads plain attributes.

The settings file is the person's, and may be damaged, a folder, or read-only: open_settings keeps a damaged
file or a folder aside (engine/core/damaged.py) and starts from the defaults; a read-only one is read and never
written (changes last for the session). Either way `settings_problem(settings)` says it, once, for the status
bar. Every value read is checked: one of the wrong type is the default, one out of range is brought into it.
"""

from __future__ import annotations

import math
import os
import stat
import tempfile
from dataclasses import dataclass, field, fields
from pathlib import Path

from PySide6.QtCore import QSettings

from engine.core.damaged import KeepAsideError, keep_aside
from engine.core.paths import private_file, user_data_dir

ORGANIZATION, APPLICATION = "Nextword", "Nextword"
SETTINGS_FILE = "settings.ini"  # in $NEXTWORD_HOME when it is set; else Qt's place, ~/.config/Nextword/Nextword.ini
MAX_RECENT = 8
MAX_BLOCKED = 10_000
FONT_SIZES = (6, 48)  # as View > Bigger Text and Smaller Text allow
CHIP_COUNTS = (0, 5)
PROVIDERS = ("auto", "cpu", "cuda")
CORRECTION_MODES = ("autocorrect", "suggest", "off")  # Autocorrect on / Suggest corrections only / Off
_PROBLEM, _READ_ONLY = "nextword_settings_problem", "nextword_settings_read_only"  # dynamic QSettings properties

OFF_THE_RECORD_KEY = "Ctrl+Shift+P"  # Tools > Off the Record ("private"): learning paused, one key away


@dataclass
class Preferences:
    chip_count: int = 3  # 0 hides the suggestion bar
    inline_enabled: bool = True
    inline_min_confidence: float = 0.25  # grey text only for a continuation at least this likely
    inline_confidence_auto: bool = True  # tune that minimum from the acceptance log (desktop/log/tuning.py)
    model_path: str = ""  # a bundle folder; empty: the active model (bundled, or learned: Tools > Models)
    provider: str = "auto"  # auto, cpu or cuda
    corrections: str = "autocorrect"  # one of CORRECTION_MODES
    spell_check: bool = True  # underline words neither Nextword nor the person knows
    auto_capitalize: bool = True  # a sentence's first letter and "i" alone written as capitals (desktop/gui/editor.py)
    learning_paused: bool = False  # off the record: nothing is learned, kept or logged while on
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
        preferences.chip_count = _clamp(preferences.chip_count, *CHIP_COUNTS)
        preferences.font_size = _clamp(preferences.font_size, *FONT_SIZES)
        preferences.inline_min_confidence = _clamp(preferences.inline_min_confidence, 0.0, 1.0)
        if preferences.provider not in PROVIDERS:
            preferences.provider = "auto"
        if preferences.corrections not in CORRECTION_MODES:
            preferences.corrections = "autocorrect"
        preferences.recent_files = preferences.recent_files[:MAX_RECENT]
        preferences.blocked_words = preferences.blocked_words[:MAX_BLOCKED]
        return preferences

    def save(self, settings: QSettings) -> None:
        """Written unless the file is read-only (then the changes last for the session, as said at start)."""
        if not writable(settings):
            return
        for item in fields(self):
            settings.setValue(f"preferences/{item.name}", getattr(self, item.name))
        settings.sync()
        if settings.status() == QSettings.Status.AccessError and not settings.property(_PROBLEM):
            settings.setProperty(_READ_ONLY, True)
            settings.setProperty(_PROBLEM, _cannot_save(Path(settings.fileName()), "cannot be written"))

    def add_recent(self, path: str) -> None:
        self.recent_files = [path, *[p for p in self.recent_files if p != path]][:MAX_RECENT]


def _clamp(value, low, high):
    return max(low, min(high, value))


def _typed(value, default):
    """The value QSettings read, as the type of the field's default, or the default when it is not one.
    INI files hand back strings (and single-item lists as strings); a damaged or hand-edited file can hand
    back anything."""
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower() if isinstance(value, str | int) else ""
        return {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}.get(text, default)
    if isinstance(default, list):
        if value is None or value == "":
            return []
        if isinstance(value, str):
            return [value]
        if isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
            return list(value)
        return default
    if isinstance(default, str):
        return value if isinstance(value, str) and "\x00" not in value else default
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return default
    try:
        number = type(default)(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError, OverflowError):
        return default
    return number if math.isfinite(number) else default


def open_settings(path: str | None = None) -> QSettings:
    """The user's settings (in $NEXTWORD_HOME when it is set), or an INI file at `path`; readable by the user alone.
    A damaged file or a folder there is kept aside and the defaults used; a read-only one is never written;
    `settings_problem(settings)` says which, for the status bar."""
    settings = _settings_at(path)
    file = Path(settings.fileName())
    if file.is_dir():
        return _kept_aside(path, file, "is a folder, not a file")
    make_private(file)
    settings.allKeys()  # reads the file now: its status says whether it could be read
    if settings.status() == QSettings.Status.FormatError:
        return _kept_aside(path, file, "is damaged")
    read_only = _read_only_problem(file)
    if read_only:
        settings.setProperty(_READ_ONLY, True)
        settings.setProperty(_PROBLEM, _cannot_save(file, read_only))
    return settings


def settings_problem(settings: QSettings) -> str:
    """What the person should know about their settings file (kept aside, read-only), in a line or two;
    empty when nothing. The window shows it once in the status bar at start."""
    return settings.property(_PROBLEM) or ""


def writable(settings: QSettings) -> bool:
    """False for a read-only settings file: nothing is written to it (Preferences.save, the window's geometry)."""
    return not settings.property(_READ_ONLY)


def _settings_at(path: str | None) -> QSettings:
    if path:
        return QSettings(path, QSettings.Format.IniFormat)
    if os.environ.get("NEXTWORD_HOME"):  # a portable install, a test: nothing of it lands in the person's own home
        return QSettings(str(user_data_dir() / SETTINGS_FILE), QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


def _kept_aside(path: str | None, file: Path, why: str) -> QSettings:
    """Fresh settings where `file` was, once it is kept aside; if it cannot be, settings in a scratch file (so
    the damaged one is never written over) and a message that says so."""
    try:
        aside = keep_aside(file)
    except KeepAsideError as error:
        scratch = QSettings(str(Path(tempfile.mkdtemp(prefix="nextword-settings-")) / file.name),
                            QSettings.Format.IniFormat)
        scratch.setProperty(_PROBLEM, f"Your preferences file {file} {why} and could not be kept aside ({error}); "
                                      "the defaults are used and changes last until you quit: move or delete it")
        return scratch
    settings = _settings_at(path)
    make_private(file)
    settings.setProperty(_PROBLEM, f"Your preferences file {file} {why}; it was kept aside as {aside.name} and "
                                   "the defaults are used")
    return settings


def _read_only_problem(file: Path) -> str:
    """Why the settings file cannot be written ('' when it can): the file read-only by its mode (honoured even
    where the user could write anyway, as root can) or by the system, or its folder not writable."""
    try:
        mode = file.stat().st_mode
    except OSError:
        return ""  # QSettings reports what it cannot do through its status, when saving
    if not mode & stat.S_IWUSR or not os.access(file, os.W_OK):
        return "is read-only"
    if not os.access(file.parent, os.W_OK):  # Qt saves to a new file in the folder, then renames it
        return f"is in a read-only folder ({file.parent})"
    return ""


def _cannot_save(file: Path, why: str) -> str:
    return (f"Your preferences cannot be saved: {file} {why}; changes last until you quit. Make it writable "
            "(or remove it) to keep them.")


def make_private(path: Path) -> None:
    """The settings hold blocked words and recent file paths: the file is created 0600 before Qt first
    writes it (Qt keeps an existing file's mode when it saves), and one left readable by others is narrowed."""
    try:
        mode = stat.S_IMODE(private_file(path).stat().st_mode)
        if mode & 0o077:
            os.chmod(path, mode & 0o700)
    except OSError:
        pass  # a settings location we cannot write: QSettings reports it through its status
