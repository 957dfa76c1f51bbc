"""The test suite never touches the home folder of whoever runs it: settings, data, caches and Qt's own files
all go to folders of the run's own (conftest.py), and a run that writes there anyway fails."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Imports matplotlib as test modules do (it reads the home folder and writes its font cache there once, at
# import), opens the editor as `nextword app` does, with the person's own settings (no --settings), changes a
# preference and the window's size, and closes it.
A_WINDOW_CLOSED = '''
import matplotlib.pyplot


def test_a_window_with_the_default_settings(qtbot):
    from desktop.app import build_window

    window = build_window([])
    window.show()
    window.change_font_size(2)
    window.resize(640, 480)
    window.close()
'''

WRITES_HOME = '''
def test_that_writes_the_real_settings():
    import conftest

    folder = conftest.REAL_PLACES[0]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Nextword.ini").write_text("[General]\\n", encoding="utf-8")
'''


def _run_tests(source: str, folder: Path, home: Path) -> subprocess.CompletedProcess:
    """pytest over `source` with this suite's conftest, in a process whose real home is `home`."""
    (folder / "test_sample.py").write_text(source, encoding="utf-8")
    environment = {name: value for name, value in os.environ.items()
                   if not name.startswith("XDG_") and name not in ("HOME", "NEXTWORD_HOME")}
    environment.update(HOME=str(home), PYTHONPATH=str(ROOT / "tests") + os.pathsep + str(ROOT),
                       QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "conftest", "-p", "no:cacheprovider",
                           "--rootdir", str(folder), str(folder / "test_sample.py")],
                          capture_output=True, text=True, cwd=folder, env=environment, timeout=300)


def test_settings_live_in_nextword_home_when_it_is_set():
    from desktop.core.settings import open_settings

    settings = open_settings()
    assert Path(settings.fileName()).parent == Path(os.environ["NEXTWORD_HOME"])


def test_a_run_that_opens_and_closes_the_editor_leaves_the_real_home_empty(tmp_path):
    home = tmp_path / "person"
    home.mkdir()
    (tmp_path / "tests").mkdir()
    result = _run_tests(A_WINDOW_CLOSED, tmp_path / "tests", home)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert list(home.rglob("*")) == []


def test_a_run_that_writes_the_real_settings_fails_and_says_where(tmp_path):
    home = tmp_path / "person"
    home.mkdir()
    (tmp_path / "tests").mkdir()
    result = _run_tests(WRITES_HOME, tmp_path / "tests", home)
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    assert "wrote to the real home folder" in result.stdout
    assert str(home / ".config" / "Nextword") in result.stdout
