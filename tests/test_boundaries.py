"""The torch boundary, checked by importing: the desktop install has no torch, and the engine imports
neither `export` nor `desktop`. Each check runs in a fresh interpreter, since this test process has
torch loaded already; modules are found by walking the packages, so a new module is covered too."""

import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
from no_torch import BLOCK_TORCH

ROOT = Path(__file__).resolve().parents[1]
TORCH_FREE_PACKAGES = ("engine.core", "engine.runtime", "engine.evaluation", "desktop")


def modules_of(package: str) -> list[str]:
    folder = ROOT.joinpath(*package.split("."))
    return [package, *(info.name for info in pkgutil.walk_packages([str(folder)], prefix=f"{package}."))]


def imported_by(modules: list[str], watched: list[str]) -> dict:
    """Import each module in turn in one fresh interpreter; for each, the watched packages that are
    loaded once it is imported. The first module that brings one in is the one that pulls it."""
    code = ("import importlib, json, sys\n"
            f"watched = {watched!r}\n"
            "loaded = {}\n"
            f"for name in {modules!r}:\n"
            "    importlib.import_module(name)\n"
            "    loaded[name] = [w for w in watched if any(m == w or m.startswith(w + '.') for m in sys.modules)]\n"
            "print(json.dumps(loaded))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.splitlines()[-1])


def test_runtime_evaluation_and_desktop_modules_import_without_torch_or_the_training_package():
    modules = ["engine.cli", "engine.models_cli",
               *(name for package in TORCH_FREE_PACKAGES for name in modules_of(package))]
    assert {"engine.runtime.predictor", "engine.runtime.personal_cache", "engine.core.model_store",
            "desktop.gui.main_window", "desktop.gui.learn_dialog", "engine.evaluation.evaluate"} <= set(modules)
    loaded = imported_by(modules, ["torch", "engine.training", "matplotlib", "tqdm"])
    pulled = {name: packages for name, packages in loaded.items() if packages}
    assert not pulled, f"first module to pull them in: {next(iter(pulled.items()))}"


def imports_in(path: Path) -> set[str]:
    """The modules a source file imports, at its top or inside a function."""
    import ast

    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_the_desktops_files_log_and_core_never_import_its_windows():
    """desktop/gui builds on desktop/document, log and core; they never reach back into a window or dialog
    module (they are told what to show through signals and the objects they are given)."""
    reaching = sorted(str(path.relative_to(ROOT)) for package in ("document", "log", "core")
                      for path in (ROOT / "desktop" / package).rglob("*.py")
                      if any(module.startswith("desktop.gui") for module in imports_in(path)))
    assert reaching == []


def test_one_module_decides_which_model_opens_and_it_alone_reaches_into_training():
    """engine/runtime/model_opening.py opens bundles, the active model and checkpoints; the predictor knows none
    of them (nor its own subclass), and nothing else torch-free imports engine.training, even lazily."""
    assert not imports_in(ROOT / "engine" / "runtime" / "predictor.py") & {"engine.runtime.char_predictor",
                                                                         "engine.training.torch_backend"}
    reaching = sorted(str(path.relative_to(ROOT)) for package in TORCH_FREE_PACKAGES
                      for path in ROOT.joinpath(*package.split(".")).rglob("*.py")
                      if any(module.startswith("engine.training") for module in imports_in(path)))
    assert reaching == ["engine/runtime/model_opening.py"]


def test_the_engine_imports_neither_export_nor_desktop():
    modules = [name for package in ("engine.core", "engine.runtime", "engine.evaluation", "engine.training")
               for name in modules_of(package)] + ["engine.cli"]
    loaded = imported_by(modules, ["export", "desktop"])
    assert not any(loaded.values()), {name: packages for name, packages in loaded.items() if packages}


def test_nextword_stats_does_not_load_nltk_or_onnxruntime(tmp_path):
    from test_events import fixture_log

    fixture_log(tmp_path / "log.db").close()
    code = ("import sys\nfrom engine.cli import main\n"
            f"code = main(['stats', '--db', {str(tmp_path / 'log.db')!r}, '--json'])\n"
            "print(sorted(m for m in ('nltk', 'onnxruntime', 'torch') if m in sys.modules))\n"
            "sys.exit(code)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[]" and '"shown": 5' in result.stdout


@pytest.mark.bundled_model
def test_the_bundled_model_suggests_with_torch_unimportable():
    # As on a desktop install: any attempt to import torch fails.
    code = (BLOCK_TORCH +
            "from engine.runtime.model_opening import open_bundle\n"
            "predictor = open_bundle()\n"
            "words = [s.word for s in predictor.suggest('how are yo', 3)]\n"
            "print(predictor.provider, words, predictor.complete('how are yo').text)\n"
            "sys.exit(0 if 'you' in words else 1)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "CPUExecutionProvider" in result.stdout or "CUDAExecutionProvider" in result.stdout


def test_the_editor_loads_the_model_with_torch_unimportable(tmp_path):
    code = (BLOCK_TORCH +
            "from PySide6.QtCore import QEventLoop, QTimer\n"
            "from desktop.app import build_window\n"
            f"window = build_window(['--settings', {str(tmp_path / 's.ini')!r}])\n"
            "loop = QEventLoop()\n"
            "window.worker_thread.worker.model_loaded.connect(lambda *args: loop.quit())\n"
            "window.worker_thread.worker.model_failed.connect(lambda *args: loop.quit())\n"
            "QTimer.singleShot(20000, loop.quit)\n"
            "loop.exec()\n"
            "print(window.model_label.text(), window.model_error)\n"
            "ok = window.worker_thread.worker.predictor is not None\n"
            "window.close()\n"
            "sys.exit(0 if ok else 1)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "NEXTWORD_HOME": str(tmp_path)})
    assert result.returncode == 0, result.stdout + result.stderr
