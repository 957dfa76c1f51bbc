"""An installed Nextword (a built wheel, not this checkout) runs from any folder without torch."""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from no_torch import BLOCK_TORCH

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("engine", "export", "desktop", "resources", "pyproject.toml", "README.md")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The wheel `pip wheel .` builds, from a copy of the sources (no build files left in the checkout)."""
    folder = tmp_path_factory.mktemp("wheel")
    source = folder / "source"
    for name in SOURCES:
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy2
        copy(ROOT / name, source / name, **({"ignore": shutil.ignore_patterns("__pycache__")}
                                            if (ROOT / name).is_dir() else {}))
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                             "-w", str(folder / "dist"), str(source)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    return next((folder / "dist").glob("nextword-*.whl"))


def test_the_wheel_carries_the_bundled_model_and_the_blocklist(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    manifest = (ROOT / "resources" / "model" / "manifest.json").read_text()
    needed = {"resources/blocklist.txt", "resources/model/manifest.json", "resources/model/vocab.json",
              "resources/model/model.int8.onnx", "resources/model/ngram.npz", "resources/model/rare_words.json"}
    assert needed <= names, needed - names
    assert zipfile.ZipFile(wheel).read("resources/model/manifest.json").decode() == manifest
    assert not any("__pycache__" in name for name in names)


@pytest.mark.bundled_model
def test_the_installed_wheel_suggests_from_another_folder_without_torch(wheel, tmp_path):
    site = tmp_path / "site"
    result = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q", "--target",
                             str(site), str(wheel)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    code = (BLOCK_TORCH +
            "import engine\n"
            f"assert engine.__file__.startswith({str(site)!r}), engine.__file__\n"
            "from engine.core.paths import read_blocklist\n"
            "from engine.runtime.model_opening import open_bundle\n"
            "predictor = open_bundle()\n"
            "assert 'you' in [s.word for s in predictor.suggest('how are yo', 3)]\n"
            "offered = [s.word.lower() for s in predictor.suggest('he was pi', 3)]\n"
            "assert offered and not set(offered) & read_blocklist(), offered\n"
            "print(predictor.backend.manifest.folder)")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=elsewhere,
                            env={**os.environ, "PYTHONPATH": str(site)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == str(site / "resources" / "model")


def test_a_missing_blocklist_is_an_error_not_an_empty_list(tmp_path):
    from engine.core.paths import MissingResource, read_blocklist

    with pytest.raises(MissingResource, match="blocklist.txt: the list of words never suggested is missing"):
        read_blocklist(tmp_path / "blocklist.txt")


def test_every_package_the_code_imports_is_declared():
    import ast
    import importlib.metadata
    import re
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = [*project["dependencies"], *(spec for extra in project["optional-dependencies"].values() for spec in extra)]
    declared = {re.split(r"[<>=!~\[; ]", spec)[0].lower().replace("_", "-") for spec in specs}
    distributions = importlib.metadata.packages_distributions()
    ours = {"engine", "export", "desktop", "resources"}
    imported = set()
    for folder in ours - {"resources"}:
        for source in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
                names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else \
                    [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else []
                imported.update(name.split(".")[0] for name in names)
    third_party = imported - ours - set(sys.stdlib_module_names)
    undeclared = {module for module in third_party
                  if not {name.lower().replace("_", "-") for name in distributions.get(module, [])} & declared}
    assert not undeclared, f"imported but not in pyproject.toml: {sorted(undeclared)}"
