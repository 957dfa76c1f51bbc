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


# The menus
def menu_action(window, menu_title: str, text: str):
    menu = next(action.menu() for action in window.menuBar().actions() if action.text() == menu_title)
    return next(action for action in menu.actions() if action.text() == text)


@pytest.fixture
def editor_window(open_window, qtbot):
    """A window active and the keyboard in its text, as when a person starts typing."""
    window = open_window()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.editor.setFocus()
    qtbot.waitUntil(window.editor.hasFocus)
    return window


def test_edit_menu_cuts_copies_pastes_and_selects_all(editor_window):
    window, clipboard = editor_window, QApplication.clipboard()
    window.editor.setPlainText("one two")
    menu_action(window, "&Edit", "Select &All").trigger()
    assert window.editor.textCursor().selectedText() == "one two"
    menu_action(window, "&Edit", "&Copy").trigger()
    assert clipboard.text() == "one two" and window.editor.toPlainText() == "one two"
    menu_action(window, "&Edit", "Cu&t").trigger()
    assert window.editor.toPlainText() == "" and clipboard.text() == "one two"
    menu_action(window, "&Edit", "&Paste").trigger()
    menu_action(window, "&Edit", "&Paste").trigger()
    assert window.editor.toPlainText() == "one twoone two"


def test_the_edit_menus_keys_are_the_platforms_own(editor_window):
    from PySide6.QtGui import QKeySequence

    for text, key in [("Cu&t", "Cut"), ("&Copy", "Copy"), ("&Paste", "Paste"), ("Select &All", "SelectAll"),
                      ("&Find and Replace…", "Find")]:
        expected = QKeySequence.keyBindings(getattr(QKeySequence.StandardKey, key))[0]
        assert menu_action(editor_window, "&Edit", text).shortcut() == expected


def test_ctrl_equals_makes_the_text_bigger_and_ctrl_0_puts_it_back(editor_window, qtbot):
    window = editor_window
    size = window.preferences.font_size
    qtbot.keyClick(window.editor, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window.editor, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert window.preferences.font_size == size + 2 and window.editor.font().pointSize() == size + 2
    assert window.editor.toPlainText() == ""  # no "=" typed
    qtbot.keyClick(window.editor, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert window.preferences.font_size == 12 and window.editor.font().pointSize() == 12


def test_after_alt_f_and_esc_typing_goes_to_the_text(editor_window, qtbot):
    window = editor_window
    qtbot.keyClick(window.editor, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is not None)
    qtbot.keyClick(QApplication.activePopupWidget(), Qt.Key.Key_Escape)
    typed_into(window, qtbot, "hello")
    assert window.editor.toPlainText() == "hello"
    edit_menu = menu_action(window, "&Edit", "&Undo").parent()  # a menu popped up (as a right click does)
    edit_menu.popup(window.mapToGlobal(window.rect().center()))
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is edit_menu)
    qtbot.keyClick(edit_menu, Qt.Key.Key_Escape)
    typed_into(window, qtbot, " abc")
    assert window.editor.toPlainText() == "hello abc"


def typed_into(window, qtbot, text: str) -> None:
    """Keys typed where the window sends them once the menu has closed. (Offscreen, Qt leaves the closed menu
    the active window, so the window's focus widget is asked rather than the application's.)"""
    qtbot.wait(50)
    assert QApplication.activePopupWidget() is None
    qtbot.keyClicks(window.focusWidget(), text)


def test_moving_from_one_menu_to_the_next_keeps_the_keyboard_in_the_menus(editor_window, qtbot):
    window = editor_window
    qtbot.keyClick(window.editor, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is not None)
    file_menu = QApplication.activePopupWidget()
    qtbot.keyClick(file_menu, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() not in (None, file_menu))
    qtbot.wait(50)
    assert QApplication.activePopupWidget() is menu_action(window, "&Edit", "&Undo").parent()
    qtbot.keyClick(QApplication.activePopupWidget(), Qt.Key.Key_Escape)
    typed_into(window, qtbot, "x")
    assert window.editor.toPlainText() == "x"
