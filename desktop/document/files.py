"""New, open, save, recent files and the unsaved-changes question, for the main window.

The open file's name and format (BOM, line ends, encoding) are the window's Document's (document.py), so that
saving writes the file as it was; saving itself is engine/core/safe_write.py.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from desktop.document import loading, long_lines, textfile
from engine.core import safe_write


def new(window) -> None:
    if may_discard(window):
        window.document.start_empty()


def open_dialog(window) -> None:
    if may_discard(window):
        path = window.ask_path(save=False)
        if path:
            open_path(window, path, in_background=True)


def open_path(window, path: str | Path, in_background: bool = False) -> bool:
    """Load a text file (UTF-8, or Western European: textfile.py); a missing or binary one gets a message
    naming it, and the text already in the editor stays as it is. `in_background`: a big file is read on a thread
    and put in a slice at a time (loading.py); True then means it is opening, and a problem is said later."""
    path = Path(path)
    cancel_loading(window)
    if in_background and _size(path) > loading.BIG_FILE_BYTES:
        document = window.document
        document.loader = loading.FileLoader(window, path, lambda path, decoded: _opened(window, path, decoded),
                                             lambda path, error: _cannot_open(window, path, error))
        document.loader.finished.connect(lambda _whole: setattr(document, "loader", None))
        document.loader.start()
        return True
    try:
        decoded = textfile.decode(path.read_bytes())
    except (OSError, textfile.NotText) as error:
        _cannot_open(window, path, error)
        return False
    textfile.show(window.editor.document(), decoded)
    _opened(window, path, decoded)
    return True


def cancel_loading(window) -> None:
    """A file still opening stops here (its part taken out again): closing, New or another Open."""
    if window.document.loader is not None:
        window.document.loader.cancel()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # read at once: the reading says what is wrong


def _opened(window, path: Path, decoded: textfile.DecodedText) -> None:
    window.editor.document().setModified(False)
    if long_lines.has_pieces(window.editor.document()):
        window.editor.shown_in_pieces.emit()  # the window says so (desktop/document/long_lines.py)
    window.document.belongs_to(path, decoded.format)
    window.preferences.add_recent(str(path))
    window.preferences.save(window.settings)
    if decoded.format.encoding != textfile.UTF8:
        window.messages.say(f"{path.name} is not UTF-8: it was read as {encoding_name(decoded.format)} text, "
                            "and Save keeps it that way")


def encoding_name(text_format: textfile.TextFormat) -> str:
    return textfile.ENCODING_NAMES[text_format.encoding]


def start_new_file(window, path: str | Path) -> bool:
    """`nextword app new.txt` for a file that is not there yet: an empty document that Save writes there. A
    folder that is not there is said; False then, and the document stays Untitled."""
    path = Path(path).absolute()
    if not path.parent.is_dir():
        window.show_message("Cannot open", f"{path}: there is no folder {path.parent}. Check the name, or make "
                                           "the folder first.")
        return False
    new(window)
    window.document.belongs_to(path)
    window.messages.say(f"{path.name} is a new file: it is made when you save")
    return True


def _cannot_open(window, path: Path, error: Exception) -> None:
    if isinstance(error, FileNotFoundError):
        window.show_message("Cannot open", f"{path}: file not found.")
    elif isinstance(error, textfile.NotText):
        window.show_message("Cannot open", f"{path}: {error.reason}. Nextword opens text files (UTF-8 or "
                                           "Western European); open this one in the program that made it.")
    else:
        window.show_message("Cannot open", f"{path}: {getattr(error, 'strerror', None) or error}.")


def save(window) -> bool:
    if still_opening(window):
        return False
    if window.document.path is None:
        return save_as(window)
    return write(window, window.document.path)


def still_opening(window) -> bool:
    """True (and said) while a file is opening: a part of it must never be saved over the whole."""
    if window.document.loader is None:
        return False
    window.messages.say(f"{window.document.loader.path.name} is still opening; save once it is open")
    return True


def save_as(window) -> bool:
    if still_opening(window):
        return False
    path = window.ask_path(save=True)
    return write(window, Path(path)) if path else False


TEXT_FILTER = "Text and Markdown (*.txt *.md *.markdown)"
SAVE_FILTERS = f"{TEXT_FILTER};;All files (*)"
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,10}")  # "notes.md" has one; "Letter to Mr. Smith" has none


def with_default_suffix(window, path: str, chosen_filter: str) -> str:
    """A bare name saved with the text filter chosen gets ".txt", as the filter says; "" when that name is a
    file already and the person would rather not replace it (the dialog asked about the name without ".txt")."""
    if not path or chosen_filter != TEXT_FILTER or _EXTENSION.fullmatch(Path(path).suffix):
        return path
    path += ".txt"
    if Path(path).exists() and QMessageBox.question(
            window, "Replace file", f"{Path(path).name} already exists. Replace it?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No) != QMessageBox.StandardButton.Yes:
        return ""
    return path


def write(window, path: Path) -> bool:
    """Save the editor's text to path in the open file's format. On any failure, or when the person would
    rather not overwrite a read-only file, nothing is lost: the text stays, still marked modified."""
    path = Path(path)
    if safe_write.is_read_only(path) and not _may_overwrite_read_only(window, path):
        return False
    try:
        prepared = _file_bytes(window, path)
        if prepared is None:
            return False
        safe_write.write_bytes(path, prepared[0])
    except (OSError, UnicodeEncodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        window.show_message("Cannot save", f"{path}: {reason}. Your text is still here; "
                                           "try Save As with another folder.")
        return False
    if prepared[1] != window.document.file_format:
        window.messages.say(f"{path.name} is saved as UTF-8 now, as you chose")
    window.document.mark_saved(path, prepared[1])
    window.preferences.add_recent(str(path))
    window.preferences.save(window.settings)
    return True


def _file_bytes(window, path: Path) -> tuple[bytes, textfile.TextFormat] | None:
    """The document as the file's bytes, and the format they are in: the file's own, or UTF-8 where a Western
    European file cannot hold a character typed and the person says so. None when they would rather not: nothing
    is saved. (UnicodeEncodeError for text UTF-8 cannot hold either.)"""
    document, text_format = window.document.text, window.document.file_format
    if text_format.encoding != textfile.UTF8:
        try:
            return textfile.file_bytes(document, text_format), text_format
        except UnicodeEncodeError as error:
            if not _may_save_as_utf8(window, path, error.object[error.start]):
                window.messages.say(f"{path.name} was not saved; your text is still here")
                return None
            text_format = replace(text_format, encoding=textfile.UTF8)
    return textfile.file_bytes(document, text_format), text_format


def _may_save_as_utf8(window, path: Path, character: str) -> bool:
    answer = QMessageBox.question(
        window, "Save as UTF-8?",
        f"{path.name} is {encoding_name(window.document.file_format)} text, which cannot hold “{character}” "
        "(and maybe other characters you typed). Save it as UTF-8 instead? Programs that expect the old encoding "
        "may then show its accented letters differently.",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


def _may_overwrite_read_only(window, path: Path) -> bool:
    answer = QMessageBox.question(
        window, "Read-only file", f"{path.name} is read-only. Overwrite it anyway?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


def may_discard(window) -> bool:
    """True when there are no unsaved changes, or the person chose to save or discard them. A file still
    opening is not the person's text: its loading stops. An empty Untitled document has nothing to lose, even
    if text was typed and taken out again."""
    cancel_loading(window)
    document = window.document
    if not document.is_modified() or document.is_untitled_and_empty():
        return True
    answer = QMessageBox.question(
        window, "Unsaved changes", f"Save the changes to {document.name}?",
        QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Save)
    if answer == QMessageBox.StandardButton.Save:
        return save(window)
    return answer == QMessageBox.StandardButton.Discard


def fill_recent_menu(window) -> None:
    menu = window.recent_menu
    menu.clear()
    for path in window.preferences.recent_files:
        action = menu.addAction(path)
        action.triggered.connect(lambda _=False, path=path: may_discard(window) and open_path(window, path, True))
    menu.setEnabled(bool(window.preferences.recent_files))
