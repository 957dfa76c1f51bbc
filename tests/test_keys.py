"""The editor in the hand: one best guess (grey text and Alt+1 agree), each chip's key, Tab, Esc, punctuation after
an accepted word, a chip taken inside a word, capitals, Help > Keyboard Shortcuts, and a whole short e-mail typed
with the keys a person uses (desktop/gui/editor.py, chips.py, main_window.py, shortcuts.py; runtime/completion.py)."""

import pytest

pytest.importorskip("pytestqt")

from desktop_helpers import capitalising, chips, type_and_wait  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402

from desktop.gui.chips import SuggestionBar  # noqa: E402

pytestmark = pytest.mark.bundled_model
ALT = Qt.KeyboardModifier.AltModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def text(window):
    return window.editor.toPlainText()


def press_alt(qtbot, window, key: int):
    qtbot.keyClick(window, getattr(Qt.Key, f"Key_{key}"), ALT)


def shifted(qtbot, window, character: str):
    """A character typed with Shift held, as on a keyboard: Shift's own press comes first."""
    qtbot.keyPress(window.editor, Qt.Key.Key_Shift)
    qtbot.keyClick(window.editor, character, SHIFT)
    qtbot.keyRelease(window.editor, Qt.Key.Key_Shift, SHIFT)


def wait_for_ghost(qtbot, window):
    qtbot.waitUntil(window.editor.ghost_showing, timeout=5000)
    return window.editor.ghost_text


def set_cursor(window, position: int):
    cursor = window.editor.textCursor()
    cursor.setPosition(position)
    window.editor.setTextCursor(cursor)


# One best guess
def test_the_grey_text_starts_with_the_best_chip_word(window, qtbot):
    # Before: "hat" (what) in grey while the chips, having shown "what" after "I don't know ", offered "why".
    type_and_wait(qtbot, window, "I don't know w")
    best = window.last_result.words[0]  # the best chip's word
    ghost = window.editor.ghost_text
    assert best and (not ghost or ("w" + ghost).split(" ")[0] == best)
    window.editor.clear()
    type_and_wait(qtbot, window, "how are yo")
    assert ("yo" + wait_for_ghost(qtbot, window)).split(" ")[0] == window.last_result.words[0] == "you"


def test_the_phrase_starts_with_the_word_asked_for_or_is_not_offered():
    from engine.runtime.model_opening import open_model

    predictor = open_model()
    free = predictor.complete("how are yo", min_probability=0.0)
    assert predictor.complete("how are yo", min_probability=0.0, first_word="you").text == free.text  # the likeliest
    assert predictor.complete("how are yo", min_probability=0.0, first_word="yourself").words[0] == "yourself"
    assert not predictor.complete("how are yo", min_probability=0.0, first_word="zebra")  # not a completion of "yo"


def test_the_best_guess_is_alt_1_whatever_the_number_of_chips_and_each_chip_shows_its_key(window, qtbot):
    for count in (3, 5):
        window.preferences.chip_count = count
        window._apply_preferences()
        window.editor.clear()
        window.last_result = None  # the last round's, for the same text, is not this one's
        type_and_wait(qtbot, window, "how are ")
        bar = window.suggestion_bar
        keys = bar.keys_by_position()
        assert sorted(keys) == list(range(1, count + 1))
        assert bar.words_by_position()[keys.index(1)] == window.last_result.words[0] == "you"
        assert bar.chips[keys.index(1)].font().bold() and bar.chips[keys.index(1)].toolTip() == "Alt+1"
        press_alt(qtbot, window, 1)
        assert text(window) == "how are you "


def test_a_chip_shows_its_key_small_and_faint_beside_the_word(qtbot):
    bar = SuggestionBar(3)
    qtbot.addWidget(bar)
    bar.resize(420, 40)
    bar.show_words(["you", "your", "ya"])
    centre = bar.chips[1]
    image = centre.grab().toImage()
    bar.chips[1].set_key(0)
    unlabelled = centre.grab().toImage()
    # The key is painted in the chip's left padding, left of the word: only that part differs.
    differs = [x for x in range(image.width()) for y in range(image.height())
               if image.pixel(x, y) != unlabelled.pixel(x, y)]
    assert differs and max(differs) < 30


# Tab
def test_tab_takes_the_best_guess_when_no_grey_text_shows(window, qtbot):
    window.preferences.inline_enabled = False
    type_and_wait(qtbot, window, "how are ")
    assert not window.editor.ghost_showing()
    qtbot.keyClick(window.editor, Qt.Key.Key_Tab)
    assert text(window) == "how are you "


def test_tab_types_a_tab_on_an_empty_line_after_esc_or_twice_with_nothing_to_take(window, qtbot):
    type_and_wait(qtbot, window, "")
    qtbot.keyClick(window.editor, Qt.Key.Key_Tab)
    assert text(window) == "\t"  # indenting
    window.editor.clear()
    type_and_wait(qtbot, window, "how are ")
    qtbot.keyClick(window.editor, Qt.Key.Key_Escape)
    qtbot.keyClick(window.editor, Qt.Key.Key_Tab)
    assert text(window) == "how are \t"  # suggestions refused with Esc
    window.editor.clear()
    window.suggestion_bar.set_count(0)
    window.preferences.chip_count, window.preferences.inline_enabled = 0, False
    type_and_wait(qtbot, window, "a b")
    qtbot.keyClick(window.editor, Qt.Key.Key_Tab)
    assert text(window) == "a b" and "Tab again" in window.statusBar().currentMessage()
    qtbot.keyClick(window.editor, Qt.Key.Key_Tab)
    assert text(window) == "a b\t"


def test_tab_adds_the_space_a_chip_adds_and_the_chips_move_on_to_the_next_word(window, qtbot):
    type_and_wait(qtbot, window, "I don")
    ghost = wait_for_ghost(qtbot, window)
    qtbot.keyClick(window.editor, Qt.Key.Key_Tab)
    assert text(window) == "I don" + ghost + " "
    qtbot.waitUntil(lambda: window.last_result.left_text == text(window), timeout=5000)
    last = (ghost.split(" ")[-1])
    assert not any(word.lower().startswith(last.lower()) and word.lower() != last.lower() for word in chips(window))
    shifted(qtbot, window, "?")
    assert text(window) == "I don" + ghost + "?"


def test_tab_writes_the_word_as_the_best_chip_does(window, qtbot):
    window.preferences.inline_min_confidence = 0.0
    type_and_wait(qtbot, window, "see you on fri")
    wait_for_ghost(qtbot, window)
    assert window.suggestion_bar.best_word() == "Friday"
    qtbot.keyClick(window.editor, Qt.Key.Key_Tab)
    assert text(window).startswith("see you on Friday")  # before: "friday", while Alt+1 gave "Friday"


# Esc
def test_esc_with_no_grey_text_refuses_the_best_guess_tab_types_a_tab(window, qtbot):
    window.preferences.inline_enabled = False
    type_and_wait(qtbot, window, "how are ")
    qtbot.keyClick(window.editor, Qt.Key.Key_Escape)
    qtbot.keyClick(window.editor, Qt.Key.Key_Tab)
    assert text(window) == "how are \t"


def test_esc_hides_the_grey_text_for_the_word_not_for_a_place(window, qtbot):
    type_and_wait(qtbot, window, "I don")
    wait_for_ghost(qtbot, window)
    qtbot.keyClick(window.editor, Qt.Key.Key_Escape)
    assert not window.editor.ghost_showing()
    for _ in "I don":
        qtbot.keyClick(window.editor, Qt.Key.Key_Backspace)
    type_and_wait(qtbot, window, "I don")
    wait_for_ghost(qtbot, window)  # before: none, the word typed again at the same place


# Keys and text
@pytest.mark.parametrize("mark", ["?", "!", ":", ";", ")"])
def test_a_shifted_mark_after_a_chip_takes_its_space_back(window, qtbot, mark):
    type_and_wait(qtbot, window, "how are ")
    press_alt(qtbot, window, 1)
    shifted(qtbot, window, mark)
    assert text(window) == f"how are you{mark}"


def test_a_shifted_mark_after_grey_text_takes_its_space_back_and_undo_is_one_step(window, qtbot):
    type_and_wait(qtbot, window, "how are yo")
    ghost = wait_for_ghost(qtbot, window)
    qtbot.keyClick(window.editor, Qt.Key.Key_Tab)
    shifted(qtbot, window, "?")
    assert text(window) == f"how are yo{ghost}?"
    qtbot.keyClick(window.editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert text(window) == f"how are yo{ghost} "  # one step: the mark gone and the space back
    qtbot.keyClick(window.editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert text(window) == "how are yo"


def cursor_inside_friday(qtbot, window):
    window.editor.setPlainText("See you on Friday?")
    set_cursor(window, len("See you on Fri"))
    expected_left = window.editor.left_text()
    qtbot.waitUntil(lambda: window.last_result is not None and window.last_result.left_text == expected_left,
                    timeout=5000)


def test_a_chip_taken_inside_a_word_replaces_the_whole_word(window, qtbot):
    cursor_inside_friday(qtbot, window)
    assert "Friday" in chips(window)
    window.editor.insert_word("Friday")  # as its chip's click or key does
    assert text(window) == "See you on Friday?"  # before: "See you on Friday day?"
    assert window.editor.textCursor().position() == len("See you on Friday")


def test_no_grey_text_is_painted_over_the_rest_of_the_word(window, qtbot):
    window.preferences.inline_min_confidence = 0.0  # whatever the model's confidence, none is shown there
    cursor_inside_friday(qtbot, window)
    qtbot.wait(50)
    assert not window.editor.ghost_showing()


# Capitals
def test_a_sentence_starts_with_a_capital_and_i_alone_is_one(window, qtbot):
    capitalising(window)
    qtbot.keyClicks(window.editor, "hello there. i think i'm late, e.g. now! ok")
    assert text(window) == "Hello there. I think I'm late, e.g. now! Ok"
    qtbot.keyClick(window.editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert "i" not in [word for word in text(window).split()]  # no undo step brings a small "i" back alone
    window.editor.clear()
    qtbot.keyClicks(window.editor, "e")
    qtbot.keyClick(window.editor, Qt.Key.Key_Backspace)
    qtbot.keyClicks(window.editor, "eBay. t")
    assert text(window) == "eBay. T"  # a capital taken back with Backspace stays small when typed again
    window.editor.clear()
    window.preferences.auto_capitalize = False
    window._apply_preferences()
    qtbot.keyClicks(window.editor, "hello. i")
    qtbot.keyClick(window.editor, Qt.Key.Key_Space)
    assert text(window) == "hello. i "


def test_capitals_do_not_fight_autocorrect(window, qtbot):
    capitalising(window)
    window.preferences.corrections = "autocorrect"
    window._apply_preferences()
    type_and_wait(qtbot, window, "see you tomorow")
    qtbot.keyClicks(window.editor, " ")
    qtbot.waitUntil(lambda: text(window) == "See you tomorrow ", timeout=5000)


# Help
def test_help_keyboard_shortcuts_lists_the_keys_and_esc_closes_it(window, qtbot):
    qtbot.keyClick(window, Qt.Key.Key_F1)
    dialog = window.shortcuts_dialog
    qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible(), timeout=3000)
    rows = [dialog.table.item(row, 0).text() for row in range(dialog.table.rowCount())]
    meanings = " ".join(dialog.table.item(row, 1).text() for row in range(dialog.table.rowCount()))
    assert {"Tab", "Alt+1", "Esc", "Ctrl+Right"} <= set(rows) and "Edit > Undo" in meanings
    assert "Help > Keyboard Shortcuts" in meanings
    qtbot.keyClick(dialog.table, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


# A whole e-mail
def test_a_short_email_typed_with_the_keys_a_person_uses(window, qtbot):
    capitalising(window)
    editor = window.editor
    type_and_wait(qtbot, window, "hi Sam,")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    type_and_wait(qtbot, window, "how are ")
    first = window.suggestion_bar.best_word()
    press_alt(qtbot, window, 1)
    shifted(qtbot, window, "?")
    assert text(window) == f"Hi Sam,\nHow are {first}?"
    type_and_wait(qtbot, window, " i hope you are ")
    assert text(window).endswith("? I hope you are ")
    type_and_wait(qtbot, window, "do")
    best = window.suggestion_bar.best_word()
    before = text(window)
    qtbot.keyClick(editor, Qt.Key.Key_Tab)  # the grey text, or the best guess: the same first word
    added = text(window)[len(before) - len("do"):]
    assert added.split(" ")[0] == best and added.endswith(" ")
    qtbot.keyClicks(editor, ".")
    assert text(window).endswith(added[:-1] + ".")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    type_and_wait(qtbot, window, "thanks")
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert not editor.ghost_showing()
    shifted(qtbot, window, "!")
    assert text(window).endswith(".\nThanks!")
    qtbot.waitUntil(lambda: window.last_result.left_text == "Thanks!", timeout=5000)
    assert window.suggestion_bar.best_word()  # chips for the next word
    states = [text(window)]
    for _ in range(12):
        qtbot.keyClick(editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        states.append(text(window))
    assert f"Hi Sam,\nHow are {first} " in states  # the accepted word, one step
    assert f"Hi Sam,\nHow are {first}" not in states  # the "?" and the space it took: one step
    assert states[-1] == ""


def test_capitals_are_one_checkbox_in_preferences_and_kept_in_the_settings(window, qtbot):
    from desktop.core.settings import Preferences
    from desktop.gui.preferences import PreferencesDialog

    dialog = PreferencesDialog(capitalising(window).preferences, window)
    qtbot.addWidget(dialog)
    assert dialog.auto_capitalize.isChecked()
    dialog.auto_capitalize.setChecked(False)
    chosen = dialog.result_preferences()
    assert chosen.auto_capitalize is False
    chosen.save(window.settings)
    assert Preferences.load(window.settings).auto_capitalize is False
