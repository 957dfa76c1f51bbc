"""Tools → Learn from My Writing…: the lines of the chosen files are taught to the personal cache at once
(on the worker thread, no PyTorch needed); then, where PyTorch is installed, `nextword finetune --json`
runs as a separate process (export/personalize.py) with its progress shown and a Cancel button, and its
report says what it measured and whether the new model is now in use (MainWindow.load_model then loads
it while the person goes on typing)."""

from __future__ import annotations

import importlib.util
import json
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
    QVBoxLayout,
)

from desktop.dialog_parts import buttons, cell, percent, plural, table
from engine.core.console import one_line
from engine.core.kept_text import kept_text_path
from engine.core.paths import TRAIN_EXTRA

CANCELLED_EXIT = 130  # `nextword finetune` after SIGTERM: nothing installed
PROGRESS_STEPS = 1000
# Exactly what export/personalize.py's progress() writes, from the line's start. The fine-tune writes every line
# as one line (file names' newlines escaped), so no name can begin one; and a line that is not exactly this
# (a traceback, a message naming a file) is a message, never a move of the bar.
PROGRESS_LINE = re.compile(r"progress ([01]\.\d{3})(?: (.*))?\Z")


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
        self.add_files_button = QPushButton("Add Files…")
        self.add_files_button.clicked.connect(lambda: self.choose_files())
        self.add_folder_button = QPushButton("Add Folder…")
        self.add_folder_button.clicked.connect(lambda: self.choose_folder())
        self.kept_note = QLabel("The text kept from your typing is learned from too." if self.kept_text.exists()
                                else "")
        self.cache_label = QLabel("")
        self.cache_label.setWordWrap(True)
        self.cache_label.setTextFormat(Qt.TextFormat.PlainText)  # file names: "<b>" in one is no markup
        self.progress = QProgressBar(minimum=0, maximum=PROGRESS_STEPS, value=0, visible=False)
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
        self.report_table.setVisible(False)
        self.reason = QLabel("", visible=False)
        self.reason.setWordWrap(True)
        self.start_button = QPushButton("Learn", default=True)
        self.start_button.clicked.connect(lambda: self.start())
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.path_list)
        layout.addLayout(buttons(self.add_files_button, self.add_folder_button, stretch_first=False))
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
        self.resize(560, 420)
        window.worker_thread.worker.files_learned.connect(self._on_files_learned)

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
        for path in map(str, paths):
            if path not in self.paths:
                self.paths.append(path)
                self.path_list.addItem(path)

    # Learning
    def start(self) -> None:
        if not self.paths:
            self.say("Add files or a folder of your writing first.")
            return
        paths = list(self.paths) + ([str(self.kept_text)] if self.kept_text.exists() else [])
        for widget in (self.start_button, self.add_files_button, self.add_folder_button):
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
                self.say(progress.group(2)[:1].upper() + progress.group(2)[1:])
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

    def show_report(self, report: dict) -> None:
        """The before/after table and the reason; an installed model is loaded by the worker at once."""
        rows = [("Your text: keystroke savings", "user", "ksr"), ("Your text: top-3 words", "user", "top3"),
                ("General text: keystroke savings", "general", "ksr"), ("General text: top-3 words", "general", "top3")]
        self.report_table.setRowCount(len(rows))
        for row, (name, part, metric) in enumerate(rows):
            self.report_table.setItem(row, 0, cell(name))
            for column, when in ((1, "before"), (2, "after")):
                value = (report.get(when) or {}).get(part, {}).get(metric)
                self.report_table.setItem(row, column, cell(percent(value), align_right=True))
        self.report_table.setVisible(True)
        self.report_table.setFixedHeight(self.report_table.verticalHeader().length()
                                         + self.report_table.horizontalHeader().height() + 4)
        installed = bool(report.get("installed"))
        reason = str(report.get("reason", "")).rstrip(".")
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
        self.resize(self.width(), max(self.height(), self.sizeHint().height()))  # room for the table
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


