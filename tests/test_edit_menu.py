"""The window's File, Edit and View menus as a person uses them: files named at start, Western European files,
Cut, Copy, Paste, Select All, Find and Replace, the text size keys and the keyboard after a menu."""

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QTextCursor  # noqa: E402
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox  # noqa: E402

from desktop import files  # noqa: E402


@pytest.fixture
def no_dialogs(monkeypatch):
    """Any file dialog or warning box fails the test: nothing is asked of the person."""
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: pytest.fail("asked where to save"))
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *args: pytest.fail(text))


# Files named at start, and their encodings
def test_nextword_app_with_a_new_file_name_opens_an_empty_document_that_saves_there(open_window, tmp_path, no_dialogs,
                                                                                    monkeypatch):
    path = tmp_path / "new.txt"
    monkeypatch.chdir(tmp_path)
    window = open_window("new.txt")  # as typed in a terminal: a name in the folder it was typed in
    assert window.path == path and window.windowTitle() == "new.txt — Nextword"
    assert window.editor.toPlainText() == "" and not path.exists()
    assert window.messages.said[-1] == "new.txt is a new file: it is made when you save"
    window.editor.insertPlainText("first words")
    assert files.save(window) and path.read_text() == "first words"


def test_nextword_app_with_a_file_in_a_folder_that_is_not_there_says_so(open_window, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *args: shown.append(text))
    path = tmp_path / "no such folder" / "new.txt"
    window = open_window(str(path))
    assert shown == [f"{path}: there is no folder {path.parent}. Check the name, or make the folder first."]
    assert window.path is None and window.windowTitle() == "Untitled — Nextword"


def test_a_latin1_file_opens_in_the_window_is_said_and_saves_back_in_latin1(open_window, tmp_path, no_dialogs):
    path = tmp_path / "latin1.txt"
    path.write_bytes("un caf\xe9 cr\xe8me\n".encode("latin-1"))
    window = open_window(str(path))
    assert window.editor.toPlainText() == "un café crème\n"
    assert window.messages.said[-1] == ("latin1.txt is not UTF-8: it was read as Western European (Windows-1252) "
                                        "text, and Save keeps it that way")
    window.editor.moveCursor(QTextCursor.MoveOperation.End)
    window.editor.insertPlainText("déjà")
    assert files.save(window) and path.read_bytes() == "un caf\xe9 cr\xe8me\nd\xe9j\xe0".encode("latin-1")
