"""`nextword app`: the editor. `build_window(argv)` builds everything without entering the event loop."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from desktop.core.settings import APPLICATION, ORGANIZATION, Preferences, open_settings, settings_problem


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nextword app", description="Open the Nextword editor.")
    parser.add_argument("file", nargs="?", help="a text or Markdown file to open")
    parser.add_argument("--model", help="a bundle folder to use instead of the one in preferences")
    parser.add_argument("--provider", choices=["auto", "cpu", "cuda"], help="where the model runs")
    parser.add_argument("--settings", help="an INI file for settings (default: the user's settings)")
    return parser


def build_window(argv: list[str] | None = None):
    """The first window, FILE opened, then what a crashed session left offered back (desktop/document/recovery.py);
    windows opened for restored documents are in `window.recovered_windows`. Raises DataFolderRefused for a
    data folder that is not the person's alone (engine/core/data_folder.py), before anything is read from it."""
    from desktop.document import files, recovery
    from engine.core import data_folder

    args = build_parser().parse_args(argv)
    repaired = data_folder.prepare()
    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    settings = open_settings(args.settings)
    window = _new_window(args, settings)
    window.messages.say(settings_problem(settings))
    for note in repaired:
        window.messages.say(note)
    if args.file and Path(args.file).exists():
        files.open_path(window, args.file)
    elif args.file:
        files.start_new_file(window, args.file)  # saved there when the person saves
    window.recovered_windows = recovery.offer(window, Path(args.file) if args.file else None,
                                              lambda: _new_window(args, settings))
    return window


def _new_window(args: argparse.Namespace, settings):
    from desktop.gui.main_window import MainWindow
    from desktop.log.acceptance import AcceptanceRecorder

    preferences = Preferences.load(settings)
    if args.model:
        preferences.model_path = args.model
    if args.provider:
        preferences.provider = args.provider
    window = MainWindow(settings, preferences)
    window.attach_recorder(AcceptanceRecorder.attach(window))
    geometry = settings.value("window/geometry")
    if geometry is not None:
        window.restoreGeometry(geometry)
    else:
        window.resize(900, 600)
    return window


def _refuse(reason: str) -> int:
    """Said where the person looks: the terminal, and a window (started from a menu, there is no terminal)."""
    from PySide6.QtWidgets import QMessageBox

    print(f"nextword app: {reason}", file=sys.stderr)
    QApplication.instance() or QApplication([sys.argv[0]])
    QMessageBox.critical(None, "Nextword cannot start", reason)
    return 2


def main(argv: list[str] | None = None) -> int:
    build_parser().parse_args(argv)  # --help and bad options answer before anything else
    from desktop.core.platform_check import display_problem

    problem = display_problem()
    if problem:
        print(f"nextword app: {problem}", file=sys.stderr)
        return 2
    from engine.core.data_folder import DataFolderRefused

    try:
        window = build_window(argv)
    except DataFolderRefused as refused:
        return _refuse(str(refused))
    window.show()
    return QApplication.instance().exec()


if __name__ == "__main__":
    sys.exit(main())
