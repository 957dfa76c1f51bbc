"""The editor's dialogs, used as a person does: from the keyboard alone, in plain words, destructive actions
asked about with Cancel as the default."""

import json
import shutil

import pytest

pytest.importorskip("pytestqt")

from dialog_helpers import press_in_next_dialog  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402

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
    from desktop.events import LOG_FILE
    from desktop.log_schema import open_database

    everything_kept(qtbot, window)
    window.delete_my_data(confirmed=True)
    qtbot.waitUntil(lambda: window.model_label.text() == "Model: bundled model", timeout=10000)
    assert learned(qtbot, window) == {}
    assert not kept_text.kept_text_path().exists() and not (user_data_dir() / "models").exists()
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
