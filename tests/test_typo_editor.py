"""Typos in the editor: correction chips, the word as typed one key away, autocorrect on space and punctuation
put back by one Backspace or Ctrl+Z (and never again), spell-check underlines and their menu, the preferences,
and what the acceptance log counts of it (desktop/gui/chips.py, autocorrect.py, spellcheck.py)."""

import time

import pytest

pytest.importorskip("pytestqt")

from desktop_helpers import chips, type_and_wait  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402

from desktop.gui.spellcheck import MAX_CHECKED  # noqa: E402

pytestmark = pytest.mark.bundled_model


def use(window, **preferences):
    """These preferences, applied as Edit > Preferences > OK applies them."""
    for name, value in preferences.items():
        setattr(window.preferences, name, value)
    window._apply_preferences()


def finish_word(qtbot, window, key_text, expected):
    """Type the key that finishes a word; wait until the document reads `expected`."""
    qtbot.keyClicks(window.editor, key_text)
    qtbot.waitUntil(lambda: window.editor.toPlainText() == expected, timeout=5000)


def chip_kinds(window):
    bar = window.suggestion_bar
    return dict(zip(bar.words_by_position(), bar.kinds_by_position(), strict=True))


def test_a_correction_chip_looks_like_one_and_alt_1_replaces_the_mistyped_word(window, qtbot):
    type_and_wait(qtbot, window, "how are yuo")
    bar = window.suggestion_bar
    assert bar.words_by_position()[1] == "you" and bar.kinds_by_position()[1] == "correction"
    assert bar.chips[1].accessibleName() == "correction: you"
    assert bar.words_by_position()[0] == "yuo" and bar.kinds_by_position()[0] == "typed"  # kept one key away
    assert bar.chips[0].accessibleName() == "keep as typed: yuo"
    assert bar.keys_by_position() == [3, 1, 2]  # the best guess is Alt+1; the word as typed comes after the words
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    assert window.editor.toPlainText() == "how are you "


def test_a_correction_chip_is_taken_with_a_click_and_the_typed_word_with_its_own_chip(window, qtbot):
    type_and_wait(qtbot, window, "I love thier")
    assert chip_kinds(window).get("their") == "correction"
    qtbot.mouseClick(window.suggestion_bar.chips[window.suggestion_bar.words_by_position().index("their")],
                     Qt.MouseButton.LeftButton)
    assert window.editor.toPlainText() == "I love their "
    type_and_wait(qtbot, window, "hoose")
    assert chip_kinds(window).get("hoose") == "typed"
    assert window.suggestion_bar.keys_by_position()[0] == 3
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
    assert window.editor.toPlainText() == "I love their hoose "  # kept as typed: not corrected after all


def test_ordinary_words_show_no_correction_and_no_typed_chip(window, qtbot):
    type_and_wait(qtbot, window, "how are yo")
    assert set(window.suggestion_bar.kinds_by_position()) == {"word"} and "you" in chips(window)


def test_autocorrect_on_space_and_one_backspace_puts_back_the_word_for_good(window, qtbot):
    use(window, corrections="autocorrect")
    type_and_wait(qtbot, window, "see you tomorow")
    finish_word(qtbot, window, " ", "see you tomorrow ")
    qtbot.keyClick(window.editor, Qt.Key.Key_Backspace)
    assert window.editor.toPlainText() == "see you tomorow "  # the word as typed, and the space
    assert window.editor.textCursor().position() == len("see you tomorow ")
    dialog = window.show_learned_words()  # the spelling is the person's now, listed where it can be removed
    qtbot.waitUntil(lambda: dialog.spellings.count() == 1, timeout=5000)
    assert dialog.spellings.item(0).text() == "tomorow"
    type_and_wait(qtbot, window, "then tomorow")
    qtbot.keyClicks(window.editor, ".")
    time.sleep(0.3)
    qtbot.wait(100)
    assert window.editor.toPlainText() == "see you tomorow then tomorow."  # never corrected again
    dialog.spellings.item(0).setSelected(True)
    dialog.remove_spelling_button.click()
    qtbot.waitUntil(lambda: dialog.spellings.count() == 0, timeout=5000)
    type_and_wait(qtbot, window, " and tomorow")
    finish_word(qtbot, window, ",", "see you tomorow then tomorow. and tomorrow,")  # corrected again once removed


def test_ctrl_z_right_after_an_autocorrection_is_one_step(window, qtbot):
    use(window, corrections="autocorrect")
    type_and_wait(qtbot, window, "I think teh")
    finish_word(qtbot, window, " ", "I think the ")
    qtbot.keyClick(window.editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.editor.toPlainText() == "I think teh "
    window.editor.undo()  # the next undo undoes the typing, as usual
    assert window.editor.toPlainText() != "I think teh "


def test_autocorrect_leaves_names_digits_and_addresses_alone_and_typing_on_keeps_it(window, qtbot):
    use(window, corrections="autocorrect")
    for text in ("I met Tomorow", "at abc123", "on www.gogle", "or bob@gmial"):
        type_and_wait(qtbot, window, text)
        qtbot.keyClicks(window.editor, " ")
        qtbot.wait(150)
    assert window.editor.toPlainText() == "I met Tomorow at abc123 on www.gogle or bob@gmial "
    type_and_wait(qtbot, window, "becuase")
    finish_word(qtbot, window, ".", "I met Tomorow at abc123 on www.gogle or bob@gmial because.")
    type_and_wait(qtbot, window, " Ok")  # typing on keeps it: a Backspace now deletes a letter
    qtbot.keyClick(window.editor, Qt.Key.Key_Backspace)
    assert window.editor.toPlainText().endswith("because. O")


def test_suggest_only_never_replaces_and_off_offers_no_corrections(window, qtbot):
    use(window, corrections="suggest")
    type_and_wait(qtbot, window, "see you tomorow")
    assert chip_kinds(window).get("tomorrow") == "correction"
    qtbot.keyClicks(window.editor, " ")
    qtbot.wait(300)
    assert window.editor.toPlainText() == "see you tomorow "
    use(window, corrections="off")
    type_and_wait(qtbot, window, "how are yuo")
    assert set(window.suggestion_bar.kinds_by_position()) <= {"word"} and "you" not in chips(window)


def test_the_preferences_dialog_offers_the_three_correction_modes_and_spell_check(window):
    from desktop.core.settings import CORRECTION_MODES
    from desktop.gui.preferences import CORRECTION_CHOICES, PreferencesDialog

    assert set(CORRECTION_CHOICES) == set(CORRECTION_MODES)
    dialog = PreferencesDialog(window.preferences, window)
    dialog.corrections.setCurrentIndex(CORRECTION_MODES.index("suggest"))
    dialog.spell_check.setChecked(False)
    chosen = dialog.result_preferences()
    assert chosen.corrections == "suggest" and chosen.spell_check is False


def underlined_words(window):
    return [word for _, word in window.spellcheck.underlined()]


def test_spell_check_underlines_a_misspelling_and_add_to_dictionary_takes_it_away(window, qtbot):
    use(window, corrections="suggest", spell_check=True)
    type_and_wait(qtbot, window, "I recieve letters from Ljubljana about a quibble ")
    qtbot.waitUntil(lambda: underlined_words(window) == ["recieve"], timeout=5000)
    editor = window.editor
    rect = editor.cursorRect(_cursor_at(editor, 3))
    menu = window.spellcheck.menu_at(rect.center())
    qtbot.waitUntil(lambda: menu.actions()[0].text() == "receive", timeout=5000)  # the likeliest word, first
    texts = [action.text() for action in menu.actions()]
    assert "Add \u201crecieve\u201d to Dictionary" in texts and "Ignore \u201crecieve\u201d" in texts
    next(action for action in menu.actions() if action.text().startswith("Add")).trigger()
    menu.close()
    assert underlined_words(window) == []
    type_and_wait(qtbot, window, "and teh ")  # checked again: the new misspelling only
    qtbot.waitUntil(lambda: underlined_words(window) == ["teh"], timeout=5000)


def test_a_correction_from_the_menu_replaces_the_word_and_ignore_or_turning_off_hides_underlines(window, qtbot):
    use(window, corrections="suggest", spell_check=True)
    type_and_wait(qtbot, window, "thier house and teh garden ")
    qtbot.waitUntil(lambda: underlined_words(window) == ["thier", "teh"], timeout=5000)
    menu = window.spellcheck.menu_at(window.editor.cursorRect(_cursor_at(window.editor, 2)).center())
    qtbot.waitUntil(lambda: menu.actions()[0].text() == "their", timeout=5000)
    menu.actions()[0].trigger()
    menu.close()
    assert window.editor.toPlainText() == "their house and teh garden "
    window.spellcheck.ignore("teh")
    assert underlined_words(window) == []
    type_and_wait(qtbot, window, "and becuase ")
    qtbot.waitUntil(lambda: underlined_words(window) == ["becuase"], timeout=5000)
    use(window, spell_check=False)
    assert underlined_words(window) == []


def test_spell_check_reads_only_the_visible_part_of_a_big_document(window, qtbot):
    use(window, spell_check=True)
    line = "the quick brown fox jumsp over the lazy dog and then we talk about it later\n"
    window.editor.setPlainText(line * 70_000)  # 5 MB
    with qtbot.waitSignal(window.spellcheck.check_wanted, timeout=5000) as asked:
        pass
    assert len(asked.args[0].text) <= MAX_CHECKED + 100 and asked.args[0].start == 0
    qtbot.waitUntil(lambda: len(underlined_words(window)) > 0, timeout=5000)
    assert set(underlined_words(window)) == {"jumsp"}
    started = time.perf_counter()
    window.spellcheck._ask()  # what the GUI thread spends on one check: reading the visible text
    assert time.perf_counter() - started < 0.05


def test_the_log_counts_corrections_taken_and_autocorrections_kept_and_put_back(window, qtbot, tmp_path):
    from desktop.gui.analytics import AnalyticsWindow
    from desktop.log.events import LOG_FILE
    from desktop.log.log_schema import open_database
    from desktop.log.stats import as_table, compute_stats

    use(window, corrections="autocorrect")
    type_and_wait(qtbot, window, "how are yuo")
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)  # a correction chip taken
    type_and_wait(qtbot, window, "doing teh")
    finish_word(qtbot, window, " ", "how are you doing the ")
    qtbot.keyClick(window.editor, Qt.Key.Key_Backspace)  # put back
    type_and_wait(qtbot, window, "bset")
    finish_word(qtbot, window, " ", "how are you doing teh best ")
    type_and_wait(qtbot, window, "x")  # kept: typing went on
    window.editor.document().setModified(False)
    window.close()
    rows = list(open_database(tmp_path / "home" / LOG_FILE)["suggestions"].rows)
    autocorrections = sorted(row["outcome"] for row in rows if row["kind"] == "autocorrect")
    assert autocorrections == ["accepted", "undone"]
    assert any(row["kind"] == "correction" and row["outcome"] == "accepted" for row in rows)
    assert all(row["accepted_text"] is None for row in rows)
    stats = compute_stats(rows, 40)
    assert stats["corrections"]["autocorrected"] == 2 and stats["corrections"]["undone"] == 1
    assert "words autocorrected 2, put back by you 1" in as_table(stats)
    assert stats["shown"] == sum(row["kind"] != "autocorrect" for row in rows)  # suggestions shown, not done
    analytics = AnalyticsWindow(tmp_path / "home" / LOG_FILE)
    qtbot.waitUntil(lambda: analytics.stats is not None, timeout=5000)
    assert "words autocorrected 2, put back by you 1 (kept 50%)" in analytics.summary.text()


def _cursor_at(editor, position):
    cursor = editor.textCursor()
    cursor.setPosition(position)
    return cursor

