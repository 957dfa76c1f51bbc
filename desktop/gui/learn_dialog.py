"""Tools → Learn from My Writing…: the lines of the chosen files are taught to the personal cache at once
(on the worker thread, no PyTorch needed); then, where PyTorch is installed, `nextword finetune --json`
runs as a separate process (export/personalize.py) with its progress shown and a Cancel button, and its
report says what it measured and whether the new model is now in use (MainWindow.load_model then loads
it while the person goes on typing).

The list of files and folders is remembered (the window's settings file, readable by the person alone) across
openings and restarts; a path is removed with Remove or Delete. Below the list, a line says how long learning
will take, estimated from the files' sizes (counted on a pool thread). The dialog is sized once for all it
shows: the progress, the report and the messages appear in room kept for them, and it never jumps."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
from pathlib import Path

from PySide6.QtCore import QProcess, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
)

from desktop.core.settings import writable
from desktop.gui.dialog_parts import KeyboardRows, buttons, cell, in_background, percent, plural, table
from engine.core.console import one_line
from engine.core.kept_text import kept_text_path
from engine.core.paths import TRAIN_EXTRA

CANCELLED_EXIT = 130  # `nextword finetune` after SIGTERM: nothing installed
PROGRESS_STEPS = 1000
# Exactly what export/personalize.py's progress() writes, from the line's start. The fine-tune writes every line
# as one line (file names' newlines escaped), so no name can begin one; and a line that is not exactly this
# (a traceback, a message naming a file) is a message, never a move of the bar.
PROGRESS_LINE = re.compile(r"progress ([01]\.\d{3})(?: (.*))?\Z")
PATHS_KEY = "learn_from_my_writing/paths"  # in the window's settings file (made readable by its owner alone)
# For the estimate: the personal cache learned chat lines at about 0.2 MB a second on a busy 2-core machine;
# a fine-tune trains for 5 minutes at most (engine/training/finetune.py), and reading, export and the proof
# before installing add 2 to 3 more (export/personalize.py).
LEARN_BYTES_PER_SECOND = 200_000
FINETUNE_MOST_SECONDS = 8 * 60


def text_files_size(paths: list[str]) -> tuple[int, int]:
    """(files, bytes) of the .txt, .md and .csv files under `paths`, as the learning will read them. Reads
    the disk: run on a pool thread."""
    from engine.core.user_text import SUFFIXES

    files = size = 0
    for given in paths:
        for path in [given] if not os.path.isdir(given) else _files_under(given):
            if os.path.splitext(path)[1].lower() in SUFFIXES:
                try:
                    size += os.stat(path).st_size
                except OSError:
                    continue  # learning says why it cannot read it
                files += 1
    return files, size


def _files_under(folder: str) -> list[str]:
    """Every file under `folder`, hidden ones left out (as learning leaves them out: not the person's writing)."""
    found = []
    for parent, folders, names in os.walk(folder):
        folders[:] = [name for name in folders if not name.startswith(".")]
        found += [os.path.join(parent, name) for name in names if not name.startswith(".")]
    return found


def say_duration(seconds: float) -> str:
    """As a person says it: "a few seconds", "about 40 seconds", "about a minute", "about 3 minutes"."""
    if seconds < 10:
        return "a few seconds"
    if seconds < 55:
        return f"about {round(seconds, -1):.0f} seconds"
    if seconds < 90:
        return "about a minute"
    if seconds < 3600:
        return f"about {round(seconds / 60)} minutes"
    return f"about {seconds / 3600:.1f} hours".replace(".0 hours", " hours")


def say_size(size: int) -> str:
    for unit, scale in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}".replace(".0 ", " ")
    return plural(size, "byte")


def estimate(files: int, size: int, fine_tune: bool) -> str:
    """How long learning from these files will take, in plain words."""
    if not files:
        return "No .txt, .md or .csv files there yet."
    text = (f"{plural(files, 'file')}, {say_size(size)}: your personal cache learns the words in "
            f"{say_duration(size / LEARN_BYTES_PER_SECOND)}")
    if fine_tune:
        text += f"; fine-tuning a model on them then takes up to {say_duration(FINETUNE_MOST_SECONDS)}"
    return text + "."


# The fine-tune's report, before and after: what each figure means, in a person's words
REPORT_ROWS = [("Keys saved, on your writing", "user", "ksr"),
               ("Next word among 3 suggestions, on your writing", "user", "top3"),
               ("Keys saved, on everyday text", "general", "ksr"),
               ("Next word among 3 suggestions, on everyday text", "general", "top3")]


def plain_reason(report: dict) -> str:
    """Why the new model is in use or not, in the dialog's own words: the fine-tune's reason (export/personalize.py
    gate) names its measures and "held-out text"."""
    reason = str(report.get("reason", "")).rstrip(".")
    before, after = report.get("before") or {}, report.get("after") or {}
    try:
        yours = f"keys saved on your writing: {percent(before['user']['ksr'])} → {percent(after['user']['ksr'])}"
        everyday = f"on everyday text: {percent(before['general']['ksr'])} → {percent(after['general']['ksr'])}"
    except (KeyError, TypeError):
        return reason
    if report.get("installed"):
        return f"it predicts your writing better ({yours})"
    if reason.startswith("not better"):
        return f"it did not predict your writing better ({yours}); the model in use stays"
    if reason.startswith("it forgot too much"):
        return f"it forgot too much of everyday text (keys saved {everyday}); the model in use stays"
    return reason


def plain_progress(text: str) -> str:
    """What the fine-tune says it is doing, without its measures' names (perplexity, tokens)."""
    if "perplexity" in text or "tokens" in text:  # engine/training/finetune.py, export/personal_model.py
        return "Fine-tuning a model on your writing"
    return text[:1].upper() + text[1:]


def torch_available() -> bool:
    """Fine-tuning needs PyTorch (the `train` extra); the editor alone does not. Looked up, never imported."""
    return importlib.util.find_spec("torch") is not None


def finetune_command(paths: list[str]) -> tuple[str, list[str]]:
    """The program and arguments that fine-tune on `paths` and print the JSON report."""
    return sys.executable, ["-m", "engine.cli", "finetune", *paths, "--json"]


class LearnDialog(QDialog):
    """Tools > Learn from My Writing…: the personal cache at once, then (with PyTorch) a fine-tune in a
    separate process. The dialog is not modal: the editor stays usable while it runs."""

    command = staticmethod(finetune_command)  # paths -> (program, arguments); tests run a fake fine-tune
    KILL_AFTER_MS = 5000  # after Cancel asks it to stop (SIGTERM), the process is killed if still running
    report_ready = Signal(object)  # the fine-tune's report (a dict), once shown

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.setWindowTitle("Learn from my writing")
        self.paths: list[str] = []
        self.kept_text = kept_text_path()
        self.process: QProcess | None = None
        self.report: dict | None = None
        self.cache_result: object | None = None  # worker.FilesLearned, once the cache learned the files
        self._partial_line = ""
        self.messages: list[str] = []  # what the fine-tune said besides progress
        self._cancelled = False
        intro = QLabel("Choose text you wrote: .txt, .md or .csv files, or a folder of them. Nextword learns its "
                       "words and phrases at once; with PyTorch installed it then fine-tunes a model on it, and "
                       "uses that model only if it predicts your writing better.")
        intro.setWordWrap(True)
        self.path_list = QListWidget()
        self.path_list.setMinimumHeight(80)
        self.path_list.setAccessibleName("Your writing")
        self.path_list.itemSelectionChanged.connect(self._on_path_selection)
        self.add_files_button = QPushButton("Add Files…")
        self.add_files_button.clicked.connect(lambda: self.choose_files())
        self.add_folder_button = QPushButton("Add Folder…")
        self.add_folder_button.clicked.connect(lambda: self.choose_folder())
        self.remove_path_button = QPushButton("Remove", enabled=False)
        self.remove_path_button.setToolTip("Take the selected files or folders off the list (they stay on disk)")
        self.remove_path_button.clicked.connect(lambda: self.remove_selected_paths())
        self._keyboard = KeyboardRows(self.path_list, self.remove_selected_paths)
        self.estimate_label = QLabel("")
        self.estimate_label.setWordWrap(True)
        self._estimates = 0  # the latest estimate's number: an older one's answer is ignored
        self.kept_note = QLabel("The text kept from your typing is learned from too." if self.kept_text.exists()
                                else "")
        self.cache_label = QLabel("")
        self.cache_label.setWordWrap(True)
        self.cache_label.setTextFormat(Qt.TextFormat.PlainText)  # file names: "<b>" in one is no markup
        self.progress = QProgressBar(minimum=0, maximum=PROGRESS_STEPS, value=0, visible=False)
        self.progress.setFormat("%p%")
        self.cancel_button = QPushButton("Cancel", visible=False)
        self.cancel_button.clicked.connect(lambda: self.cancel())
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.report_table = table(["", "Before", "After"])
        self.report_table.horizontalHeader().setStretchLastSection(False)
        self.report_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.report_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.report_table.setRowCount(len(REPORT_ROWS))
        self.report_table.setFixedHeight(self.report_table.verticalHeader().length()
                                         + self.report_table.horizontalHeader().sizeHint().height() + 4)
        self.report_table.setVisible(False)
        self.reason = QLabel("", visible=False)
        self.reason.setWordWrap(True)
        self.start_button = QPushButton("Learn", default=True)
        self.start_button.clicked.connect(lambda: self.start())
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.path_list, stretch=1)  # the one part that takes what room there is
        layout.addLayout(buttons(self.add_files_button, self.add_folder_button, self.remove_path_button,
                                 stretch_first=False))
        layout.addWidget(self.estimate_label)
        layout.addWidget(self.kept_note)
        layout.addWidget(self.cache_label)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress)
        progress_row.addWidget(self.cancel_button)
        layout.addLayout(progress_row)
        layout.addWidget(self.message)
        layout.addWidget(self.report_table)
        layout.addWidget(self.reason)
        layout.addLayout(buttons(self.start_button, self.close_button))
        self._keep_room()
        window.worker_thread.worker.files_learned.connect(self._on_files_learned)
        self.add_paths(self._remembered_paths())

    def _keep_room(self) -> None:
        """Room for all the dialog will show, from the start: what appears later (the progress, the report,
        two lines of each message) takes room kept for it, so the dialog never grows or jumps. (It did: each
        widget shown and each message that wrapped to another line made the layout taller than the dialog.)"""
        two_lines = 2 * self.fontMetrics().lineSpacing()
        for label in (self.estimate_label, self.cache_label, self.message, self.reason):
            label.setMinimumHeight(two_lines)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)  # long names: no wider
        for widget in (self.progress, self.cancel_button, self.report_table, self.reason):
            policy = widget.sizePolicy()
            policy.setRetainSizeWhenHidden(True)
            widget.setSizePolicy(policy)
        hint = self.layout().totalMinimumSize()
        self.resize(max(560, hint.width()), max(420, hint.height() + 80))

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.state() != QProcess.ProcessState.NotRunning

    # Choosing
    def choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Choose your writing", str(Path.home()),
                                                "Text (*.txt *.md *.csv);;All files (*)")
        self.add_paths(paths)

    def choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Choose a folder of your writing", str(Path.home()))
        self.add_paths([path] if path else [])

    def add_paths(self, paths) -> None:
        added = False
        for path in map(str, paths):
            if path and path not in self.paths:
                self.paths.append(path)
                self.path_list.addItem(path)
                added = True
        if added:
            self._paths_changed()

    def remove_selected_paths(self) -> None:
        if not self.add_files_button.isEnabled():
            return  # learning from them now
        chosen = {item.text() for item in self.path_list.selectedItems()}
        if not chosen:
            return
        self.paths = [path for path in self.paths if path not in chosen]
        for item in self.path_list.selectedItems():
            self.path_list.takeItem(self.path_list.row(item))
        self._paths_changed()

    def _on_path_selection(self) -> None:
        self.remove_path_button.setEnabled(self.add_files_button.isEnabled() and
                                           bool(self.path_list.selectedItems()))

    def _paths_changed(self) -> None:
        self._remember_paths()
        self._on_path_selection()
        self._estimate()

    # Remembered across openings and restarts
    def _remembered_paths(self) -> list[str]:
        value = self.window.settings.value(PATHS_KEY, [])
        if isinstance(value, str):  # an INI file hands back one path as a string
            value = [value] if value else []
        return [path for path in value if isinstance(path, str)] if isinstance(value, list) else []

    def _remember_paths(self) -> None:
        settings = self.window.settings
        if writable(settings):
            settings.setValue(PATHS_KEY, list(self.paths))
            settings.sync()

    # How long it will take
    def _estimate(self) -> None:
        self._estimates += 1
        serial, paths = self._estimates, list(self.paths)
        if not paths:
            self.estimate_label.setText("")
            return
        self.estimate_label.setText("Counting the text…")
        in_background(self, lambda: text_files_size(paths),
                      lambda counted, problem: self._show_estimate(serial, counted, problem))

    def _show_estimate(self, serial: int, counted, problem: str) -> None:
        if serial == self._estimates:
            self.estimate_label.setText(estimate(*counted, torch_available()) if counted else "")

    # Learning
    def start(self) -> None:
        if not self.paths:
            self.say("Add files or a folder of your writing first.")
            return
        paths = list(self.paths) + ([str(self.kept_text)] if self.kept_text.exists() else [])
        for widget in (self.start_button, self.add_files_button, self.add_folder_button, self.remove_path_button):
            widget.setEnabled(False)
        self.report_table.setVisible(False)
        self.reason.setVisible(False)
        self.cache_label.setText("Your personal cache is learning the text…")
        self.window.files_to_learn.emit(paths)  # on the worker thread: _on_files_learned says how it went
        if not torch_available():
            line = f"Fine-tuning a model needs PyTorch, which is not installed here: {TRAIN_EXTRA}"
            self.say(line)
            self.window.statusBar().showMessage(line, 30000)
            return
        program, arguments = self.command(paths)
        self._cancelled, self._partial_line, self.messages, self.report = False, "", [], None
        self.process = QProcess(self)
        self.process.setProgram(program)
        self.process.setArguments(arguments)
        self.process.readyReadStandardError.connect(self._on_stderr)
        self.process.finished.connect(self._on_finished)
        self.process.errorOccurred.connect(self._on_process_error)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.cancel_button.setVisible(True)
        self.cancel_button.setEnabled(True)
        self.say("Starting the fine-tune…")
        self.process.start()

    def _on_files_learned(self, result) -> None:
        self.cache_result = result
        if result.paused:
            text = "Off the record (Tools > Off the Record): nothing was added to your personal cache."
        else:
            text = (f"Your personal cache learned {plural(result.lines_learned, 'line')} from "
                    f"{plural(len(result.files), 'file')}.")
        if result.lines_failed:
            text += (f" {plural(result.lines_failed, 'line')} could not be learned ({one_line(result.problem)}); "
                     "the others were.")
        if result.skipped:
            text += " Skipped: " + "; ".join(f"{one_line(Path(path).name)} ({one_line(why)})"
                                             for path, why in result.skipped[:3])
            text += " …" if len(result.skipped) > 3 else ""
        self.cache_label.setText(text)

    def say(self, text: str) -> None:
        self.message.setText(text)

    def _on_stderr(self) -> None:
        text = self._partial_line + bytes(self.process.readAllStandardError()).decode("utf-8", "replace")
        *lines, self._partial_line = text.split("\n")
        for line in lines:
            self._on_line(line.strip())

    def _on_line(self, line: str) -> None:
        """`progress 0.420 what` moves the bar; any other line is a message (the last one is shown)."""
        if not line:
            return
        progress = PROGRESS_LINE.match(line)
        if progress:
            self.progress.setValue(round(min(1.0, float(progress.group(1))) * PROGRESS_STEPS))
            if progress.group(2):
                self.say(plain_progress(progress.group(2)))
            return
        self.messages.append(line)
        self.say(line.removeprefix("nextword finetune: "))

    def _on_finished(self, exit_code: int, exit_status) -> None:
        self._on_stderr()
        self._on_line(self._partial_line.strip())
        self._partial_line = ""
        self.cancel_button.setEnabled(False)
        output = bytes(self.process.readAllStandardOutput()).decode("utf-8", "replace")
        finished = exit_status == QProcess.ExitStatus.NormalExit and exit_code == 0
        if finished:  # even after Cancel: one that came while the model was being installed is ignored
            try:
                report = json.loads(output)
                self.show_report(report)
            except (ValueError, TypeError, KeyError, AttributeError) as error:
                self._done(f"The fine-tune ended, but its report could not be read ({error}); the model in use stays.")
        elif self._cancelled or exit_code == CANCELLED_EXIT:
            self._done("Cancelled: the model in use stays.")
        else:
            last = self.messages[-1].removeprefix("nextword finetune: ") if self.messages else \
                f"exit code {exit_code}"
            self._done(f"The fine-tune stopped: {last}. The model in use stays.")

    def _on_process_error(self, error) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self._done(f"The fine-tune could not start: {self.process.errorString()}")

    def _done(self, text: str) -> None:
        self.say(text)
        self.cancel_button.setVisible(False)
        for widget in (self.start_button, self.add_files_button, self.add_folder_button):
            widget.setEnabled(True)
        self._on_path_selection()

    def show_report(self, report: dict) -> None:
        """The before/after table and the reason; an installed model is loaded by the worker at once."""
        for row, (name, part, metric) in enumerate(REPORT_ROWS):
            self.report_table.setItem(row, 0, cell(name))
            for column, when in ((1, "before"), (2, "after")):
                value = (report.get(when) or {}).get(part, {}).get(metric)
                self.report_table.setItem(row, column, cell(percent(value), align_right=True))
        self.report_table.setVisible(True)
        installed = bool(report.get("installed"))
        reason = plain_reason(report)
        new_words = report.get("new_word_count")
        said = f" It learned {plural(new_words, 'new word')}." if new_words else ""
        if installed:
            model_id = report.get("model_id") or "the new model"
            text = f"Installed as {model_id}: {reason}.{said}"
            if self.window.preferences.model_path:
                text += (" Preferences name a model folder, which stays in use until that setting is cleared "
                         "(Edit > Preferences).")
            self.window.statusBar().showMessage(f"Now using {model_id}, learned from your writing", 20000)
            self.window.load_model()  # the worker loads the active model; typing goes on meanwhile
        else:
            text = f"Not installed: {reason}."
        self.reason.setText(text)
        self.reason.setVisible(True)
        self.report = report
        self.progress.setValue(PROGRESS_STEPS)
        self._done("Done.")
        self.report_ready.emit(report)

    # Stopping
    def cancel(self) -> None:
        """Ask the fine-tune to stop (it removes its work; nothing is installed); kill it if it lingers."""
        if not self.running:
            return
        self._cancelled = True
        self.cancel_button.setEnabled(False)
        self.say("Cancelling…")
        self.process.terminate()
        QTimer.singleShot(self.KILL_AFTER_MS, self, self._kill_if_running)

    def _kill_if_running(self) -> None:
        if self.running:
            self.process.kill()

    def stop_for_exit(self) -> None:
        """The window is closing: the fine-tune is cancelled now (a few seconds at most)."""
        if self.running:
            self._cancelled = True
            self.process.terminate()
            if not self.process.waitForFinished(3000):
                self.process.kill()
                self.process.waitForFinished(1000)

    def reject(self) -> None:  # Esc, Close and the title bar's close: while it runs, they cancel it
        if self.running:
            self.cancel()
        else:
            super().reject()


