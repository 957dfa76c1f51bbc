"""The editor as a person uses it, offscreen, with the real bundled model running on the worker thread.
The `window` and `open_window` fixtures are in conftest.py (the learning tests use them too)."""

import pytest

pytest.importorskip("pytestqt")

from desktop_helpers import chips, type_and_wait  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402

from desktop.core.context import ANCHOR_SPACING, CONTEXT_CHARACTERS  # noqa: E402
from engine.runtime.model_opening import open_bundle


@pytest.mark.bundled_model
def test_typing_how_are_yo_shows_you_among_the_chips(window, qtbot):
    type_and_wait(qtbot, window, "how are yo")
    assert "you" in chips(window)
    assert window.provider_label.text() == "LSTM on CPU" and window.latency_label.text().startswith("suggested in ")


@pytest.mark.bundled_model
def test_the_status_bar_labels_stay_put_while_the_latency_figure_changes(window, qtbot):
    type_and_wait(qtbot, window, "how are yo")
    qtbot.wait(100)  # the last result shown
    positions = []
    for figure in ("suggested in 0.8 ms", "suggested in 123.4 ms", "suggested in 5.1 ms"):
        window.latency_label.setText(figure)
        qtbot.wait(30)  # the status bar lays its labels out again
        positions.append((window.model_label.x(), window.provider_label.x()))
    assert positions[0] == positions[1] == positions[2]


@pytest.mark.bundled_model
def test_the_best_word_is_in_the_centre_chip(window, qtbot):
    type_and_wait(qtbot, window, "how are ")
    assert window.suggestion_bar.words_by_position()[1] == window.last_result.words[0] == "you"


@pytest.mark.bundled_model
def test_clicking_a_chip_completes_the_partial_word(window, qtbot):
    type_and_wait(qtbot, window, "how are yo")
    chip = next(c for c in window.suggestion_bar.chips if c.text() == "you")
    qtbot.mouseClick(chip, Qt.MouseButton.LeftButton)
    assert window.editor.toPlainText() == "how are you "


@pytest.mark.bundled_model
def test_alt_1_adds_the_best_next_word_and_punctuation_takes_the_space(window, qtbot):
    type_and_wait(qtbot, window, "how are ")
    qtbot.keyClick(window.editor, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    assert window.editor.toPlainText() == "how are you "
    qtbot.keyClicks(window.editor, "?")
    assert window.editor.toPlainText() == "how are you?"


def test_a_word_after_punctuation_gets_its_space(window, qtbot):
    type_and_wait(qtbot, window, "hello,")
    window.editor.insert_word("how")
    assert window.editor.toPlainText() == "hello, how "


@pytest.mark.bundled_model
def test_one_undo_removes_one_accepted_suggestion(window, qtbot):
    type_and_wait(qtbot, window, "how are ")
    window.suggestion_bar.accept_key(1)
    assert window.editor.toPlainText() == "how are you "
    window.editor.undo()
    assert window.editor.toPlainText() == "how are "


@pytest.mark.bundled_model
def test_tab_accepts_the_ghost_text_and_it_never_enters_the_document_before(window, qtbot):
    type_and_wait(qtbot, window, "how are yo")
    qtbot.waitUntil(window.editor.ghost_showing, timeout=5000)
    ghost = window.editor.ghost_text
    assert ghost and window.editor.toPlainText() == "how are yo"
    qtbot.keyClick(window.editor, Qt.Key.Key_Tab)
    assert window.editor.toPlainText() == "how are yo" + ghost + " "  # with its space, as a chip's word
    window.editor.undo()
    assert window.editor.toPlainText() == "how are yo"


@pytest.mark.bundled_model
def test_ctrl_right_takes_one_word_of_the_ghost_text_only_when_it_shows(window, qtbot):
    type_and_wait(qtbot, window, "how are yo")
    qtbot.waitUntil(window.editor.ghost_showing, timeout=5000)
    rest = window.editor.ghost_text.split(" ", 1)[1]
    qtbot.keyClick(window.editor, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    assert window.editor.toPlainText() == "how are you " and window.editor.ghost_text == rest  # "doing", still grey
    window.editor.clear_ghost()
    cursor = window.editor.textCursor()
    cursor.setPosition(0)
    window.editor.setTextCursor(cursor)
    qtbot.keyClick(window.editor, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)  # its usual meaning
    assert window.editor.textCursor().position() > 0 and window.editor.toPlainText() == "how are you "


@pytest.mark.bundled_model
def test_esc_dismisses_the_ghost_text_until_the_next_word(window, qtbot):
    # "doing" after "how are you " is 0.23 to 0.26 likely, by the CPU's int8 arithmetic: below the default.
    window.preferences.inline_min_confidence = 0.15
    type_and_wait(qtbot, window, "how are yo")
    qtbot.waitUntil(window.editor.ghost_showing, timeout=5000)
    qtbot.keyClick(window.editor, Qt.Key.Key_Escape)
    assert not window.editor.ghost_showing()
    type_and_wait(qtbot, window, "u")
    assert not window.editor.ghost_showing()  # still the same word
    type_and_wait(qtbot, window, " ")
    qtbot.waitUntil(window.editor.ghost_showing, timeout=5000)  # a new word: ghost text again


def test_moving_the_cursor_suggests_for_that_position(window, qtbot):
    window.editor.setPlainText("I don't know what you mean")
    cursor = window.editor.textCursor()
    cursor.setPosition(len("I don't know what "))
    window.editor.setTextCursor(cursor)
    expected = [s.word for s in open_bundle().suggest("I don't know what ", 3)]
    qtbot.waitUntil(lambda: window.last_result is not None and window.last_result.words == expected, timeout=5000)


@pytest.mark.bundled_model
def test_never_suggest_this_word_keeps_it_off_the_chips(window, qtbot):
    type_and_wait(qtbot, window, "how are yo")
    window.suggestion_bar.block_requested.emit("you")
    assert "you" in window.preferences.blocked_words
    type_and_wait(qtbot, window, "u")
    window.editor.textCursor().deletePreviousChar()
    type_and_wait(qtbot, window, "")
    qtbot.waitUntil(lambda: "you" not in window.last_result.words, timeout=5000)


def test_an_unloadable_model_leaves_a_plain_editor_with_the_reason(open_window, qtbot, tmp_path):
    window = open_window("--model", str(tmp_path / "missing-bundle"))
    qtbot.waitUntil(lambda: bool(window.model_error), timeout=10000)
    assert "model bundle not found" in window.statusBar().currentMessage()
    qtbot.keyClicks(window.editor, "still a plain editor")
    assert window.editor.toPlainText() == "still a plain editor" and chips(window) == []


def test_a_result_for_other_text_than_the_editors_is_dropped(window, qtbot):
    from dataclasses import replace

    type_and_wait(qtbot, window, "how are ")
    shown = window.suggestion_bar.words_by_position()
    # The newest request's id, but computed for text the editor no longer has.
    stale = replace(window.last_result, left_text="something else ", words=["stale", "old", "words"])
    window._on_suggestions_ready(stale)
    assert window.suggestion_bar.words_by_position() == shown and window.last_result is not stale


def test_a_failed_model_switch_clears_the_old_chips_and_grey_text(window, qtbot, tmp_path):
    type_and_wait(qtbot, window, "how are yo")
    qtbot.waitUntil(window.editor.ghost_showing, timeout=5000)
    assert chips(window)
    window.preferences.model_path = str(tmp_path / "missing-bundle")
    window.load_model()
    qtbot.waitUntil(lambda: bool(window.model_error), timeout=10000)
    assert chips(window) == [] and not window.editor.ghost_showing() and window.last_result is None


@pytest.mark.bundled_model
def test_a_large_paste_sends_only_the_end_of_the_paragraph_to_the_model(window, qtbot):
    window.editor.insertPlainText("lorem ipsum dolor sit amet " * 200_000 + "how are ")  # a 5 MB paste
    left = window.editor.left_text()
    assert CONTEXT_CHARACTERS - ANCHOR_SPACING - 10 < len(left) <= CONTEXT_CHARACTERS
    assert left.endswith("sit amet how are ")
    qtbot.waitUntil(lambda: window.last_result is not None and "you" in window.last_result.words, timeout=10000)
    type_and_wait(qtbot, window, "yo")  # typing goes on, suggestions follow
    assert "you" in chips(window)


@pytest.mark.bundled_model
def test_emoji_right_to_left_and_combining_marks_do_not_break_suggestions(window, qtbot):
    window.editor.setPlainText("שלום 😀 cafe\u0301 ")
    window.editor.moveCursor(window.editor.textCursor().MoveOperation.End)
    type_and_wait(qtbot, window, "how are yo")
    assert "you" in chips(window)


def test_preferences_persist_between_windows(open_window, tmp_path):
    first = open_window()
    first.change_font_size(3)
    first.preferences.chip_count = 5
    first.preferences.save(first.settings)
    second = open_window()
    assert second.preferences.font_size == first.preferences.font_size and len(second.suggestion_bar.chips) == 5


@pytest.mark.bundled_model
def test_bigger_text_keeps_the_chips_words(window, qtbot):
    type_and_wait(qtbot, window, "how are yo")
    shown = chips(window)
    window.change_font_size(2)  # View > Bigger Text mid-word: the words stay until the next keystroke
    assert "you" in shown and chips(window) == shown


def test_more_chips_chosen_in_preferences_fill_without_a_keystroke(window, qtbot, monkeypatch):
    from desktop.gui.preferences import PreferencesDialog

    def choose_five(dialog):
        dialog.chip_count.setValue(5)
        return True

    type_and_wait(qtbot, window, "how are ")
    assert len(chips(window)) == 3
    monkeypatch.setattr(PreferencesDialog, "exec", choose_five)
    window.show_preferences()
    qtbot.waitUntil(lambda: len(chips(window)) == 5, timeout=5000)  # the words are asked for again at once


def test_closing_with_unsaved_changes_asks_first(window, qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    window.editor.insertPlainText("not saved yet")
    monkeypatch.setattr(QMessageBox, "question", lambda *args: QMessageBox.StandardButton.Cancel)
    assert not window.close() and window.isVisible() and window.editor.toPlainText() == "not saved yet"


def lightness_of_painted_pixels(before, after) -> list[int]:
    """The lightness (0 black .. 255 white) of every pixel that differs between two images."""
    return [after.pixelColor(x, y).lightness() for x in range(after.width()) for y in range(after.height())
            if after.pixelColor(x, y) != before.pixelColor(x, y)]


@pytest.mark.bundled_model
def test_screenshot_shows_three_chips_with_words_and_the_ghost_text_in_grey(window, qtbot, tmp_path):
    from PySide6.QtCore import QRect

    type_and_wait(qtbot, window, "how are yo")
    qtbot.waitUntil(window.editor.ghost_showing, timeout=5000)
    path = tmp_path / "editor.png"
    assert window.grab().save(str(path))
    assert [chip.text() != "" and chip.isVisible() for chip in window.suggestion_bar.chips] == [True] * 3
    editor, cursor = window.editor, window.editor.cursorRect()
    after_cursor = QRect(cursor.right() + 1, cursor.top(), 120, cursor.height())
    typed = QRect(0, cursor.top(), cursor.left(), cursor.height())
    with_ghost = editor.viewport().grab(after_cursor).toImage()
    with_typing = editor.viewport().grab(typed).toImage()
    editor.clear_ghost()
    ghost = lightness_of_painted_pixels(editor.viewport().grab(after_cursor).toImage(), with_ghost)
    editor.selectAll()
    editor.textCursor().removeSelectedText()
    text = lightness_of_painted_pixels(editor.viewport().grab(typed).toImage(), with_typing)
    # Grey: painted, but never as dark as the typed text, and never as light as the background.
    assert len(ghost) > 20 and len(text) > 20
    assert min(text) < 60 and 90 < min(ghost) < 220


def test_qt_calls_do_not_take_references_from_none(qtbot):
    # The editor makes Qt calls on every keystroke. PySide6 6.12.0 under Python 3.11 decremented None's
    # reference count on each call that returns nothing, and the app aborted after a few thousand keys.
    import sys

    from desktop.gui.editor import SuggestingEditor

    editor = SuggestingEditor()
    qtbot.addWidget(editor)
    before = sys.getrefcount(None)
    for _ in range(5000):
        editor.clear_ghost()
        editor.viewport().update()
        qtbot.keyClicks(editor, "a")
    assert sys.getrefcount(None) > before - 500


@pytest.mark.bundled_model
def test_preferences_dialog_changes_chips_inline_text_and_blocked_words(window, qtbot):
    from desktop.gui.preferences import PreferencesDialog

    dialog = PreferencesDialog(window.preferences, window)
    dialog.chip_count.setValue(5)
    dialog.inline_enabled.setChecked(False)
    dialog.blocked_words.setPlainText("You\n\nyou\nheck")
    chosen = dialog.result_preferences()
    assert chosen.chip_count == 5 and not chosen.inline_enabled and chosen.blocked_words == ["you", "heck"]
    window.preferences = chosen
    window._apply_preferences()
    window.blocked_words_changed.emit(chosen.blocked_words)
    assert len(window.suggestion_bar.chips) == 5
    type_and_wait(qtbot, window, "how are yo")
    assert "you" not in chips(window) and not window.editor.ghost_showing() and len(chips(window)) == 5


@pytest.mark.bundled_model
def test_a_typing_session_logs_what_was_shown_and_what_became_of_it(window, qtbot, tmp_path):
    from desktop.log.events import LOG_FILE
    from desktop.log.log_schema import open_database

    type_and_wait(qtbot, window, "how are yo")
    qtbot.waitUntil(window.editor.ghost_showing, timeout=5000)
    qtbot.keyClick(window.editor, Qt.Key.Key_Escape)  # the grey text dismissed
    window.suggestion_bar.chip_clicked.emit("you")  # a chip taken: "yo" -> "you "
    for letter in "doing ":  # a word typed out although a chip offered it all along
        type_and_wait(qtbot, window, letter)
    typed = len("how are yo") + len("doing") + 1
    window.editor.document().setModified(False)
    window.close()
    path = tmp_path / "home" / LOG_FILE
    db = open_database(path)
    rows = list(db["suggestions"].rows)
    outcomes = {(row["kind"], row["outcome"]) for row in rows}
    assert {("chip", "accepted"), ("chip", "typed_through"), ("inline", "dismissed"), ("chip", "ignored")} <= outcomes
    accepted = [row for row in rows if row["outcome"] == "accepted"]
    assert [row["keystrokes_saved"] for row in accepted] == [1] and accepted[0]["typed_chars"] <= 2
    assert all(row["accepted_text"] is None for row in rows)
    session = next(db["sessions"].rows)
    assert session["characters_typed"] == typed and session["provider"] == "CPUExecutionProvider"
    assert "model.int8.onnx, exported 2026-" in session["model"]
    stored = b"".join(part.read_bytes() for part in path.parent.glob(LOG_FILE + "*"))
    assert not any(word in stored for word in (b"doing", b"how are", b"you"))


@pytest.mark.bundled_model
def test_delete_my_data_empties_the_log_and_logging_goes_on(window, qtbot, tmp_path):
    from desktop.log.events import LOG_FILE
    from desktop.log.log_schema import open_database

    type_and_wait(qtbot, window, "how are yo")
    window.suggestion_bar.chip_clicked.emit("you")
    type_and_wait(qtbot, window, "d")
    window.delete_my_data(confirmed=True)
    window.recorder.log.flush()
    db = open_database(tmp_path / "home" / LOG_FILE)
    assert db["suggestions"].count == 0 and db["sessions"].count == 1  # a fresh session, nothing from before
    type_and_wait(qtbot, window, "o")
    window.suggestion_bar.chip_clicked.emit(window.last_result.words[0])
    window.recorder.log.flush()
    assert db["suggestions"].count > 0


def test_the_analytics_window_charts_the_log_and_saves_a_png(window, qtbot, tmp_path):
    from test_events import fixture_log

    from desktop.gui.analytics import AnalyticsWindow

    fixture_log(tmp_path / "fixture.db").close()
    analytics = AnalyticsWindow(tmp_path / "fixture.db")
    analytics.resize(700, 520)
    analytics.show()
    qtbot.waitUntil(lambda: analytics.stats is not None, timeout=5000)
    assert "5 suggestions shown, 2 accepted (40%)" in analytics.summary.text()
    assert analytics.by_rank.points == [("1", 0.5), ("2", 0.0)]  # best chip: taken once of twice
    assert [label for label, _ in analytics.over_time.points] == ["11-20", "11-21"]
    assert analytics.save_png(tmp_path / "charts.png") and (tmp_path / "charts.png").stat().st_size > 5000
    missing = AnalyticsWindow(tmp_path / "none.db")
    with qtbot.waitSignal(missing.loaded, timeout=5000):
        pass
    assert missing.summary.text().startswith("No analytics yet")
    assert window.show_analytics() is not None  # from the Tools menu, on the live log


def test_the_inline_confidence_tunes_itself_from_the_log_unless_fixed_by_hand(open_window, qtbot, tmp_path):
    import random

    from test_events import synthetic_inline_log

    from desktop.log.events import LOG_FILE, EventLog, LoggedSuggestion

    log = EventLog(tmp_path / "home" / LOG_FILE)
    log.start_session("bundled model", "CPUExecutionProvider")
    for row in synthetic_inline_log(random.Random(1)):  # the known optimum: 0.4
        log.record(LoggedSuggestion("inline", 0, 2, 1.0, 0, row["probability"], "accepted" if row["keystrokes_saved"]
                              else "ignored", row["keystrokes_saved"]))
    log.close()
    window = open_window()
    qtbot.waitUntil(lambda: window.tuned_confidence is not None, timeout=10000)
    assert window.preferences.inline_min_confidence == pytest.approx(0.4)
    window.preferences.inline_confidence_auto = False
    window.preferences.inline_min_confidence = 0.6
    window.preferences.save(window.settings)
    window.editor.document().setModified(False)
    window.close()
    fixed = open_window()
    qtbot.waitUntil(lambda: fixed.tuned_confidence is not None, timeout=10000)
    assert fixed.preferences.inline_min_confidence == pytest.approx(0.6) and fixed.tuned_confidence == 0.4


def test_the_first_keystroke_after_loading_costs_no_model_step(qtbot):
    """The worker makes the first suggestion while "loading model…" still shows, so the first real
    keystroke is as quick as any (and its latency in the status bar and the log is a keystroke's)."""
    from counting_stepper import CountingStepper

    from desktop.core.worker import PredictionWorker, Request

    worker = PredictionWorker()
    loaded, results = [], []
    worker.model_loaded.connect(lambda *args: loaded.append(args))
    worker.suggestions_ready.connect(results.append)
    worker.load("", "cpu")
    assert loaded, "the bundled model did not load"
    counted = CountingStepper(worker.predictor.backend)
    worker.predictor.backend = counted
    worker.predict(Request(1, "", 3, True, 0.25))
    assert counted.steps == 0 and results[0].words
    worker.predict(Request(2, "how are ", 3, True, 0.25))
    assert counted.steps > 0 and results[1].words  # counting works: a new context does step the model



def test_a_broken_tokenizer_install_ends_in_a_message_at_load_not_at_every_keystroke(qtbot, monkeypatch):
    from desktop.core.worker import PredictionWorker

    def broken():
        raise ImportError("cannot import name 'TweetTokenizer' from 'nltk.tokenize'")

    monkeypatch.setattr("engine.core.tokenizer._tweet_tokenizer", broken)
    worker = PredictionWorker()
    loaded, failed = [], []
    worker.model_loaded.connect(lambda *args: loaded.append(args))
    worker.model_failed.connect(failed.append)
    worker.load("", "cpu")
    assert not loaded and worker.predictor is None
    assert "could not be loaded (ImportError: cannot import name 'TweetTokenizer'" in failed[0]
    assert "reinstall Nextword" in failed[0]
