"""Can Qt open a window here? Asked before Qt starts, because Qt's own answer is to abort the process.

On Linux, Qt draws through its xcb platform plugin, which needs a set of X libraries that a minimal
system lacks (Debian: libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1 and friends), and a display.
Without them Qt prints several lines and aborts. This module names what is missing in one line, with
the packages that provide it, so `nextword app` can say so and exit.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

# Debian names a library's package after its soname; these are the exceptions Qt's plugin meets.
PACKAGE_EXCEPTIONS = {"libglib-2.0.so.0": "libglib2.0-0", "libgthread-2.0.so.0": "libglib2.0-0"}
_NOT_FOUND = re.compile(r"^\s*(\S+) => not found", re.MULTILINE)


def debian_package(soname: str) -> str:
    """libxcb-icccm.so.4 -> libxcb-icccm4, libxkbcommon-x11.so.0 -> libxkbcommon-x11-0 (Debian policy 8.1)."""
    if soname in PACKAGE_EXCEPTIONS:
        return PACKAGE_EXCEPTIONS[soname]
    name, _, version = soname.partition(".so.")
    joiner = "-" if name[-1:].isdigit() else ""
    return f"{name}{joiner}{version}".lower()


def xcb_plugin() -> Path | None:
    from PySide6.QtCore import QLibraryInfo

    plugin = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms" / "libqxcb.so"
    return plugin if plugin.is_file() else None


def missing_libraries(plugin: Path) -> list[str]:
    """The sonames the plugin needs and the system lacks: all of them from ldd, else the first one
    that loading the plugin reports. xcb-cursor is loaded by Qt at run time, so it is asked for too."""
    missing: list[str] = []
    if shutil.which("ldd"):
        listing = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, timeout=20).stdout
        missing = list(dict.fromkeys(_NOT_FOUND.findall(listing)))
    else:
        try:
            ctypes.CDLL(str(plugin))
        except OSError as error:
            missing = re.findall(r"(lib[\w.+-]+\.so[.\d]*)", str(error))[:1]
    if ctypes.util.find_library("xcb-cursor") is None:
        missing.append("libxcb-cursor.so.0")
    return missing


def display_problem(environment=os.environ) -> str | None:
    """One line saying why Qt could not open a window here, or None when it can (or Qt is not on Linux's
    xcb, where this check has nothing to say)."""
    if not sys.platform.startswith("linux"):
        return None
    platform = environment.get("QT_QPA_PLATFORM", "")
    if (platform and not platform.startswith("xcb")) or (not platform and environment.get("WAYLAND_DISPLAY")):
        return None  # offscreen, wayland, vnc...: not the X libraries
    plugin = xcb_plugin()
    missing = missing_libraries(plugin) if plugin is not None else []
    if missing:
        packages = " ".join(dict.fromkeys(debian_package(name) for name in missing))
        return (f"Qt cannot open a window: the system lacks {', '.join(missing)}; install them (Debian and "
                f"Ubuntu: sudo apt install {packages}) and start it again")
    if not environment.get("DISPLAY"):
        return ("there is no display to open a window on (DISPLAY is not set): start it from a desktop session, "
                "or with QT_QPA_PLATFORM=offscreen to run it without a screen")
    return None
