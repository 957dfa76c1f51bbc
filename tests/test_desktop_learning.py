"""The editor learning from the person's writing: finished sentences into the personal cache, the kept
text, Tools > Learned Words, Learn from My Writing (with a fake fine-tune process) and Models."""

import json
import os
import shutil
import stat
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from desktop_helpers import chips, type_and_wait  # noqa: E402
from dialog_helpers import answer_confirmations  # noqa: E402
from PySide6.QtCore import QProcess, Qt, QThread  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from desktop.gui.editor import SuggestingEditor  # noqa: E402
from desktop.gui.learn_dialog import LearnDialog  # noqa: E402
from engine.core.kept_text import kept_text_path  # noqa: E402
from engine.core.model_store import ModelStore  # noqa: E402
from engine.core.paths import bundled_model_dir, user_data_dir  # noqa: E402
from engine.runtime.personal_cache import PersonalCache, default_path  # noqa: E402

FAKE_FINETUNE = Path(__file__).with_name("fake_finetune.py")


def learned(qtbot, window) -> dict[str, float]:
    """What the worker's cache knows, asked as the dialog asks: after everything queued before it."""
    with qtbot.waitSignal(window.worker_thread.worker.learned_words_ready, timeout=10000) as answer:
        window.learned_words_requested.emit()
    return {item.word: item.count for item in answer.args[0]}


def type_line(qtbot, window, text):
    qtbot.keyClicks(window.editor, text)
    qtbot.keyClick(window.editor, Qt.Key.Key_Return)


def choose_preferences(window, monkeypatch, **checked):
    """Edit > Preferences with these boxes ticked (or not), then OK."""
    from desktop.gui.preferences import PreferencesDialog

    def ticked_and_accepted(dialog):
        for name, value in checked.items():
            getattr(dialog, name).setChecked(value)
        return 1

    monkeypatch.setattr(PreferencesDialog, "exec", ticked_and_accepted)
    window.show_preferences()


def fake_finetune(monkeypatch, mode):
    monkeypatch.setattr(LearnDialog, "command", staticmethod(lambda paths: (sys.executable,
                                                                            [str(FAKE_FINETUNE), mode, *paths])))


def model_requests(window) -> list:
    requests = []
    window.model_requested.connect(lambda *args: requests.append(args))
    return requests


# What the editor hands over
def test_each_finished_sentence_is_handed_over_once_and_never_the_word_being_typed(qtbot):
    editor = SuggestingEditor()
    qtbot.addWidget(editor)
    finished = []
    editor.sentence_finished.connect(finished.append)
    qtbot.keyClicks(editor, "Hello world. How are yo")
    assert finished == ["Hello world."]
    qtbot.keyClicks(editor, "u?")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # nothing new on that line
    qtbot.keyClicks(editor, "Fine thanks")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # Enter finishes a line without punctuation
    assert finished == ["Hello world.", "How are you?", "Fine thanks"]
    qtbot.keyClick(editor, Qt.Key.Key_Backspace)  # back onto the line, and Enter again: already handed over
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.keyClick(editor, Qt.Key.Key_Backspace)
    qtbot.keyClick(editor, Qt.Key.Key_Backspace)  # "thanks" -> "thank"
    qtbot.keyClicks(editor, "s!")
    assert finished == ["Hello world.", "How are you?", "Fine thanks", "thanks!"]  # the word whole, not "s!"
    qtbot.keyClicks(editor, "!!")
    assert len(finished) == 4


def test_accepted_suggestions_are_handed_over_with_the_sentence_typed_around_them(qtbot):
    editor = SuggestingEditor()
    qtbot.addWidget(editor)
    finished = []
    editor.sentence_finished.connect(finished.append)
    qtbot.keyClicks(editor, "See you tom")
    editor.insert_word("tomorrow")  # a chip
    editor.set_ghost("at noon", editor.textCursor().position())
    qtbot.keyClick(editor, Qt.Key.Key_Tab)  # the grey text
    qtbot.keyClicks(editor, "!")
    assert finished == ["See you tomorrow at noon!"]


def test_opened_and_pasted_text_is_not_handed_over_as_the_persons_typing(qtbot):
    editor = SuggestingEditor()
    qtbot.addWidget(editor)
    finished = []
    editor.sentence_finished.connect(finished.append)
    editor.setPlainText("A file someone opened\nwith two lines")
    editor.moveCursor(editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(editor, " and my ending.")
    QApplication.clipboard().setText(" Pasted words")
    qtbot.keyClick(editor, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor, ".")
    editor.undo()  # the "." and the paste; redone, they are not typing either
    editor.redo()
    qtbot.keyClicks(editor, "!")
    assert finished == ["and my ending."] and editor.toPlainText().endswith("ending. Pasted words.!")


# Into the personal cache
@pytest.mark.bundled_model
def test_a_finished_sentence_is_learned_and_a_new_word_typed_twice_is_offered_the_third_time(window, qtbot):
    qtbot.keyClicks(window.editor, "I met Zorblax at the station.")
    assert learned(qtbot, window)["zorblax"] == pytest.approx(1, abs=0.01)
    type_line(qtbot, window, " Then Zorblax said hello")
    words = learned(qtbot, window)
    assert words["zorblax"] == pytest.approx(2, abs=0.01) and "hello" in words
    type_and_wait(qtbot, window, "Later Zor")
    assert "Zorblax" in chips(window)
    assert "later" not in learned(qtbot, window)  # the sentence being typed is not learned yet


def test_pausing_learning_stores_nothing_in_the_cache_or_the_kept_text(window, qtbot, monkeypatch):
    choose_preferences(window, monkeypatch, learning_paused=True, keep_typed_text=True)
    type_line(qtbot, window, "Nothing of Zorblax is learned. Nor kept")
    window.sentence_to_learn.emit("Even when asked directly.", True)  # the worker keeps the pause too
    assert learned(qtbot, window) == {} and not kept_text_path().exists()
    choose_preferences(window, monkeypatch, learning_paused=False)
    qtbot.keyClicks(window.editor, "Now Zorblax is.")
    assert "zorblax" in learned(qtbot, window) and kept_text_path().read_text() == "Now Zorblax is.\n"


def test_off_the_record_is_one_key_away_shown_in_the_status_bar_and_learns_nothing(window, qtbot):
    from PySide6.QtGui import QKeySequence

    assert window.off_record_action.shortcut() == QKeySequence("Ctrl+Shift+P")
    assert not window.off_record_label.isVisibleTo(window)
    window.off_record_action.trigger()
    assert window.preferences.learning_paused and window.off_record_label.isVisibleTo(window)
    assert "Off the record" in window.off_record_label.text()
    type_line(qtbot, window, "Zorblax is a secret.")
    qtbot.keyClicks(window.editor, "Flimflam too")  # a sentence begun off the record, finished back on it
    assert learned(qtbot, window) == {}
    window.off_record_action.trigger()
    assert not window.off_record_label.isVisibleTo(window)
    qtbot.keyClicks(window.editor, " and more.")
    type_line(qtbot, window, " Zorblax is not.")
    words = learned(qtbot, window)
    assert "zorblax" in words and "flimflam" not in words and "more" in words  # only what was typed on the record


def test_an_open_editor_forgets_what_another_forgot_and_never_writes_it_back(window, qtbot):
    from PySide6.QtCore import QMetaObject

    from engine.models_cli import forget_everything

    type_line(qtbot, window, "Zorblax is here.")
    assert "zorblax" in learned(qtbot, window)
    QMetaObject.invokeMethod(window.worker_thread.worker, "save_personal_cache", Qt.ConnectionType.QueuedConnection)
    learned(qtbot, window)  # answered after the save queued before it
    forget_everything(ModelStore())  # `nextword models forget`, or Forget Everything in another editor
    deadline = time.monotonic() + 6
    while "zorblax" in learned(qtbot, window) and time.monotonic() < deadline:
        qtbot.wait(200)
    assert "zorblax" not in learned(qtbot, window)
    type_line(qtbot, window, "Flimflam came later.")
    window.worker_thread.stop()  # saves, as closing the editor does
    saved = {item.word for item in PersonalCache.load().learned_words()}
    assert "flimflam" in saved and "zorblax" not in saved


def test_the_typed_text_is_kept_only_with_the_opt_in(window, qtbot, monkeypatch):
    qtbot.keyClicks(window.editor, "Not kept by default.")
    assert "kept" in learned(qtbot, window) and not kept_text_path().exists()
    choose_preferences(window, monkeypatch, keep_typed_text=True)
    assert window.preferences.keep_typed_text
    qtbot.keyClicks(window.editor, " This one is kept")
    qtbot.keyClick(window.editor, Qt.Key.Key_Return)
    learned(qtbot, window)
    assert kept_text_path().read_text() == "This one is kept\n"
    assert stat.S_IMODE(kept_text_path().stat().st_mode) == 0o600


def test_the_cache_is_saved_off_the_gui_thread_and_loaded_again_by_the_next_window(open_window, qtbot, monkeypatch):
    saved_on = []
    original_save = PersonalCache.save

    def save(cache, *args):
        saved_on.append(threading.current_thread() is threading.main_thread())
        return original_save(cache, *args)

    monkeypatch.setattr(PersonalCache, "save", save)
    first = open_window()
    qtbot.keyClicks(first.editor, "Quibblewick came to tea.")
    learned(qtbot, first)
    first.editor.document().setModified(False)
    first.close()  # saved as the worker stops
    assert saved_on == [False] and "quibblewick" in PersonalCache.load().unigrams
    second = open_window()
    assert "quibblewick" in learned(qtbot, second)


def test_the_cache_is_saved_a_moment_after_the_last_change(open_window, qtbot, monkeypatch):
    monkeypatch.setattr("desktop.core.worker.SAVE_DELAY_MS", 100)
    window = open_window()
    qtbot.keyClicks(window.editor, "Quibblewick came to tea.")
    assert "quibblewick" in learned(qtbot, window)
    qtbot.waitUntil(lambda: default_path().exists(), timeout=5000)
    assert "quibblewick" in PersonalCache.load().unigrams


def test_a_damaged_cache_is_moved_aside_said_once_and_learning_starts_afresh(open_window, qtbot):
    default_path().parent.mkdir(parents=True, exist_ok=True)
    default_path().write_text("{not json", encoding="utf-8")
    window = open_window()
    qtbot.waitUntil(lambda: "moved to" in window.statusBar().currentMessage(), timeout=10000)
    aside = list(default_path().parent.glob("personal_cache.json.damaged-*"))
    assert len(aside) == 1 and aside[0].read_text() == "{not json" and str(aside[0]) in \
        window.statusBar().currentMessage()
    qtbot.keyClicks(window.editor, "Learning goes on.")
    assert "goes" in learned(qtbot, window)


# Tools > Learned Words
def test_learned_words_lists_removes_and_forgets_and_a_removed_word_is_not_learned_again(window, qtbot, monkeypatch):
    qtbot.keyClicks(window.editor, "Zorblax met Quibble. Zorblax left.")
    learned(qtbot, window)
    dialog = window.show_learned_words()
    qtbot.waitUntil(lambda: dialog.table.rowCount() > 0, timeout=5000)
    rows = [[dialog.table.item(row, column).text() for column in range(3)] for row in range(dialog.table.rowCount())]
    assert rows[0] == ["zorblax", "2", "new"] and ["met", "1", ""] in rows  # most used first; "new" to the model
    dialog.filter.setText("zor")
    assert dialog.table.rowCount() == 1
    dialog.table.selectRow(0)
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "zorblax" not in [item.word for item in dialog.words], timeout=5000)
    assert dialog.table.rowCount() == 0
    qtbot.keyClicks(window.editor, " Zorblax returned.")
    words = learned(qtbot, window)
    assert "zorblax" not in words and "returned" in words
    assert "zorblax" not in PersonalCache.load().unigrams  # saved at once
    answer_confirmations(monkeypatch, choose=True)
    dialog.filter.clear()
    qtbot.mouseClick(dialog.forget_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.words == [], timeout=5000)
    assert dialog.table.rowCount() == 0 and dialog.summary.text().startswith("Nothing learned yet")
    assert PersonalCache.load().learned_words() == []


def test_learned_words_says_when_off_the_record(window, qtbot, monkeypatch):
    choose_preferences(window, monkeypatch, learning_paused=True)
    dialog = window.show_learned_words()
    assert dialog.paused_note.isVisibleTo(dialog) and "Off the record" in dialog.paused_note.text()


# Tools > Learn from My Writing
@pytest.fixture
def notes(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("Dear Flimflam, the harvest was good.\nFlimflam replied at once.\n", encoding="utf-8")
    return path


def test_learn_from_my_writing_teaches_the_cache_shows_progress_and_loads_an_installed_model(
        window, qtbot, monkeypatch, notes):
    from engine.core.kept_text import keep

    fake_finetune(monkeypatch, "installed")
    keep("A sentence kept about Quibblewick.")
    requests = model_requests(window)
    dialog = window.learn_from_writing()
    assert "kept from your typing" in dialog.kept_note.text()
    dialog.add_paths([notes])
    with qtbot.waitSignal(dialog.report_ready, timeout=20000):
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    given = json.loads((user_data_dir() / "fake_finetune_args.json").read_text())
    assert given == [str(notes), str(kept_text_path())]
    assert dialog.progress.value() == dialog.progress.maximum() and dialog.message.text() == "Done."
    assert "skipped photo.jpg" in " ".join(dialog.messages)
    table = [[dialog.report_table.item(row, column).text() for column in range(3)]
             for row in range(dialog.report_table.rowCount())]
    assert table[0] == ["Keys saved, on your writing", "30.0%", "35.0%"]
    assert table[3] == ["Next word among 3 suggestions, on everyday text", "55.0%", "54.8%"]
    assert dialog.reason.text().startswith("Installed as v3: it predicts your writing better")
    assert requests == [("", window.preferences.provider)]  # the worker loads the active model
    qtbot.waitUntil(lambda: dialog.cache_result is not None, timeout=10000)
    assert dialog.cache_result.lines_learned == 3 and "3 lines from 2 files" in dialog.cache_label.text()
    words = learned(qtbot, window)
    assert "flimflam" in words and "quibblewick" in words
    qtbot.keyClicks(window.editor, "still typing")  # the editor was usable all along
    assert window.editor.toPlainText() == "still typing"


def test_a_fine_tune_that_is_not_better_keeps_the_model_and_a_refused_one_says_why(window, qtbot, monkeypatch, notes):
    requests = model_requests(window)
    dialog = window.learn_from_writing()
    dialog.add_paths([notes])
    fake_finetune(monkeypatch, "not-installed")
    with qtbot.waitSignal(dialog.report_ready, timeout=20000):
        dialog.start()
    assert dialog.reason.text().startswith("Not installed: it did not predict your writing better")
    fake_finetune(monkeypatch, "refused")
    dialog.start()
    qtbot.waitUntil(lambda: not dialog.running and "stopped" in dialog.message.text(), timeout=20000)
    assert "at least 300 are needed" in dialog.message.text() and requests == []


def test_cancel_ends_the_fine_tune_and_the_model_in_use_stays(window, qtbot, monkeypatch, notes):
    fake_finetune(monkeypatch, "slow")
    requests = model_requests(window)
    dialog = window.learn_from_writing()
    dialog.add_paths([notes])
    dialog.start()
    qtbot.waitUntil(lambda: dialog.progress.value() == 420, timeout=20000)
    assert dialog.message.text() == "Fine-tuning: epoch 1 of 3" and dialog.cancel_button.isVisible()
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.running, timeout=10000)
    assert dialog.process.exitCode() == 130 and dialog.message.text() == "Cancelled: the model in use stays."
    assert dialog.report is None and requests == [] and dialog.start_button.isEnabled()


def test_a_fine_tune_that_ignores_cancel_is_killed(window, qtbot, monkeypatch, notes):
    fake_finetune(monkeypatch, "ignore-term")
    monkeypatch.setattr(LearnDialog, "KILL_AFTER_MS", 200)
    dialog = window.learn_from_writing()
    dialog.add_paths([notes])
    dialog.start()
    qtbot.waitUntil(lambda: dialog.progress.value() == 420, timeout=20000)
    dialog.reject()  # Esc or the close button, while it runs: cancel
    assert dialog.isVisible()
    qtbot.waitUntil(lambda: not dialog.running, timeout=10000)
    assert dialog.process.exitStatus() == QProcess.ExitStatus.CrashExit
    assert dialog.message.text() == "Cancelled: the model in use stays."


def test_closing_the_window_cancels_a_fine_tune_under_way(window, qtbot, monkeypatch, notes):
    fake_finetune(monkeypatch, "slow")
    dialog = window.learn_from_writing()
    dialog.add_paths([notes])
    dialog.start()
    qtbot.waitUntil(lambda: dialog.progress.value() == 420, timeout=20000)
    window.close()
    assert dialog.process.state() == QProcess.ProcessState.NotRunning and dialog.process.exitCode() == 130


def test_without_torch_the_cache_still_learns_and_one_line_says_what_to_install(window, qtbot, monkeypatch, notes):
    monkeypatch.setattr("desktop.gui.learn_dialog.torch_available", lambda: False)
    dialog = window.learn_from_writing()
    dialog.add_paths([notes])
    dialog.start()
    assert dialog.process is None
    assert "pip install 'nextword[train]'" in dialog.message.text()
    assert "pip install 'nextword[train]'" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: dialog.cache_result is not None, timeout=10000)
    assert "flimflam" in learned(qtbot, window)


def test_files_are_read_off_the_prediction_thread_and_suggestions_come_meanwhile(window, qtbot, monkeypatch, notes):
    # Why: the worker read the files on its own thread, which also answers keystrokes: a 100 MB file held the
    # chips back 4.7 s.
    from engine.core import user_text

    read_on_prediction_thread, reading = [], threading.Event()
    real_read = user_text.read_user_text

    def slow_read(paths, *args, **kwargs):  # as long as a big file takes
        read_on_prediction_thread.append(QThread.currentThread() == window.worker_thread.thread)
        reading.set()
        time.sleep(2)
        return real_read(paths, *args, **kwargs)

    monkeypatch.setattr(user_text, "read_user_text", slow_read)
    type_and_wait(qtbot, window, "Hello ")  # the model has answered once
    with qtbot.waitSignal(window.worker_thread.worker.files_learned, timeout=20000):
        window.files_to_learn.emit([str(notes)])
        qtbot.waitUntil(reading.is_set, timeout=5000)
        started = time.perf_counter()
        type_and_wait(qtbot, window, "how are yo")
        waited = time.perf_counter() - started
    assert read_on_prediction_thread == [False] and waited < 1.0
    assert "flimflam" in learned(qtbot, window)


def test_files_being_read_when_everything_is_forgotten_are_not_learned(window, qtbot, monkeypatch, notes):
    from engine.core import user_text

    release, real_read = threading.Event(), user_text.read_user_text
    monkeypatch.setattr(user_text, "read_user_text", lambda *args: release.wait(10) and real_read(*args))
    window.files_to_learn.emit([str(notes)])
    window.learned_forget_requested.emit()
    release.set()
    with qtbot.waitSignal(window.worker_thread.worker.files_learned, timeout=10000) as done:
        pass
    assert done.args[0].files == [str(notes)] and done.args[0].lines_learned == 0
    assert "flimflam" not in learned(qtbot, window)


def test_a_line_that_cannot_be_learned_is_counted_and_the_dialog_ends_when_the_fine_tune_fails(
        window, qtbot, monkeypatch, notes):
    # Why: a line the tokenizer failed on (a long one) raised in the worker: the batch never ended, every later
    # one waited behind it, and the dialog said "learning…" until the editor was closed.
    original_observe = PersonalCache.observe

    def observe(cache, text, *args, **kwargs):
        if "replied" in text:
            raise TimeoutError("TweetTokenizer exceeded its 5.0s time limit")
        return original_observe(cache, text, *args, **kwargs)

    monkeypatch.setattr(PersonalCache, "observe", observe)
    fake_finetune(monkeypatch, "crash")
    dialog = window.learn_from_writing()
    dialog.add_paths([notes])
    dialog.start()
    qtbot.waitUntil(lambda: not dialog.running and dialog.cache_result is not None, timeout=20000)
    assert dialog.message.text() == ("The fine-tune stopped: RuntimeError: something nobody foresaw. "
                                     "The model in use stays.")
    assert dialog.start_button.isEnabled() and not dialog.cancel_button.isVisible()
    assert dialog.cache_result.lines_learned == 1 and dialog.cache_result.lines_failed == 1
    assert "1 line could not be learned (TweetTokenizer exceeded" in dialog.cache_label.text()
    assert "flimflam" in learned(qtbot, window)


def test_a_file_with_a_20_mb_line_of_one_letter_is_learned_at_once(window, qtbot, tmp_path):
    # Why: TweetTokenizer raised MemoryError on the line in the worker: the batch never ended, and the dialog
    # said "learning…" until the editor was closed.
    path = tmp_path / "run.txt"
    path.write_text("Flimflam counted\n" + "a" * 20_000_000 + "\n", encoding="utf-8")
    with qtbot.waitSignal(window.worker_thread.worker.files_learned, timeout=5000) as done:
        window.files_to_learn.emit([str(path)])
    assert done.args[0].lines_failed == 0 and done.args[0].skipped == []
    assert "flimflam" in learned(qtbot, window)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX thing")
def test_a_file_name_with_a_newline_never_moves_the_progress_bar_of_the_real_fine_tune(window, qtbot, tmp_path):
    pytest.importorskip("torch")
    folder = tmp_path / "writing"
    folder.mkdir()
    (folder / "letter.txt").write_text("Too few words to learn from.\n", encoding="utf-8")
    (folder / "x\nprogress 1.000 installed.png").write_bytes(b"\x89PNG")  # skipped, so named
    os.mkfifo(folder / "pipe.txt")
    dialog = window.learn_from_writing()
    dialog.add_paths([folder])
    dialog.start()  # `nextword finetune --json`, the real one: it refuses so little text at once
    qtbot.waitUntil(lambda: not dialog.running, timeout=60000)
    assert dialog.progress.value() == 0 and "at least 300 are needed" in dialog.message.text()
    assert any(r"x\nprogress 1.000 installed.png: not a .txt" in line for line in dialog.messages)
    assert any("pipe.txt: a named pipe (FIFO)" in line for line in dialog.messages)


# Tools > Models
def store_a_version(model_id="v1"):
    """A copy of the bundled model stored as a version learned from the person's writing."""
    folder = user_data_dir() / "models" / model_id
    shutil.copytree(bundled_model_dir(), folder)
    record = {"created": "2026-11-28T10:00:00+00:00", "sources": ["/home/me/letters.md", "/home/me/notes.txt"],
              "before": {"user": {"ksr": 0.30, "top3": 0.4}, "general": {"ksr": 0.45, "top3": 0.55}},
              "after": {"user": {"ksr": 0.35, "top3": 0.46}, "general": {"ksr": 0.449, "top3": 0.548}},
              "minutes": 3.2, "new_word_count": 7}
    (folder / "finetune.json").write_text(json.dumps(record), encoding="utf-8")
    return folder


def test_the_models_dialog_lists_uses_reverts_and_forgets_and_the_status_bar_names_the_model(
        window, qtbot, monkeypatch):
    # The worker holds the model before the window hears of it: wait for the status bar, as a person would.
    qtbot.waitUntil(lambda: window.model_label.text() == "Model: bundled model", timeout=10000)
    store_a_version()
    dialog = window.show_models()
    qtbot.waitUntil(lambda: len(dialog.models) == 2, timeout=5000)
    rows = [[dialog.table.item(row, column).text() for column in range(6)] for row in range(2)]
    assert rows[0][:2] == ["● in use", "bundled"]
    assert rows[1] == ["", "v1", "2026-11-28 10:00", "30.0% → 35.0%", "45.0% → 44.9%", "letters.md, notes.txt"]
    dialog.select("v1")
    with qtbot.waitSignal(dialog.changed, timeout=5000):
        qtbot.mouseClick(dialog.use_button, Qt.MouseButton.LeftButton)
    assert ModelStore().active().id == "v1" and dialog.table.item(1, 0).text() == "● in use"
    qtbot.waitUntil(lambda: window.model_label.text() == "Model: v1 (learned from your writing)", timeout=10000)
    with qtbot.waitSignal(dialog.changed, timeout=5000):
        qtbot.mouseClick(dialog.revert_button, Qt.MouseButton.LeftButton)
    assert ModelStore().active().id == "bundled"
    qtbot.waitUntil(lambda: window.model_label.text() == "Model: bundled model", timeout=10000)

    dialog.select("v1")
    with qtbot.waitSignal(dialog.changed, timeout=5000):
        dialog.use_selected()
    qtbot.keyClicks(window.editor, "Zorblax is learned.")
    assert "zorblax" in learned(qtbot, window)
    answer_confirmations(monkeypatch, choose=False)
    dialog.forget_all()  # asks first: Cancel
    assert ModelStore().active().id == "v1"
    answer_confirmations(monkeypatch, choose=True)
    with qtbot.waitSignal(dialog.changed, timeout=5000):
        qtbot.mouseClick(dialog.forget_button, Qt.MouseButton.LeftButton)
    assert [model.id for model in dialog.models] == ["bundled"] and not (user_data_dir() / "models").exists()
    assert learned(qtbot, window) == {}  # the worker's cache in memory too
    qtbot.waitUntil(lambda: window.model_label.text() == "Model: bundled model", timeout=10000)
    assert not dialog.forget_button.isEnabled() and not dialog.revert_button.isEnabled()  # nothing left to forget


def test_the_window_starts_with_the_stores_active_model(open_window, qtbot):
    store_a_version("v2")
    ModelStore().use("v2")
    window = open_window()
    qtbot.waitUntil(lambda: window.model_label.text() == "Model: v2 (learned from your writing)", timeout=15000)
    assert window.worker_thread.worker.model_id == "v2"
