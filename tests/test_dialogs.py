"""The editor's dialogs, used as a person does: from the keyboard alone, in plain words, destructive actions
asked about with Cancel as the default."""

import json
import shutil
import sys
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from dialog_helpers import press_in_next_dialog, tab_through  # noqa: E402
from PySide6.QtCore import Qt, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from engine.core import kept_text  # noqa: E402
from engine.core.model_store import ModelStore  # noqa: E402
from engine.core.paths import bundled_model_dir, user_data_dir  # noqa: E402


def learned(qtbot, window) -> dict[str, float]:
    with qtbot.waitSignal(window.worker_thread.worker.learned_words_ready, timeout=10000) as answer:
        window.learned_words_requested.emit()
    return {item.word: item.count for item in answer.args[0]}


def store_a_version(model_id="v1"):
    folder = user_data_dir() / "models" / model_id
    shutil.copytree(bundled_model_dir(), folder)
    (folder / "finetune.json").write_text(json.dumps({"created": "2026-11-28T10:00:00+00:00",
                                                      "sources": ["/home/me/letters.md"]}), encoding="utf-8")
    return folder


def everything_kept(qtbot, window):
    """A model learned from the person's writing in use, a word learned, a sentence kept."""
    store_a_version()
    ModelStore().use("v1")
    window.load_model()
    qtbot.waitUntil(lambda: window.model_label.text() == "Model: v1 (learned from your writing)", timeout=10000)
    qtbot.keyClicks(window.editor, "Zorblax is here.")
    kept_text.keep("Zorblax is kept.")
    assert "zorblax" in learned(qtbot, window)


# Destructive confirmations: Cancel is the default
def test_delete_my_data_lists_what_it_deletes_and_enter_deletes_nothing(window, qtbot):
    everything_kept(qtbot, window)
    seen = press_in_next_dialog(Qt.Key.Key_Return)
    window.delete_my_data()
    assert seen["default"].replace("&", "") == "Cancel"
    for what in ("acceptance log", "learned from your writing", "kept", "models"):
        assert what in seen["details"]
    assert "zorblax" in learned(qtbot, window) and kept_text.kept_text_path().exists()
    assert ModelStore().active().id == "v1"


def test_delete_my_data_deletes_the_log_the_learned_words_the_kept_text_and_the_models(window, qtbot, tmp_path):
    from desktop.log.events import LOG_FILE
    from desktop.log.log_schema import open_database

    everything_kept(qtbot, window)
    damaged_log = tmp_path / "home" / (LOG_FILE + ".damaged-20261201-101010")
    damaged_log.write_bytes(b"rows of an old log")
    window.delete_my_data(confirmed=True)
    qtbot.waitUntil(lambda: window.model_label.text() == "Model: bundled model", timeout=10000)
    assert learned(qtbot, window) == {}
    assert not kept_text.kept_text_path().exists() and not (user_data_dir() / "models").exists()
    assert not damaged_log.exists()
    assert ModelStore().active().id == "bundled"
    assert window.recorder.log.flush()
    assert open_database(tmp_path / "home" / LOG_FILE)["suggestions"].count == 0


def test_forget_everything_learned_asks_with_cancel_as_the_default(window, qtbot):
    qtbot.keyClicks(window.editor, "Zorblax is here.")
    dialog = window.show_learned_words()
    qtbot.waitUntil(lambda: dialog.table.rowCount() > 0, timeout=5000)
    seen = press_in_next_dialog(Qt.Key.Key_Return)
    dialog.forget_everything()
    assert seen["default"].replace("&", "") == "Cancel"
    assert "zorblax" in learned(qtbot, window)


def test_models_forget_all_asks_with_cancel_as_the_default(window, qtbot):
    store_a_version()
    dialog = window.show_models()
    qtbot.waitUntil(lambda: len(dialog.models) == 2, timeout=5000)
    seen = press_in_next_dialog(Qt.Key.Key_Escape)
    dialog.forget_all()
    assert seen["default"].replace("&", "") == "Cancel"
    seen = press_in_next_dialog(Qt.Key.Key_Return)
    dialog.forget_all()
    assert seen["default"].replace("&", "") == "Cancel"
    assert (user_data_dir() / "models" / "v1").exists()


# Keyboard alone
def test_tab_goes_through_every_preference_to_ok_and_cancel_even_from_the_blocked_words(window, qtbot):
    from PySide6.QtWidgets import QDialogButtonBox

    from desktop.gui.preferences import PreferencesDialog

    dialog = PreferencesDialog(window.preferences, window)
    qtbot.addWidget(dialog)
    dialog.confidence_auto.setChecked(False)  # the figure can be typed
    reached = tab_through(qtbot, dialog, dialog.chip_count)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    cancel = dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel)
    for control in (dialog.inline_enabled, dialog.min_confidence, dialog.confidence_auto, dialog.corrections,
                    dialog.spell_check, dialog.model_path, dialog.browse_button, dialog.provider,
                    dialog.learning_paused, dialog.keep_typed_text, dialog.store_accepted_words, dialog.blocked_words,
                    ok, cancel):
        assert any(control is widget or control.isAncestorOf(widget) for widget in reached), control
    assert reached.index(dialog.blocked_words) < reached.index(ok)
    assert dialog.blocked_words.toPlainText() == ""  # Tab typed no tab into it


# Preferences: a model that cannot run is refused with the reason
def ok_clicked(qtbot, dialog):
    from PySide6.QtWidgets import QDialogButtonBox

    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)


def test_a_folder_that_is_no_model_is_refused_in_preferences_with_the_reason(window, qtbot, tmp_path):
    from desktop.gui.preferences import PreferencesDialog

    dialog = PreferencesDialog(window.preferences, window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.model_path.setText(str(tmp_path))  # a folder, but no model in it
    ok_clicked(qtbot, dialog)
    qtbot.waitUntil(lambda: "cannot use this folder" in dialog.model_note.text(), timeout=5000)
    assert "not a model bundle" in dialog.model_note.text() and dialog.model_note.isVisible()
    assert "nextword export" not in dialog.model_note.text() and str(tmp_path) not in dialog.model_note.text()
    assert dialog.isVisible() and dialog.result() == 0  # refused: still open
    dialog.model_path.setText(str(bundled_model_dir()))
    qtbot.waitUntil(lambda: "A model Nextword can use" in dialog.model_note.text(), timeout=5000)
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        ok_clicked(qtbot, dialog)
    assert dialog.result_preferences().model_path == str(bundled_model_dir())


def test_the_model_folder_has_a_browse_button(window, qtbot, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from desktop.gui.preferences import PreferencesDialog

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args: str(bundled_model_dir()))
    dialog = PreferencesDialog(window.preferences, window)
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.browse_button, Qt.MouseButton.LeftButton)
    assert dialog.model_path.text() == str(bundled_model_dir())


def test_the_graphics_card_is_offered_only_where_onnxruntime_has_it(window, qtbot, monkeypatch):
    import onnxruntime

    from desktop.gui.preferences import PreferencesDialog

    monkeypatch.setattr(onnxruntime, "get_available_providers", lambda: ["CPUExecutionProvider"])
    window.preferences.provider = "cuda"
    dialog = PreferencesDialog(window.preferences, window)
    qtbot.addWidget(dialog)
    offered = [dialog.provider.itemData(index) for index in range(dialog.provider.count())]
    assert offered == ["auto", "cpu"] and dialog.result_preferences().provider == "auto"
    assert "runs on the processor" in dialog.provider_note.text()
    monkeypatch.setattr(onnxruntime, "get_available_providers",
                        lambda: ["CUDAExecutionProvider", "CPUExecutionProvider"])
    dialog = PreferencesDialog(window.preferences, window)
    qtbot.addWidget(dialog)
    assert dialog.provider.count() == 3 and dialog.result_preferences().provider == "cuda"
    assert dialog.provider_note.text() == ""


def test_a_model_that_fails_to_load_after_ok_puts_the_one_before_back_and_says_why(window, qtbot, monkeypatch,
                                                                                   tmp_path):
    from desktop.gui.preferences import PreferencesDialog

    qtbot.waitUntil(lambda: window.model_label.text() == "Model: bundled model", timeout=10000)
    broken = tmp_path / "broken"
    shutil.copytree(bundled_model_dir(), broken)
    manifest = json.loads((broken / "manifest.json").read_text())
    manifest.pop("checksums", None)  # a graph damaged after export: it passes the folder's check, not the load
    (broken / "manifest.json").write_text(json.dumps(manifest))
    (broken / manifest["default_model"]).write_bytes(b"not a graph")

    def chose_the_broken_folder(dialog):
        dialog.model_path.setText(str(broken))
        return 1

    shown = []
    monkeypatch.setattr(window, "show_message", lambda title, text: shown.append(text))
    monkeypatch.setattr(PreferencesDialog, "exec", chose_the_broken_folder)
    window.show_preferences()
    qtbot.waitUntil(lambda: shown != [], timeout=10000)
    assert "could not be loaded" in shown[0] and "used before is in use again" in shown[0]
    assert window.preferences.model_path == ""
    qtbot.waitUntil(lambda: window.model_label.text() == "Model: bundled model" and window.worker_thread.worker
                    .predictor is not None, timeout=10000)


def test_preferences_speak_of_grey_text_in_plain_words(window, qtbot):
    from PySide6.QtWidgets import QLabel

    from desktop.gui.preferences import PreferencesDialog

    window.preferences.inline_min_confidence = 0.237
    dialog = PreferencesDialog(window.preferences, window, tuned_confidence=None)
    qtbot.addWidget(dialog)
    words = " ".join([label.text() for label in dialog.findChildren(QLabel)] +
                     [dialog.confidence_auto.text(), dialog.min_confidence.text()])
    for jargon in ("confidence", "tuned", "too little logged", "0.2", "inline"):
        assert jargon not in words.lower()
    assert dialog.min_confidence.text() == "24% sure" and dialog.result_preferences().inline_min_confidence == 0.237


def test_learned_words_are_chosen_with_the_arrows_and_removed_with_delete(window, qtbot):
    from PySide6.QtTest import QTest

    qtbot.keyClicks(window.editor, "Zorblax met Quibble. Zorblax left.")
    learned(qtbot, window)
    dialog = window.show_learned_words()
    qtbot.waitUntil(lambda: dialog.table.rowCount() > 2, timeout=5000)
    reached = tab_through(qtbot, dialog, dialog.filter)
    for control in (dialog.table, dialog.forget_button, dialog.spellings):  # Remove: once a row is chosen
        assert control in reached, control
    dialog.table.clearSelection()
    dialog.filter.setFocus()
    QTest.keyClick(dialog.filter, Qt.Key.Key_Tab)
    assert dialog.selected_words() == ["zorblax"]  # the first row (the most used), chosen as Tab reaches it
    QTest.keyClick(dialog.table, Qt.Key.Key_Down)
    second = dialog.selected_words()
    assert len(second) == 1 and second != ["zorblax"]
    QTest.keyClick(dialog.table, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: second[0] not in [item.word for item in dialog.words], timeout=5000)
    assert second[0] not in learned(qtbot, window) and "zorblax" in learned(qtbot, window)


# Learn from My Writing
FAKE_FINETUNE = Path(__file__).with_name("fake_finetune.py")


@pytest.fixture
def writing(tmp_path, monkeypatch):
    """A file of the person's writing with a long name, and the fake fine-tune (tests/fake_finetune.py)."""
    from desktop.gui.learn_dialog import LearnDialog

    path = tmp_path / ("letters_to_my_sister_written_over_the_years_" * 3 + ".txt")
    path.write_text("Flimflam is a word I use.\nQuibblewick came to tea.\n" * 50, encoding="utf-8")
    monkeypatch.setattr(LearnDialog, "command", staticmethod(
        lambda paths: (sys.executable, [str(FAKE_FINETUNE), "installed", *paths])))
    return path


def test_the_learn_dialog_keeps_its_size_from_start_to_report(window, qtbot, writing):
    dialog = window.learn_from_writing()
    qtbot.waitExposed(dialog)
    size = dialog.size()
    dialog.add_paths([writing])
    with qtbot.waitSignal(dialog.report_ready, timeout=20000):
        dialog.start()
    qtbot.waitUntil(lambda: dialog.cache_result is not None, timeout=10000)
    dialog._on_line("progress 0.500 a message long enough to wrap onto a second line of the dialog, and then "
                    "onto a third one too, naming a file: " + "x" * 300)
    qtbot.wait(50)
    assert dialog.size() == size and dialog.report_table.isVisible()


def test_the_learn_dialog_remembers_its_list_and_a_path_is_removed_with_delete(open_window, qtbot, writing,
                                                                              tmp_path):
    from PySide6.QtTest import QTest

    other = tmp_path / "notes"
    other.mkdir()
    window = open_window()
    dialog = window.learn_from_writing()
    dialog.add_paths([writing, other])
    dialog.reject()  # closed: the next one is made afresh
    assert window.learn_dialog is None
    dialog = window.learn_from_writing()
    assert dialog.paths == [str(writing), str(other)]
    window.editor.document().setModified(False)
    window.close()
    window = open_window()  # a restart
    dialog = window.learn_from_writing()
    assert [dialog.path_list.item(row).text() for row in range(dialog.path_list.count())] == [str(writing),
                                                                                              str(other)]
    dialog.path_list.setFocus()
    dialog.path_list.setCurrentRow(1)
    assert dialog.remove_path_button.isEnabled()
    QTest.keyClick(dialog.path_list, Qt.Key.Key_Delete)
    assert dialog.paths == [str(writing)]
    dialog.path_list.setCurrentRow(0)
    qtbot.mouseClick(dialog.remove_path_button, Qt.MouseButton.LeftButton)
    assert dialog.paths == [] and dialog.path_list.count() == 0
    window.editor.document().setModified(False)
    window.close()
    assert open_window().learn_from_writing().paths == []


def test_the_learn_dialog_says_how_long_learning_will_take_in_plain_words(window, qtbot, writing, monkeypatch):
    from desktop.gui.learn_dialog import say_duration

    assert [say_duration(seconds) for seconds in (2, 38, 70, 130, 7200)] == [
        "a few seconds", "about 40 seconds", "about a minute", "about 2 minutes", "about 2 hours"]
    monkeypatch.setattr("desktop.gui.learn_dialog.LEARN_BYTES_PER_SECOND", 100)  # as slow as 3 KB taking half a minute
    dialog = window.learn_from_writing()
    dialog.add_paths([writing.parent])  # the folder: its text files counted
    qtbot.waitUntil(lambda: "cache learns" in dialog.estimate_label.text(), timeout=5000)
    size = writing.stat().st_size
    text = dialog.estimate_label.text()
    assert text.startswith(f"1 file, {size / 1024:.1f} KB: your personal cache learns the words in about ")
    assert say_duration(size / 100) in text


def test_the_fine_tunes_progress_and_report_are_in_plain_words(window, qtbot, writing):
    dialog = window.learn_from_writing()
    dialog._on_line("progress 0.300 step 40: held-out perplexity 82.1 (best 80.0)")
    assert dialog.message.text() == "Fine-tuning a model on your writing"
    dialog._on_line("progress 0.050 3 new words; fine-tuning on 12,345 tokens of your text")
    assert "token" not in dialog.message.text()
    dialog.add_paths([writing])
    with qtbot.waitSignal(dialog.report_ready, timeout=20000):
        dialog.start()
    shown = " ".join([dialog.report_table.item(row, 0).text() for row in range(4)] + [dialog.reason.text()])
    for jargon in ("KSR", "top-3", "held-out", "perplexity", "general text"):
        assert jargon not in shown


# Tools > Models
def test_the_models_dialog_speaks_plainly_and_a_model_is_chosen_and_used_from_the_keyboard(window, qtbot):
    from PySide6.QtWidgets import QPushButton

    qtbot.waitUntil(lambda: window.model_label.text() == "Model: bundled model", timeout=10000)
    store_a_version()
    dialog = window.show_models()
    qtbot.waitUntil(lambda: len(dialog.models) == 2, timeout=5000)
    headers = [dialog.table.horizontalHeaderItem(column).text() for column in range(dialog.table.columnCount())]
    for jargon in ("KSR", "held-out", "general text"):
        assert jargon not in " ".join(headers) + dialog.note.text()
    reached = tab_through(qtbot, dialog, dialog.table)
    assert dialog.forget_button in reached
    dialog.table.clearSelection()
    close = dialog.findChildren(QPushButton)[-1]
    close.setFocus()
    QTest.keyClick(close, Qt.Key.Key_Tab)  # round to the table: its first row chosen
    assert dialog.focusWidget() is dialog.table and dialog.selected_model().id == "bundled"
    QTest.keyClick(dialog.table, Qt.Key.Key_Down)
    assert dialog.selected_model().id == "v1"
    QTest.keyClick(dialog.table, Qt.Key.Key_Tab)
    assert dialog.focusWidget() is dialog.use_button
    with qtbot.waitSignal(dialog.changed, timeout=5000):
        QTest.keyClick(dialog.use_button, Qt.Key.Key_Space)
    assert ModelStore().active().id == "v1"


# The recovery question
def test_the_recovery_question_shows_the_first_lines_of_what_it_offers_back(qtbot):
    from PySide6.QtWidgets import QApplication, QDialogButtonBox, QPlainTextEdit

    from desktop.document import autosave_store, recovery, textfile

    text = "".join(f"line {number} of the plan\n" for number in range(1, 10)).encode()
    crashed = autosave_store.Autosave("one", "/notes/plan.txt", autosave_store.now(), 1, textfile.decode(text))
    seen = {}

    def look():
        box = QApplication.activeModalWidget()
        if box is None:
            QTimer.singleShot(10, look)
            return
        preview = box.findChild(QPlainTextEdit)
        buttons = box.findChild(QDialogButtonBox)
        if preview is not None:
            seen.update(text=preview.toPlainText(), read_only=preview.isReadOnly(), visible=preview.isVisible(),
                        above=preview.geometry().bottom() <= buttons.geometry().top())
        QTest.keyClick(box, Qt.Key.Key_Escape)

    QTimer.singleShot(0, look)
    assert recovery.ask(None, crashed, False) == recovery.LATER
    assert seen.get("text") == "line 1 of the plan\nline 2 of the plan\nline 3 of the plan\nline 4 of the plan\n" \
                           "line 5 of the plan\nline 6 of the plan\n…"
    assert seen["read_only"] and seen["visible"] and seen["above"]


def test_tab_reaches_every_control_of_the_learn_dialog(window, qtbot, writing):
    dialog = window.learn_from_writing()
    dialog.add_paths([writing])
    tab_through(qtbot, dialog, dialog.close_button, presses=1)
    assert dialog.focusWidget() is dialog.path_list  # Tab from Close comes round to the list...
    assert dialog.path_list.selectedItems()  # ...and chooses its first path, so Remove is in reach
    reached = tab_through(qtbot, dialog, dialog.path_list)
    for control in (dialog.add_files_button, dialog.add_folder_button, dialog.remove_path_button,
                    dialog.start_button, dialog.close_button):
        assert control in reached, control.text()


def test_off_the_record_chosen_in_preferences_shows_in_the_status_bar(window, qtbot, monkeypatch):
    # Verified, not changed: the paused state of learning is in sight while it lasts, however it was chosen.
    from desktop.gui.preferences import PreferencesDialog

    def paused(dialog):
        dialog.learning_paused.setChecked(True)
        return 1

    monkeypatch.setattr(PreferencesDialog, "exec", paused)
    window.show_preferences()
    assert window.off_record_label.isVisibleTo(window) and "Off the record" in window.off_record_label.text()


def test_delete_my_data_cancels_a_fine_tune_under_way_and_refreshes_learned_words(window, qtbot, writing,
                                                                                  monkeypatch):
    from desktop.gui.learn_dialog import LearnDialog

    monkeypatch.setattr(LearnDialog, "command", staticmethod(
        lambda paths: (sys.executable, [str(FAKE_FINETUNE), "slow", *paths])))
    qtbot.keyClicks(window.editor, "Zorblax is here.")
    words = window.show_learned_words()
    qtbot.waitUntil(lambda: words.table.rowCount() > 0, timeout=5000)
    dialog = window.learn_from_writing()
    dialog.add_paths([writing])
    dialog.start()
    qtbot.waitUntil(lambda: dialog.progress.value() == 420, timeout=20000)
    window.delete_my_data(confirmed=True)
    qtbot.waitUntil(lambda: not dialog.running, timeout=10000)
    assert dialog.message.text() == "Cancelled: the model in use stays."
    qtbot.waitUntil(lambda: words.table.rowCount() == 0, timeout=10000)
