"""Small real objects: a tiny corpus, a tiny trained run, a tiny predictor."""

from __future__ import annotations

import os
import random
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no screen here: Qt would abort the test process

import pytest

HOME_VARIABLES = ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "NEXTWORD_HOME")


def _real_places() -> list[Path]:
    """Where Nextword, and Qt's own dialogs, would write in the home of whoever runs the suite."""
    home = Path(os.environ.get("HOME") or Path.home())
    config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    data = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    cache = Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache")
    places = [config / "Nextword", config / "QtProject.conf", data / "nextword", cache / "nextword"]
    return places + ([Path(os.environ["NEXTWORD_HOME"])] if os.environ.get("NEXTWORD_HOME") else [])


def _snapshot(places: list[Path]) -> dict[str, tuple[int, int]]:
    """Each file and folder under `places`: (size, modification time)."""
    found = {}
    for place in places:
        for path in [place, *(place.rglob("*") if place.is_dir() else [])]:
            try:
                info = path.lstat()
            except OSError:
                continue
            found[str(path)] = (info.st_size, info.st_mtime_ns)
    return found


# Before any test module is imported (matplotlib and Qt read the home folder once, when first used), the whole
# run moves to a home of its own; each test then gets a fresh one (private_folders). What was in the real home
# is noted, and pytest_sessionfinish fails the run if any of it changed.
REAL_PLACES = _real_places()
REAL_BEFORE = _snapshot(REAL_PLACES)
_SESSION_HOME = Path(tempfile.mkdtemp(prefix="nextword-test-home-"))
for _variable in HOME_VARIABLES:
    os.environ[_variable] = str(_SESSION_HOME / _variable.lower())


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_SESSION_HOME, ignore_errors=True)
    changed = sorted(set(_snapshot(REAL_PLACES).items()) ^ set(REAL_BEFORE.items()))
    if changed:
        paths = sorted({path for path, _ in changed})
        print("\nThe test run wrote to the real home folder: " + ", ".join(paths[:10]))
        session.exitstatus = pytest.ExitCode.TESTS_FAILED

SENTENCES = [
    "I don't know what you mean.",
    "How are you doing today?",
    "I'm doing great, thanks for asking!",
    "Do you like to watch Netflix on Monday?",
    "I love to watch movies with my friends.",
    "What do you want to do this weekend?",
    "I want to go to the beach lol",
    "That sounds like a lot of fun haha",
]


@pytest.fixture(autouse=True)
def private_folders(tmp_path, tmp_path_factory, monkeypatch):
    """No test reads or writes the user's real files: the home folder, every XDG folder (settings, data, cache,
    state) and Nextword's data folder all point into temporary folders of the test's own. The home folder is
    one of its own beside tmp_path, so that tests that list tmp_path see only what they made there."""
    home = tmp_path_factory.mktemp("user")  # the folders in it are made by whoever writes there, as on a machine
    for variable, folder in [("HOME", home), ("XDG_CONFIG_HOME", home / ".config"),
                             ("XDG_DATA_HOME", home / ".local" / "share"), ("XDG_CACHE_HOME", tmp_path / "cache"),
                             ("XDG_STATE_HOME", home / ".local" / "state"), ("NEXTWORD_HOME", tmp_path / "home")]:
        monkeypatch.setenv(variable, str(folder))


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory):
    """About 1,500 words of chat-like lines in a plain text file."""
    rng = random.Random(7)
    path = tmp_path_factory.mktemp("corpus") / "chat.txt"
    path.write_text("".join(rng.choice(SENTENCES) + "\n" for _ in range(220)), encoding="utf-8")
    return path


def tiny_config(corpus, out_dir, **overrides):
    """A TrainConfig for a tiny model; model sizes (hidden_size=...) may be given among the overrides."""
    from dataclasses import fields

    from engine.training.config import TrainConfig
    from engine.training.model import ModelConfig

    model = dict(embed_dim=16, hidden_size=32, num_layers=1, dropout=0.0)
    model.update({item.name: overrides.pop(item.name) for item in fields(ModelConfig) if item.name in overrides})
    settings = dict(train_data=[str(corpus)], valid_data=[], out_dir=str(out_dir), min_count=1, max_vocab=200,
                    batch_size=4, seq_len=16, lr=1e-2, warmup_steps=5, epochs=12, eval_every=50,
                    checkpoint_every=50, valid_tokens=0, seed=3, threads=1)
    settings.update(overrides)
    return TrainConfig(**settings, model=ModelConfig(**model))


@pytest.fixture(scope="session")
def tiny_run(tiny_corpus, tmp_path_factory):
    """A run folder with a small model trained until it knows the tiny corpus well."""
    from engine.training.trainer import train

    out = tmp_path_factory.mktemp("run")
    record = train(tiny_config(tiny_corpus, out), log=lambda *args: None)
    return out, record


@pytest.fixture(scope="session")
def tiny_predictor(tiny_run):
    from engine.runtime.model_opening import open_model

    return open_model(tiny_run[0] / "best.pt")


@pytest.fixture(scope="session")
def tiny_bundle(tiny_run, tiny_corpus, tmp_path_factory):
    """The tiny run exported as the desktop gets it: float and int8 ONNX, checked on the tiny corpus."""
    from export.onnx_export import build_bundle

    out = tmp_path_factory.mktemp("bundle") / "tiny"
    build_bundle(tiny_run[0] / "best.pt", out, int8=True, check_text=str(tiny_corpus), check_topk=60,
                 check_ksr=20, log=lambda message: None)
    return out


@pytest.fixture
def open_window(qtbot, tmp_path):
    """Editor windows as `nextword app` builds them, settings in tmp_path; closed (unsaved text dropped) after.
    Capitals as typed (Preferences.auto_capitalize off): the tests type and check text as written; the tests of
    capitals turn it on (desktop_helpers.capitalising)."""
    from desktop.app import build_window

    windows = []

    def make(*argv):
        window = build_window(["--settings", str(tmp_path / "settings.ini"), *argv])
        window.preferences.auto_capitalize = window.editor.auto_capitalize = False
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.editor.document().setModified(False)
        window.close()


@pytest.fixture
def window(open_window, qtbot):
    """A window whose model (the bundled one unless the store says otherwise) has loaded."""
    window = open_window()
    qtbot.waitUntil(lambda: window.worker_thread.worker.predictor is not None, timeout=15000)
    return window
