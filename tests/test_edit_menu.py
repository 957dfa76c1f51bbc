"""The window's File, Edit and View menus as a person uses them: files named at start, Western European files,
Cut, Copy, Paste, Select All, Find and Replace, the text size keys and the keyboard after a menu."""

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QTextCursor  # noqa: E402
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox  # noqa: E402

from desktop.document import files  # noqa: E402


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
    assert window.document.path == path and window.windowTitle() == "new.txt — Nextword"
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
    assert window.document.path is None and window.windowTitle() == "Untitled — Nextword"


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


def test_each_menus_underlined_letters_differ_so_one_letter_opens_one_item(editor_window):
    """Alt+E then P opened Paste, and P again Preferences: two items of a menu with one letter need two keys."""
    menus = [action.menu() for action in editor_window.menuBar().actions() if action.menu() is not None]
    for menu in [*menus, editor_window.menuBar()]:
        letters = [action.text().split("&", 1)[1][0].lower() for action in menu.actions() if "&" in action.text()]
        assert len(letters) == len(set(letters)), (menu.title(), letters)


def test_preferences_open_with_ctrl_comma_where_the_platform_names_no_key(editor_window, qtbot):
    from PySide6.QtGui import QKeySequence

    preferences = menu_action(editor_window, "&Edit", "Pr&eferences…")
    assert QKeySequence("Ctrl+,") in preferences.shortcuts()
    assert len(preferences.shortcuts()) == len(set(preferences.shortcuts()))


def test_ctrl_h_opens_find_and_replace_as_in_most_editors(editor_window, qtbot):
    from PySide6.QtGui import QKeySequence

    assert QKeySequence("Ctrl+H") in menu_action(editor_window, "&Edit", "&Find and Replace…").shortcuts()


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


# Find and Replace
def selected(window) -> str:
    return window.editor.textCursor().selectedText()


def test_find_and_replace_is_beside_the_text_and_works_from_the_keyboard(editor_window, qtbot):
    window = editor_window
    window.editor.setPlainText("The cat sat. A cat ran. Cats!")
    qtbot.keyClick(window.editor, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    dialog = window.find_dialog
    qtbot.waitUntil(lambda: dialog.isActiveWindow() and dialog.find_field.hasFocus())
    assert not dialog.isModal()
    qtbot.keyClicks(dialog.find_field, "cat")
    qtbot.keyClick(dialog.find_field, Qt.Key.Key_Return)  # Enter: Find Next
    assert selected(window) == "cat" and window.editor.textCursor().selectionStart() == 4
    qtbot.keyClick(dialog.find_field, Qt.Key.Key_Tab)
    assert dialog.replace_field.hasFocus()
    qtbot.keyClicks(dialog.replace_field, "dog")
    qtbot.keyClick(dialog.replace_field, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)  # Match case
    qtbot.waitUntil(dialog.match_case.isChecked)  # a mnemonic clicks as a button is seen pressed: a moment later
    qtbot.keyClick(dialog.replace_field, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)  # Replace All
    qtbot.waitUntil(lambda: window.editor.toPlainText() == "The dog sat. A dog ran. Cats!")
    assert dialog.result.text() == "Replaced 2 matches."
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_replace_all_is_one_undo_step_and_says_how_many_in_words(editor_window):
    window = editor_window
    window.editor.setPlainText("one fish\ntwo FISH\nred fish blue fish")
    dialog = window.find()
    dialog.find_field.setText("fish")
    dialog.replace_field.setText("bird")
    assert dialog.replace_all() == 4 and dialog.result.text() == "Replaced 4 matches."
    assert window.editor.toPlainText() == "one bird\ntwo bird\nred bird blue bird"
    window.editor.undo()
    assert window.editor.toPlainText() == "one fish\ntwo FISH\nred fish blue fish"
    dialog.find_field.setText("whale")
    assert dialog.replace_all() == 0 and dialog.result.text() == "“whale” is not in the text: nothing was replaced."
    dialog.find_field.setText("red")
    assert dialog.replace_all() == 1 and dialog.result.text() == "Replaced 1 match."


def test_replace_replaces_the_selected_match_and_selects_the_next(editor_window):
    window = editor_window
    window.editor.setPlainText("a cat, a Cat, a cat")
    dialog = window.find()
    dialog.find_field.setText("cat")
    dialog.replace_field.setText("dog")
    dialog.replace()  # nothing selected yet: finds the first
    assert window.editor.toPlainText() == "a cat, a Cat, a cat" and window.editor.textCursor().selectionStart() == 2
    dialog.replace()
    assert window.editor.toPlainText() == "a dog, a Cat, a cat" and selected(window) == "Cat"
    dialog.match_case.setChecked(True)
    dialog.replace()  # "Cat" does not match now: the next "cat" is found instead
    assert window.editor.toPlainText() == "a dog, a Cat, a cat" and window.editor.textCursor().selectionStart() == 16
    window.editor.undo()
    assert window.editor.toPlainText() == "a cat, a Cat, a cat"


def test_find_next_and_previous_go_round_the_text_and_say_when_nothing_is_there(editor_window, qtbot):
    window = editor_window
    window.editor.setPlainText("alpha beta alpha")
    dialog = window.find()
    dialog.find_field.setText("alpha")
    assert dialog.find_next() and window.editor.textCursor().selectionStart() == 0
    assert dialog.find_next() and window.editor.textCursor().selectionStart() == 11
    assert dialog.find_next() and window.editor.textCursor().selectionStart() == 0
    assert dialog.result.text() == "Went on from the start of the text."
    assert dialog.find_previous() and window.editor.textCursor().selectionStart() == 11
    dialog.close()
    window.editor.setFocus()
    qtbot.keyClick(window.editor, Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier)  # Find Previous, dialog closed
    assert window.editor.textCursor().selectionStart() == 0 and not dialog.isVisible()
    dialog.find_field.setText("gamma")
    assert not dialog.find_next() and dialog.result.text() == "“gamma” is not in the text."


def test_find_opens_with_the_selected_words(editor_window):
    window = editor_window
    window.editor.setPlainText("find these words")
    cursor = window.editor.textCursor()
    cursor.setPosition(5)
    cursor.setPosition(10, QTextCursor.MoveMode.KeepAnchor)
    window.editor.setTextCursor(cursor)
    assert window.find().find_field.text() == "these"


def test_replace_all_counts_positions_after_emoji_right(editor_window):
    window = editor_window
    window.editor.setPlainText("😀 cat 👍🏽 cat\n🎉🎉 cat")
    dialog = window.find()
    dialog.find_field.setText("cat")
    dialog.replace_field.setText("dog")
    assert dialog.replace_all() == 3 and window.editor.toPlainText() == "😀 dog 👍🏽 dog\n🎉🎉 dog"
    dialog.find_field.setText("dog")
    assert dialog.find_next() and selected(window) == "dog"


# Find and Replace in a long line held in pieces (desktop/document/long_lines.py)
LONG_LINE = " ".join(f"w{number}" for number in range(3000))  # about 17,000 characters: two pieces


def blocks(window) -> list[str]:
    block, found = window.editor.document().firstBlock(), []
    while block.isValid():
        found.append(block.text())
        block = block.next()
    return found


def phrase_across_the_cut(window) -> str:
    """The last word of the long line's first piece, the space, and the first word of the next piece."""
    first, second = blocks(window)[1:3]
    return first.split()[-1] + " " + second.split()[0]


@pytest.fixture
def long_line_window(open_window, tmp_path):
    """A window with a file of mixed line ends whose middle line is long: in pieces, its own line end kept."""
    path = tmp_path / "long.txt"
    path.write_bytes(f"first w1 cat\r\n{LONG_LINE}\nlast cat\r\n".encode())
    window = open_window(str(path))
    assert len(blocks(window)) == 5 and all(len(text) <= 10_000 for text in blocks(window))
    return window, path


def test_replace_all_replaces_a_phrase_a_piece_break_cuts_and_saves_the_line_whole(long_line_window):
    window, path = long_line_window
    needle = phrase_across_the_cut(window)
    dialog = window.find()
    dialog.find_field.setText(needle)
    dialog.replace_field.setText("JOINED")
    assert dialog.replace_all() == 1
    assert files.save(window)
    assert path.read_bytes() == f"first w1 cat\r\n{LONG_LINE.replace(needle, 'JOINED')}\nlast cat\r\n".encode()
    window.editor.undo()
    assert files.save(window) and path.read_bytes() == f"first w1 cat\r\n{LONG_LINE}\nlast cat\r\n".encode()


def test_replace_all_that_makes_a_line_too_long_shows_it_in_pieces(long_line_window, qtbot):
    window, path = long_line_window
    dialog = window.find()
    dialog.find_field.setText("w1")  # w1, w10..w19, w100.., w1000..: over 1,100 in the long line
    dialog.replace_field.setText("a much longer word")
    count = dialog.replace_all()
    expected = (f"first {'a much longer word'} cat\r\n{LONG_LINE.replace('w1', 'a much longer word')}\n"
                "last cat\r\n")
    assert count == LONG_LINE.count("w1") + 1 and files.save(window) and path.read_bytes() == expected.encode()
    assert len(blocks(window)) > 5 and all(len(text) <= 10_000 for text in blocks(window))


def test_find_next_finds_a_phrase_a_piece_break_cuts(long_line_window):
    window, _ = long_line_window
    from desktop.document import long_lines

    needle = phrase_across_the_cut(window)
    dialog = window.find()
    dialog.find_field.setText(needle)
    assert dialog.find_next() and long_lines.joined_text(window.editor.textCursor()) == needle
    dialog.replace_field.setText("JOINED")
    dialog.replace()
    assert "JOINED" in window.editor.toPlainText() and needle not in window.editor.toPlainText().replace("\n", "")
