"""Damaged and foreign files: each gets one clear message naming the file and what to do, the editor opens,
and a damaged file of the person's is kept aside (renamed `NAME.damaged-…`), never written over.

Damage kinds, wherever they make sense: garbage, bit flips, cut short, another program's (or schema's) file,
read-only, and a folder where the file should be. As root (these tests' usual user) permission bits stop no
read or write, so "read-only" is the mode the person set, which Nextword honours, or SQLite's own switch.
"""

import json
import os
import shutil
import sqlite3
import stat

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from desktop_helpers import type_and_wait  # noqa: E402

from engine.core.bundle import BundleError  # noqa: E402
from engine.core.damaged import SUFFIX  # noqa: E402
from engine.core.model_store import BUNDLED, ModelStore, ModelStoreError  # noqa: E402
from engine.core.paths import bundled_model_dir  # noqa: E402
from engine.runtime.model_opening import open_bundle

DAMAGE = ["garbage", "bit flips", "cut short", "a folder"]


def damage(path, kind):
    """Damage the file at `path` the way a disk, a copy or a person might."""
    data = path.read_bytes()
    if kind == "garbage":
        path.write_bytes(bytes((index * 97 + 13) % 256 for index in range(max(64, len(data) // 4))))
    elif kind == "bit flips":  # high bits set here and there: no longer text, and no zip member checks out
        flipped = bytearray(data)
        for position in (12, 40, len(data) // 3, len(data) // 2, len(data) - 30):
            flipped[position] ^= 0x80
        path.write_bytes(bytes(flipped))
    elif kind == "cut short":
        path.write_bytes(data[:len(data) // 2])
    elif kind == "a folder":
        path.unlink()
        path.mkdir()
        (path / "something.txt").write_text("put here by hand")
    else:
        raise ValueError(kind)


def kept_aside(path):
    """The files that keep aside what was at `path`."""
    return sorted(path.parent.glob(f"{path.name}{SUFFIX}*"))


def edit_json(path, **changes):
    raw = json.loads(path.read_text())
    raw.update(changes)
    path.write_text(json.dumps(raw))


# Bundles: every file read through code that turns any failure into a BundleError naming it


@pytest.fixture(scope="session")
def full_bundle(tiny_bundle, tiny_run, tmp_path_factory):
    """The tiny bundle with every optional file a bundle may have: a trigram, rare words and a start state."""
    from engine.core.bundle import read_manifest
    from engine.runtime.lexicon import RareWords
    from engine.runtime.ngram import KneserNey

    folder = tmp_path_factory.mktemp("full") / "bundle"
    shutil.copytree(tiny_bundle, folder)
    manifest = read_manifest(folder)
    ids = np.load(tiny_run[0] / "train_ids.npy")
    KneserNey.fit(ids, manifest.vocab_size).save(folder / "ngram.npz")
    RareWords(["zorblax", "quibblewick"], [3, 2]).save(folder / "rare_words.json")
    np.save(folder / "start_state.npy", np.zeros((2, *manifest.state_shape), np.float32))
    # No checksums: each file's own reading must say what is wrong with it (a bundle exported before them)
    edit_json(folder / "manifest.json", start_state="start_state.npy", ngram_mixture=0.3, checksums=None)
    open_bundle(folder)  # whole, it loads
    return folder


@pytest.fixture
def bundle(full_bundle, tmp_path):
    copy = tmp_path / "bundle"
    shutil.copytree(full_bundle, copy)
    return copy


BUNDLE_FILES = ["manifest.json", "vocab.json", "model.int8.onnx", "ngram.npz", "rare_words.json", "start_state.npy"]


# A flipped weight in the graph cannot be told from a trained one (a cut-short or garbled graph can).
@pytest.mark.parametrize(("name", "kind"), [(name, kind) for name in BUNDLE_FILES for kind in DAMAGE
                                            if (name, kind) != ("model.int8.onnx", "bit flips")])
def test_every_damaged_file_of_a_bundle_is_one_line_from_the_cli_naming_it_and_what_to_do(bundle, capsys, name,
                                                                                         kind):
    from engine.cli import main as nextword

    damage(bundle / name, kind)
    assert nextword(["suggest", "--model", str(bundle), "how are "]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nextword suggest: ") and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert str(bundle / name) in err and "copy the bundle again" in err
    assert (bundle / name).exists() and not kept_aside(bundle / name)  # the person's folder: said, never renamed


@pytest.mark.parametrize(("name", "foreign"), [
    ("manifest.json", {"format": "something-else"}),
    ("vocab.json", {"format": "nextword-vocab", "tokens": [1, 2], "counts": [0, 0], "tokenizer_version": 1}),
    ("rare_words.json", {"format": "nextword-rare-words", "words": ["a"], "counts": ["many"]}),
    ("ngram.npz", None),
    ("start_state.npy", None),
])
def test_a_file_of_another_schema_in_a_bundle_is_named(bundle, name, foreign):
    path = bundle / name
    if name == "ngram.npz":
        np.savez(path, vocab_size=5, unigram=np.ones(3))
    elif name == "start_state.npy":
        np.save(path, np.zeros((3, 3), np.float32))
    else:
        path.write_text(json.dumps(foreign))
    with pytest.raises(BundleError, match=f"{name}.*copy the bundle again"):
        open_bundle(bundle)


@pytest.mark.parametrize(("change", "said"), [
    ({"num_layers": 3}, "manifest.json: says 3 layers of 32 .* but model.int8.onnx has 1 layers of 32"),
    ({"hidden_size": 64}, "manifest.json: says 1 layers of 64 .* the manifest is not this graph's"),
    ({"vocab_size": 10}, "vocab.json: not the vocabulary this model was exported with"),
])
def test_a_manifest_that_does_not_describe_its_graph_is_refused_at_load(bundle, change, said):
    raw = json.loads((bundle / "manifest.json").read_text())
    if "vocab_size" in change:
        raw["vocab_size"] = change["vocab_size"]
    else:
        raw["state"].update(change)
    (bundle / "manifest.json").write_text(json.dumps(raw))
    with pytest.raises(BundleError, match=f"{said}.*copy the bundle again"):
        open_bundle(bundle)


def test_a_manifest_whose_state_differs_from_the_graph_is_refused_before_any_keystroke(bundle, monkeypatch):
    """A graph that declares its state's size loosely is still caught: one step is run at load."""
    from engine.runtime import onnx_backend

    raw = json.loads((bundle / "manifest.json").read_text())
    raw["state"]["hidden_size"] *= 2
    (bundle / "manifest.json").write_text(json.dumps(raw))
    (bundle / "start_state.npy").unlink()
    edit_json(bundle / "manifest.json", start_state="")

    class Loose:
        def __init__(self, arg):
            self.name, self.shape, self.type = arg.name, ["n" if isinstance(d, int) else d for d in arg.shape], arg.type

    real = onnx_backend.ort.InferenceSession

    class LooseSession(real):
        def get_inputs(self):
            return [Loose(arg) for arg in super().get_inputs()]

        def get_outputs(self):
            return [Loose(arg) for arg in super().get_outputs()]

    monkeypatch.setattr(onnx_backend.ort, "InferenceSession", LooseSession)
    with pytest.raises(BundleError, match="manifest.json: model.int8.onnx does not run with the state it describes"):
        open_bundle(bundle)


def test_a_read_only_bundle_loads_as_usual(bundle):
    for path in bundle.iterdir():
        path.chmod(0o444)
    assert open_bundle(bundle).suggest("how are ", 3)


@pytest.fixture
def exported(tiny_bundle, tmp_path):
    """A copy of a bundle as exported now, with its files' checksums."""
    shutil.copytree(tiny_bundle, tmp_path / "exported")
    return tmp_path / "exported"


def test_a_bit_flipped_in_the_graphs_weights_is_caught_by_its_checksum(exported):
    assert open_bundle(exported).suggest("how are ", 3)
    graph = exported / "model.int8.onnx"
    data = bytearray(graph.read_bytes())
    data[len(data) // 2] ^= 0x10  # inside the weights: onnxruntime would load and run it
    graph.write_bytes(bytes(data))
    with pytest.raises(BundleError, match="model.int8.onnx: damaged .*checksum"):
        open_bundle(exported)


def test_a_bundle_exported_before_checksums_loads_as_before(exported):
    manifest = json.loads((exported / "manifest.json").read_text())
    del manifest["checksums"]
    (exported / "manifest.json").write_text(json.dumps(manifest))
    assert open_bundle(exported).suggest("how are ", 3)


# The model store: the pointer and the versions


def add_version(store, source=None):
    """A copy of a real bundle added to the store the way a fine-tune adds one, made active."""
    scratch = store.new_scratch()
    shutil.copytree(source or bundled_model_dir(), scratch / "bundle")
    model = store.add(scratch / "bundle", {"created": "2026-11-28T10:00:00", "sources": ["notes.txt"]}, True)
    shutil.rmtree(scratch)
    return model.id


def damage_pointer(store, kind):
    path = store.pointer_path
    if kind == "another program's":
        path.write_text(json.dumps({"format": "someone-else", "active": "v1"}))
    elif kind == "nested 5,000 deep":
        path.write_bytes(NESTED)
    else:
        damage(path, kind)


# Deep enough that json raises RecursionError (100,000 levels overflow the C stack and abort the process).
NESTED = b"[" * 5000 + b"]" * 5000
POINTER_DAMAGE = [*DAMAGE, "another program's", "nested 5,000 deep"]


@pytest.mark.parametrize("kind", POINTER_DAMAGE)
def test_using_a_model_keeps_a_damaged_pointer_aside_and_never_overwrites_an_earlier_one(kind):
    store = ModelStore()
    add_version(store)
    for _ in range(2):
        damage_pointer(store, kind)
        with pytest.raises(ModelStoreError, match="active.json.*nextword models use bundled"):
            store.active()
        assert store.use(BUNDLED).id == BUNDLED
    assert len(kept_aside(store.pointer_path)) == 2 and store.active().id == BUNDLED


def test_a_version_kept_aside_is_never_listed_and_the_pointer_goes_back_to_the_one_before():
    store = ModelStore()
    add_version(store)
    add_version(store)
    aside, now = store.keep_version_aside("v2")
    assert aside.name.startswith("v2" + SUFFIX) and now == "v1"
    assert [model.id for model in store.models()] == [BUNDLED, "v1"] and store.active().id == "v1"


# The editor: it opens, says once what happened, and goes on


def status(window):
    return window.statusBar().currentMessage()


def wait_for_status(qtbot, window, *parts, timeout=15000):
    qtbot.waitUntil(lambda: all(part in status(window) for part in parts), timeout=timeout)
    return status(window)


@pytest.mark.parametrize("kind", ["cut short", "bit flips"])
def test_the_editor_says_a_damaged_model_folder_of_the_persons_cannot_be_used_and_never_renames_it(
        open_window, qtbot, bundle, kind):
    damage(bundle / "ngram.npz", kind)
    window = open_window("--model", str(bundle))
    said = wait_for_status(qtbot, window, "Suggestions are off", "ngram.npz")
    assert "copy the bundle again" in said and "Traceback" not in said
    assert window.model_label.text() == "No suggestions: model not loaded"
    assert (bundle / "ngram.npz").is_file() and not kept_aside(bundle / "ngram.npz") and not kept_aside(bundle)
    qtbot.keyClicks(window.editor, "still writing")
    assert window.editor.toPlainText() == "still writing"


def test_the_editor_never_stays_on_loading_model_whatever_goes_wrong(open_window, qtbot, monkeypatch):
    def fails(*args, **kwargs):
        raise RuntimeError("something nobody foresaw")

    monkeypatch.setattr("engine.runtime.model_opening.open_bundle", fails)
    window = open_window()
    said = wait_for_status(qtbot, window, "Suggestions are off", "RuntimeError: something nobody foresaw")
    assert "Tools > Models" in said and window.model_label.text() != "loading model…"


@pytest.mark.parametrize("kind", ["cut short", "a folder"])
def test_a_damaged_bundled_model_says_reinstall_and_is_never_renamed(open_window, qtbot, monkeypatch, tmp_path,
                                                                    kind):
    from engine.core import model_store, paths

    shipped = tmp_path / "site-packages" / "resources" / "model"
    shutil.copytree(bundled_model_dir(), shipped)
    monkeypatch.setattr(paths, "bundled_model_dir", lambda: shipped)
    monkeypatch.setattr(model_store, "bundled_model_dir", lambda: shipped)
    damage(shipped / "vocab.json", kind)
    window = open_window()
    said = wait_for_status(qtbot, window, "Suggestions are off", "vocab.json", "reinstall Nextword")
    assert len(said.splitlines()) == 1
    assert (shipped / "vocab.json").exists() and not kept_aside(shipped / "vocab.json") and not kept_aside(shipped)


@pytest.mark.parametrize("kind", POINTER_DAMAGE)
def test_a_damaged_model_pointer_is_kept_aside_and_the_bundled_model_used(open_window, qtbot, kind):
    store = ModelStore()
    add_version(store)
    damage_pointer(store, kind)
    window = open_window()
    said = wait_for_status(qtbot, window, "active.json", "kept aside as active.json.damaged-")
    assert "bundled model is used" in said and "Tools > Models" in said
    qtbot.waitUntil(lambda: window.model_label.text() == "Model: bundled model", timeout=15000)
    assert len(kept_aside(store.pointer_path)) == 1 and store.active().id == BUNDLED
    type_and_wait(qtbot, window, "how are ")


@pytest.mark.parametrize("kind", ["cut short", "a folder"])
def test_a_stored_version_that_fails_to_load_is_kept_aside_and_the_one_before_is_used(open_window, qtbot, kind):
    store = ModelStore()
    add_version(store)
    add_version(store)
    damage(store.root / "v2" / "ngram.npz", kind)
    window = open_window()
    said = wait_for_status(qtbot, window, "Your model v2", "kept aside as v2.damaged-")
    assert "ngram.npz" in said and "now using v1" in said
    qtbot.waitUntil(lambda: window.worker_thread.worker.predictor is not None, timeout=15000)
    assert window.worker_thread.worker.model_id == "v1" and store.active().id == "v1"
    assert [model.id for model in store.models()] == [BUNDLED, "v1"] and len(kept_aside(store.root / "v2")) == 1


def test_a_stored_versions_manifest_nested_too_deep_is_kept_aside_and_the_one_before_is_used(open_window, qtbot):
    store = ModelStore()
    add_version(store)
    add_version(store)
    (store.root / "v2" / "manifest.json").write_bytes(NESTED)
    window = open_window()
    said = wait_for_status(qtbot, window, "Your model v2", "kept aside as v2.damaged-")
    assert "manifest.json" in said and "levels deep" in said and "now using v1" in said
    qtbot.waitUntil(lambda: window.worker_thread.worker.model_id == "v1", timeout=15000)
    assert [model.id for model in store.models()] == [BUNDLED, "v1"] and len(kept_aside(store.root / "v2")) == 1


def test_a_stored_version_made_by_a_newer_nextword_is_left_as_it_is(open_window, qtbot):
    store = ModelStore()
    add_version(store)
    edit_json(store.root / "v1" / "manifest.json", version=99)
    window = open_window()
    said = wait_for_status(qtbot, window, "Your model v1", "newer Nextword", "bundled model is used")
    assert "kept aside" not in said and not kept_aside(store.root / "v1") and store.active().id == "v1"


# The acceptance log


def make_log_file(path, kind):
    """The log's path holding something that is not a log Nextword can use."""
    from desktop.log.events import EventLog, LoggedSuggestion

    if kind in ("garbage", "bit flips", "cut short"):
        log = EventLog(path)
        log.start_session("m", "p")
        for _ in range(3000):
            log.record(LoggedSuggestion("chip", 0, 1, 1.0, 0, 0.5))
        assert log.flush()
        log.close()
        connection = sqlite3.connect(path)
        connection.execute("PRAGMA journal_mode = DELETE")  # the whole log in the one file, to damage
        connection.close()
        damage(path, kind)
    elif kind == "a folder":
        path.mkdir(parents=True)
    elif kind == "another program's database":
        connection = sqlite3.connect(path)
        connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        connection.execute("INSERT INTO notes (body) VALUES ('mine')")
        connection.commit()
        connection.close()
    elif kind == "a conflicting table":
        connection = sqlite3.connect(path)
        connection.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
        connection.execute("CREATE TABLE suggestions (what TEXT, when_shown TEXT)")
        connection.commit()
        connection.close()
    else:
        raise ValueError(kind)


LOG_DAMAGE = ["garbage", "bit flips", "cut short", "a folder", "another program's database", "a conflicting table"]


@pytest.mark.parametrize("kind", LOG_DAMAGE)
def test_an_unusable_log_is_kept_aside_untouched_and_a_fresh_one_started(tmp_path, kind):
    from desktop.log.acceptance import open_log
    from desktop.log.events import LOG_FILE

    path = tmp_path / "data" / LOG_FILE
    path.parent.mkdir()
    make_log_file(path, kind)
    before = path.read_bytes() if path.is_file() else None
    log, said = open_log(path)
    if not said:  # damage inside its pages: found on the writer thread, before its first write (as the editor does)
        told = []
        log.on_problem = told.append
        log.finish_opening_later()
        assert log.flush() and len(told) == 1
        said = told[0]
    assert log is not None and str(path) in said and "kept aside as nextword.db.damaged-" in said
    assert "fresh log" in said and len(said.splitlines()) == 1
    aside = kept_aside(path)
    assert len(aside) == 1 and (before is None or aside[0].read_bytes() == before)  # as it was: never written to
    log.start_session("m", "p")
    assert log.flush()
    log.close()
    if kind == "another program's database":
        other = sqlite3.connect(aside[0])
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # not switched to WAL
        assert [row[0] for row in other.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["notes"]
        other.close()


def test_a_log_made_by_a_newer_nextword_is_left_as_it_is_and_logging_is_off(tmp_path):
    from desktop.log.acceptance import open_log
    from desktop.log.events import EventLog

    path = tmp_path / "nextword.db"
    EventLog(path).close()
    connection = sqlite3.connect(path)
    connection.execute("INSERT INTO migrations VALUES ('m002_from_the_future', '2030-01-01')")
    connection.commit()
    connection.close()
    before = path.read_bytes()
    log, said = open_log(path)
    assert log is None and "made by a newer Nextword" in said and "upgrade Nextword" in said
    assert path.read_bytes() == before and not kept_aside(path)


def test_a_read_only_log_turns_logging_off_with_what_to_do(tmp_path, monkeypatch):
    """As root, chmod stops no write: SQLite's own read-only switch fails the opening writes the same way."""
    from desktop.log import events
    from desktop.log.acceptance import open_log

    path = tmp_path / "nextword.db"
    events.EventLog(path).close()
    real_connect = sqlite3.connect
    monkeypatch.setattr(events.sqlite3, "connect",
                        lambda *args, **kwargs: real_connect(f"file:{args[0]}?mode=ro", uri=True, **kwargs))
    log, said = open_log(path)
    assert log is None and "is read-only" in said and "writable" in said and not kept_aside(path)


def test_a_log_whose_mode_is_read_only_is_never_written(tmp_path):
    from desktop.log.acceptance import open_log
    from desktop.log.events import EventLog

    path = tmp_path / "nextword.db"
    EventLog(path).close()
    path.chmod(0o444)
    before = path.read_bytes()
    log, said = open_log(path)
    assert log is None and said.startswith(f"Acceptance log off: {path} is read-only") and path.read_bytes() == before


@pytest.mark.parametrize("kind", ["another program's database", "a folder", "bit flips"])
def test_the_editor_opens_over_an_unusable_log_says_where_it_went_and_logs_afresh(open_window, qtbot, tmp_path,
                                                                                 kind):
    from desktop.log.events import LOG_FILE

    path = tmp_path / "home" / LOG_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    make_log_file(path, kind)
    window = open_window()
    # damage inside the pages is found on the log's writer thread, a moment after the window is up
    qtbot.waitUntil(lambda: "kept aside as nextword.db.damaged-" in status(window), timeout=5000)
    assert window.recorder is not None
    type_and_wait(qtbot, window, "how are ")
    assert window.recorder.log.flush() and len(kept_aside(path)) == 1


# Settings


SETTINGS_DAMAGE = {"garbage": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "cut short": b"[preferen",
                   "bit flips": b"[pre\xe6erences\nfont_size=14\n"}


@pytest.mark.parametrize("kind", [*SETTINGS_DAMAGE, "a folder"])
def test_a_damaged_settings_file_is_kept_aside_and_the_defaults_used_with_one_message(tmp_path, kind):
    from desktop.core.settings import Preferences, open_settings, settings_problem

    path = tmp_path / "settings.ini"
    if kind == "a folder":
        path.mkdir()
    else:
        path.write_bytes(SETTINGS_DAMAGE[kind])
    settings = open_settings(str(path))
    preferences = Preferences.load(settings)
    said = settings_problem(settings)
    assert preferences == Preferences()
    assert str(path) in said and "kept aside as settings.ini.damaged-" in said and "defaults" in said
    assert len(kept_aside(path)) == 1
    preferences.font_size = 20
    preferences.save(settings)
    assert Preferences.load(open_settings(str(path))).font_size == 20  # a fresh file, saved as usual


def test_a_read_only_settings_file_is_said_once_never_written_and_changes_last_the_session(tmp_path):
    from desktop.core.settings import Preferences, open_settings, settings_problem

    path = tmp_path / "settings.ini"
    path.write_text("[preferences]\nfont_size=14\n")
    path.chmod(0o444)
    before = path.read_bytes()
    settings = open_settings(str(path))
    preferences = Preferences.load(settings)
    said = settings_problem(settings)
    assert said.startswith(f"Your preferences cannot be saved: {path} is read-only") and "writable" in said
    assert preferences.font_size == 14
    preferences.font_size = 20
    preferences.save(settings)
    assert preferences.font_size == 20 and path.read_bytes() == before and not kept_aside(path)
    assert stat.S_IMODE(path.stat().st_mode) & 0o200 == 0


def test_the_window_says_its_settings_are_read_only_and_closing_writes_nothing_to_them(qtbot, tmp_path):
    from desktop.app import build_window

    path = tmp_path / "settings.ini"
    path.write_text("[preferences]\nfont_size=14\n")
    path.chmod(0o444)
    before = path.read_bytes()
    window = build_window(["--settings", str(path)])
    window.show()
    assert any(text.startswith(f"Your preferences cannot be saved: {path}") for text in window.messages.said)
    window.change_font_size(2)  # View > Bigger Text: in effect, not saved
    assert window.editor.font().pointSize() == 16
    window.close()
    assert path.read_bytes() == before


def test_a_settings_file_that_cannot_be_written_is_said_when_saving(tmp_path, monkeypatch):
    from PySide6.QtCore import QSettings

    from desktop.core.settings import Preferences, open_settings, settings_problem

    path = tmp_path / "settings.ini"
    settings = open_settings(str(path))
    assert settings_problem(settings) == ""
    monkeypatch.setattr(QSettings, "status", lambda self: QSettings.Status.AccessError)
    Preferences().save(settings)
    assert "Your preferences cannot be saved" in settings_problem(settings)


@pytest.mark.parametrize(("text", "expected"), [
    ("font_size=100000", {"font_size": 48}),
    ("font_size=-3", {"font_size": 6}),
    ("font_size=big", {"font_size": 12}),
    ("chip_count=9\ninline_min_confidence=7", {"chip_count": 5, "inline_min_confidence": 1.0}),
    ("inline_min_confidence=nan\nprovider=gpu", {"inline_min_confidence": 0.25, "provider": "auto"}),
    ("word_wrap=maybe\nlearning_paused=1", {"word_wrap": True, "learning_paused": True}),
    ('model_path=@Variant(\\0\\0\\0\\x7f\\0\\0\\0\\x18)', {"model_path": ""}),
    ("blocked_words=one, two", {"blocked_words": ["one", "two"]}),
])
def test_every_preference_read_is_checked_and_brought_into_range(tmp_path, text, expected):
    from desktop.core.settings import Preferences, open_settings

    path = tmp_path / "settings.ini"
    path.write_text(f"[preferences]\n{text}\n")
    preferences = Preferences.load(open_settings(str(path)))
    assert {name: getattr(preferences, name) for name in expected} == expected


# The personal cache


def nan_cache() -> str:
    """A personal cache as Nextword writes it, but for counts that are not numbers."""
    return ('{"format": "nextword-personal-cache", "version": 1, "clock": 3, "half_life_words": 50000, '
            '"unigrams": {"hello": NaN, "there": 1.0}, "bigrams": [["hello", "there", Infinity]], "trigrams": [], '
            '"display": {}, "never": [], "spellings": []}')


@pytest.mark.parametrize("kind", ["a folder", "another program's", "nested 5,000 deep", "NaN counts"])
def test_an_unusable_personal_cache_is_kept_aside_and_learning_starts_afresh(open_window, qtbot, kind):
    from engine.runtime.personal_cache import default_path

    path = default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "a folder":
        path.mkdir()
    elif kind == "nested 5,000 deep":
        path.write_bytes(NESTED)
    elif kind == "NaN counts":
        path.write_text(nan_cache())
    else:
        path.write_text(json.dumps({"format": "another-app", "words": {}}))
    window = open_window()
    said = wait_for_status(qtbot, window, "personal cache", "moved to")
    aside = kept_aside(path)
    assert len(aside) == 1 and str(aside[0]) in said
    assert aside[0].is_dir() == (kind == "a folder")


def test_a_personal_cache_that_cannot_be_kept_aside_is_never_saved_over(qtbot, monkeypatch):
    from desktop.core import worker as worker_module
    from engine.core.damaged import KeepAsideError
    from engine.runtime.personal_cache import default_path

    path = default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{cut sh")

    def refuses(target):
        raise KeepAsideError(30, f"{target} could not be moved (read-only file system)")

    monkeypatch.setattr("engine.core.damaged.keep_aside", refuses)
    worker = worker_module.PredictionWorker()
    said = []
    worker.learning_problem.connect(said.append)
    cache = worker.open_personal_cache()
    cache.observe("Zorblax came to tea.")
    worker.save_personal_cache()
    assert path.read_text() == "{cut sh" and "not saved" in said[0] and "move or delete" in said[0]
    assert not os.path.exists(str(path) + SUFFIX)


def test_the_editor_reads_the_logs_pages_and_migrates_it_off_the_gui_thread(open_window, qtbot, monkeypatch):
    """A year's log takes seconds to read whole, a minute to migrate: the window must not wait for it as it starts."""
    import threading

    from desktop.log import events

    threads = []
    real_check = events.finish_opening
    monkeypatch.setattr(events, "finish_opening",
                        lambda *args: (threads.append(threading.current_thread()), real_check(*args)))
    window = open_window()
    assert window.recorder.log.flush()
    assert len(threads) == 1 and threads[0] is not threading.main_thread()
