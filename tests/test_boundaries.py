"""The runtime half of the engine must import without torch: the desktop install has none."""

import subprocess
import sys

import pytest

TORCH_FREE = ["engine.tokenizer", "engine.vocab", "engine.corpus", "engine.metrics", "engine.suggestions",
              "engine.ngram", "engine.predictor", "engine.evaluate", "engine.cli", "engine.plot", "engine.paths",
              "engine.bundle", "engine.runtime", "engine.completion", "engine.generate", "desktop.app",
              "desktop.main_window", "desktop.worker"]


@pytest.mark.parametrize("module", TORCH_FREE)
def test_module_imports_without_torch(module):
    # A fresh interpreter: this test process has torch loaded already.
    code = f"import sys, {module}; sys.exit(1 if 'torch' in sys.modules else 0)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, f"importing {module} pulled in torch {result.stderr}"


def test_engine_imports_neither_export_nor_desktop():
    from pathlib import Path

    engine = Path(__file__).resolve().parents[1] / "engine"
    for source in engine.glob("*.py"):
        text = source.read_text()
        assert "import desktop" not in text and "from desktop" not in text, source.name
        assert "import export" not in text and "from export" not in text, source.name


def test_the_bundled_model_suggests_with_torch_unimportable():
    # As on a desktop install: any attempt to import torch fails.
    code = ("import sys; sys.modules['torch'] = None\n"
            "from engine.predictor import Predictor\n"
            "predictor = Predictor.load()\n"
            "words = [s.word for s in predictor.suggest('how are yo', 3)]\n"
            "print(predictor.provider, words, predictor.complete('how are yo').text)\n"
            "sys.exit(0 if 'you' in words else 1)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "CPUExecutionProvider" in result.stdout or "CUDAExecutionProvider" in result.stdout


def test_the_editor_loads_the_model_with_torch_unimportable(tmp_path):
    code = ("import sys; sys.modules['torch'] = None\n"
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
                            env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stdout + result.stderr
