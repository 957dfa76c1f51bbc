"""New, open, save, recent files and the unsaved-changes question, for the main window.

The open document's format (BOM, line ends) is kept in `window.file_format` (desktop/textfile.py), so that
saving writes the file as it was; saving itself is engine/core/safe_write.py.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from desktop import textfile
from engine.core import safe_write


def new(window) -> None:
    if may_discard(window):
        window.editor.setPlainText("")
        window.editor.document().setModified(False)
        window.path = None
        window.file_format = textfile.TextFormat()
        window._update_title()


def open_dialog(window) -> None:
    if may_discard(window):
        path = window.ask_path(save=False)
        if path:
            open_path(window, path)


def open_path(window, path: str | Path) -> bool:
    """Load a UTF-8 text file; a missing or undecodable one gets a message naming it, and the text
    already in the editor stays as it is."""
    path = Path(path)
    try:
        decoded = textfile.decode(path.read_bytes())
    except FileNotFoundError:
        window.show_message("Cannot open", f"{path}: file not found.")
        return False
    except UnicodeDecodeError:
        window.show_message("Cannot open", f"{path}: not UTF-8 text. Save it as UTF-8 in another editor, "
                                           "then open it again.")
        return False
    except OSError as error:
        window.show_message("Cannot open", f"{path}: {error.strerror}.")
        return False
    textfile.show(window.editor.document(), decoded)
    window.editor.document().setModified(False)
    window.path = path
    window.file_format = decoded.format
    window.preferences.add_recent(str(path))
    window.preferences.save(window.settings)
    window._update_title()
    return True


def save(window) -> bool:
    if window.path is None:
        return save_as(window)
    return write(window, window.path)


def save_as(window) -> bool:
    path = window.ask_path(save=True)
    return write(window, Path(path)) if path else False


def write(window, path: Path) -> bool:
    """Save the editor's text to path in the open file's format. On any failure, or when the person would
    rather not overwrite a read-only file, nothing is lost: the text stays, still marked modified."""
    path = Path(path)
    if safe_write.is_read_only(path) and not _may_overwrite_read_only(window, path):
        return False
    try:
        safe_write.write_bytes(path, textfile.file_bytes(window.editor.document(), window.file_format))
    except (OSError, UnicodeEncodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        window.show_message("Cannot save", f"{path}: {reason}. Your text is still here; "
                                           "try Save As with another folder.")
        return False
    window.path = path
    window.editor.document().setModified(False)
    window.preferences.add_recent(str(path))
    window.preferences.save(window.settings)
    window._update_title()
    return True


def _may_overwrite_read_only(window, path: Path) -> bool:
    answer = QMessageBox.question(
        window, "Read-only file", f"{path.name} is read-only. Overwrite it anyway?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


def may_discard(window) -> bool:
    """True when there are no unsaved changes, or the person chose to save or discard them."""
    if not window.editor.document().isModified():
        return True
    answer = QMessageBox.question(
        window, "Unsaved changes", f"Save the changes to {window.path.name if window.path else 'Untitled'}?",
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
        action.triggered.connect(lambda _=False, path=path: may_discard(window) and open_path(window, path))
    menu.setEnabled(bool(window.preferences.recent_files))
