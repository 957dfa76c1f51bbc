"""`nextword app` on a system where Qt cannot open a window: one line saying what to do, never Qt's abort."""

import ctypes
import os
import subprocess
import sys

import pytest

from desktop.core.platform_check import debian_package, display_problem, missing_libraries, xcb_plugin

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the xcb plugin is Linux's")


@pytest.mark.parametrize("soname, package", [("libxcb-icccm.so.4", "libxcb-icccm4"),
                                             ("libxcb-cursor.so.0", "libxcb-cursor0"),
                                             ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
                                             ("libX11-xcb.so.1", "libx11-xcb1"),
                                             ("libglib-2.0.so.0", "libglib2.0-0")])
def test_a_missing_library_is_named_with_its_debian_package(soname, package):
    assert debian_package(soname) == package


def test_the_libraries_found_missing_are_what_stops_the_plugin_from_loading():
    plugin = xcb_plugin()
    linked = [name for name in missing_libraries(plugin) if name != "libxcb-cursor.so.0"]  # loaded later by Qt
    try:
        ctypes.CDLL(str(plugin))
        loads = True
    except OSError:
        loads = False
    assert loads == (linked == [])


def test_other_qt_platforms_are_not_checked():
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}) is None
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}) is None


def test_without_a_display_the_editor_says_so_in_one_line_instead_of_aborting(tmp_path):
    environment = {name: value for name, value in os.environ.items()
                   if name not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run([sys.executable, "-m", "engine.cli", "app"], capture_output=True, text=True,
                            timeout=60, env={**environment, "NEXTWORD_HOME": str(tmp_path)})
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nextword app: ")
    assert "sudo apt install" in lines[0] or "DISPLAY is not set" in lines[0]
