"""The runtime half of the engine must import without torch: the desktop install has none."""

import subprocess
import sys

import pytest

TORCH_FREE = ["engine.tokenizer", "engine.vocab", "engine.corpus", "engine.metrics", "engine.suggestions",
              "engine.ngram", "engine.predictor", "engine.evaluate", "engine.cli", "engine.plot", "engine.paths"]


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
