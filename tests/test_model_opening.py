"""One way to open a model (engine/runtime/model_opening.py), and the plain description of it that the worker sends
the window and the acceptance log, which never read the worker's own objects."""

import dataclasses
import shutil
import threading

import pytest

from engine.core.model_store import ModelStore
from engine.core.paths import bundled_model_dir, user_data_dir
from engine.runtime.model_opening import LoadedModel, open_for_editor


def test_the_editor_gets_the_model_it_opened_described_in_plain_data(tmp_path):
    said = []
    predictor, loaded = open_for_editor("", "cpu", set(), said.append)
    assert isinstance(loaded, LoadedModel) and not said
    assert (loaded.name, loaded.store_id, loaded.logged_as) == ("bundled model", "bundled", "bundled")
    assert (loaded.architecture, loaded.provider) == ("lstm", "CPUExecutionProvider") == (
        predictor.backend.manifest.architecture, predictor.provider)
    assert loaded.version.startswith("lstm model.int8.onnx, exported 20") and "vocabulary " in loaded.version
    with pytest.raises(dataclasses.FrozenInstanceError):
        loaded.name = "another"  # handed from the worker's thread to the GUI's: nobody changes it on the way
    mine = shutil.copytree(bundled_model_dir(), tmp_path / "my-model")
    _, by_hand = open_for_editor(str(mine), "cpu", set(), said.append)
    assert (by_hand.name, by_hand.store_id, by_hand.logged_as) == ("my-model", "", "my-model")


def test_the_window_and_the_log_name_the_model_from_its_description_never_from_the_workers_objects(
        open_window, qtbot, tmp_path, monkeypatch):
    """The worker's predictor belongs to its thread: the GUI thread never reads it (acceptance.py did, for the
    model's version), and the log records which model each session used, by the store's id."""
    from desktop_helpers import type_and_wait

    from desktop.core.worker import PredictionWorker
    from desktop.log.events import LOG_FILE
    from desktop.log.log_schema import open_database

    read_on_the_gui_thread = []

    def predictor(worker):
        if threading.current_thread() is threading.main_thread():
            read_on_the_gui_thread.append(True)
        return worker.__dict__.get("_predictor")

    monkeypatch.setattr(PredictionWorker, "predictor",
                        property(predictor, lambda worker, value: worker.__dict__.__setitem__("_predictor", value)),
                        raising=False)
    folder = user_data_dir() / "models" / "v2"
    shutil.copytree(bundled_model_dir(), folder)
    ModelStore().use("v2")
    window = open_window()
    qtbot.waitUntil(lambda: window.model_label.text() == "Model: v2 (learned from your writing)", timeout=15000)
    type_and_wait(qtbot, window, "how are yo")
    window.suggestion_bar.chip_clicked.emit(window.last_result.words[0])
    window.editor.document().setModified(False)
    window.close()
    assert not read_on_the_gui_thread
    session = next(open_database(tmp_path / "home" / LOG_FILE)["sessions"].rows)
    assert session["model_id"] == "v2"
    assert session["model"].startswith("v2 (learned from your writing): lstm model.int8.onnx, exported 20")


def test_a_graphics_card_asked_for_but_missing_runs_the_model_on_the_processor_and_says_so_in_one_line(
        open_window, qtbot, monkeypatch):
    import onnxruntime
    from desktop_helpers import type_and_wait

    monkeypatch.setattr(onnxruntime, "get_available_providers", lambda: ["CPUExecutionProvider"])
    window = open_window("--provider", "cuda")
    qtbot.waitUntil(lambda: window.worker_thread.worker.predictor is not None, timeout=15000)
    assert window.provider_label.text().endswith("on CPU") and not window.model_error
    qtbot.waitUntil(lambda: any("graphics card" in said for said in window.messages.said), timeout=5000)
    said = next(said for said in window.messages.said if "graphics card" in said)
    assert "\n" not in said and len(said) < 100 and "CUDAExecutionProvider" not in said
    type_and_wait(qtbot, window, "how are yo")
    assert "you" in window.suggestion_bar.words_by_position()
