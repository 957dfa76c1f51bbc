"""The preferences dialog: suggestions, grey text, typos, model, where it runs, learning (off the record, text
kept), the acceptance log and blocked words. Used from the keyboard alone: Tab goes through every control to
OK and Cancel (in the blocked-words box too).

A model folder typed or chosen (Browse…) is checked on a pool thread as it changes (engine/core/bundle.py reads
its manifest and checks its files): the line below it says what it holds or why Nextword cannot use it, and OK
refuses a folder that cannot be used. The graphics card (CUDA) is offered only where onnxruntime has it."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
)

from desktop.core.settings import CORRECTION_MODES, OFF_THE_RECORD_KEY, Preferences
from desktop.gui.dialog_parts import in_background

CORRECTION_CHOICES = {"autocorrect": "Correct typos as I type", "suggest": "Suggest corrections only", "off": "Off"}
PROVIDER_CHOICES = {"auto": "The graphics card where there is one, else the processor",
                    "cpu": "The processor (CPU)", "cuda": "The graphics card (CUDA)"}
NO_CUDA = "The graphics card cannot be used here (this Nextword's ONNX Runtime has no CUDA): the model runs on " \
          "the processor."
CHOOSE_ANOTHER = "choose the folder of a model Nextword made (Tools > Models lists yours), or leave this empty"
CHECK_DELAY_MS = 300  # a folder typed by hand is checked once the typing pauses


def describe_model_folder(path: str) -> str:
    """What a model folder holds, in a few words; BundleError (a ValueError) saying why it cannot be used.
    Reads the disk: run on a pool thread."""
    from engine.core.bundle import ARCHITECTURE_NAMES, BundleError, check_files, read_manifest

    try:
        manifest = read_manifest(path, advice=CHOOSE_ANOTHER)
        check_files(manifest)
    except BundleError as error:  # said of the folder the person is looking at: its files by name alone
        folder = str(Path(path))
        raise BundleError(str(error).replace(folder + os.sep, "").replace(folder, "this folder")) from None
    return f"A model Nextword can use: {ARCHITECTURE_NAMES[manifest.architecture]}, {manifest.vocab_size:,} words."


class PreferencesDialog(QDialog):
    def __init__(self, preferences: Preferences, parent=None, tuned_confidence: float | None = None):
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self._original = preferences
        form = QFormLayout(self)
        self.chip_count = QSpinBox(minimum=0, maximum=5, value=preferences.chip_count)
        self.chip_count.setSpecialValueText("None")
        self.inline_enabled = QCheckBox("Show the likeliest continuation in grey", checked=preferences.inline_enabled)
        self.min_confidence = QSpinBox(minimum=0, maximum=100, singleStep=5, suffix="% sure",
                                       value=round(preferences.inline_min_confidence * 100))
        tuned = f"now {round(tuned_confidence * 100)}%" if tuned_confidence is not None else \
            "once you have typed a while"
        self.confidence_auto = QCheckBox(f"Choose this for me from the grey text I take ({tuned})",
                                         checked=preferences.inline_confidence_auto)
        self.min_confidence.setEnabled(not preferences.inline_confidence_auto)
        self.confidence_auto.toggled.connect(lambda on: self.min_confidence.setEnabled(not on))
        self._build_model_row(preferences)
        self._build_provider_row(preferences)
        self.corrections = QComboBox()
        for mode in CORRECTION_MODES:
            self.corrections.addItem(CORRECTION_CHOICES[mode], mode)
        self.corrections.setCurrentIndex(CORRECTION_MODES.index(preferences.corrections))
        self.corrections.setToolTip("Correct typos as I type: a sure correction replaces the word when you type a "
                                    "space or punctuation; Backspace right after puts back what you typed.\n"
                                    "Suggest corrections only: they are offered among the chips, never made.\n"
                                    "Off: no corrections at all.")
        self.spell_check = QCheckBox("Underline words that may be misspelled", checked=preferences.spell_check)
        self.auto_capitalize = QCheckBox("Capitalise the first word of a sentence, and \"i\"",
                                         checked=preferences.auto_capitalize)
        self.learning_paused = QCheckBox(f"Off the record: nothing is learned, kept or logged ({OFF_THE_RECORD_KEY})",
                                         checked=preferences.learning_paused)
        self.keep_typed_text = QCheckBox("Keep what I type for learning (for the next fine-tune)",
                                         checked=preferences.keep_typed_text)
        self.store_accepted_words = QCheckBox("Keep the words I accept in the acceptance log, for my own analysis",
                                              checked=preferences.store_accepted_words)
        self.blocked_words = QPlainTextEdit("\n".join(preferences.blocked_words))
        self.blocked_words.setPlaceholderText("one word per line")
        self.blocked_words.setTabChangesFocus(True)  # Tab moves on to OK, as in every other field
        form.addRow("Suggestion chips", self.chip_count)
        form.addRow("Grey text", self.inline_enabled)
        form.addRow("Show it when Nextword is at least", self.min_confidence)
        form.addRow("", self.confidence_auto)
        form.addRow("Typos", self.corrections)
        form.addRow("", self.spell_check)
        form.addRow("Capitals", self.auto_capitalize)
        form.addRow("Model folder", self.model_row)
        form.addRow("", self.model_note)
        form.addRow("Run the model on", self.provider)
        form.addRow("", self.provider_note)
        form.addRow("Learning", self.learning_paused)
        form.addRow("", self.keep_typed_text)
        form.addRow("Acceptance log", self.store_accepted_words)
        form.addRow("Never suggest these words", self.blocked_words)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self._check_model_folder()

    def _build_model_row(self, preferences: Preferences) -> None:
        self.model_path = QLineEdit(preferences.model_path, placeholderText="the model in use (Tools > Models)")
        self.browse_button = QPushButton("Browse…")
        self.browse_button.clicked.connect(lambda: self.browse_model_folder())
        self.model_row = QHBoxLayout()
        self.model_row.addWidget(self.model_path)
        self.model_row.addWidget(self.browse_button)
        self.model_note = QLabel("")
        self.model_note.setWordWrap(True)
        self.model_note.setTextFormat(Qt.TextFormat.PlainText)  # a folder's name is no markup
        self.model_problem = ""  # why the folder typed cannot be used; empty when it can (or none is named)
        self._checks = 0  # the latest check's number: an older one's answer is ignored
        self._checking = False
        self._accept_when_checked = False
        self._check_timer = QTimer(self, singleShot=True, interval=CHECK_DELAY_MS, timeout=self._check_model_folder)
        self.model_path.textChanged.connect(self._on_model_path_edited)

    def _build_provider_row(self, preferences: Preferences) -> None:
        from engine.runtime.onnx_backend import can_run_on  # onnxruntime: loaded by the worker long before

        self.provider = QComboBox()
        offered = ["auto", "cpu", "cuda"] if can_run_on("cuda") else ["auto", "cpu"]
        for name in offered:
            self.provider.addItem(PROVIDER_CHOICES[name], name)
        self.provider_note = QLabel("")
        self.provider_note.setWordWrap(True)
        chosen = preferences.provider if preferences.provider in offered else "auto"
        self.provider.setCurrentIndex(offered.index(chosen))
        if preferences.provider == "cuda" and "cuda" not in offered:
            self.provider_note.setText(NO_CUDA)
        self.provider_note.setVisible(bool(self.provider_note.text()))

    # The model folder
    def browse_model_folder(self) -> None:
        start = self.model_path.text().strip() or str(Path.home())
        folder = QFileDialog.getExistingDirectory(self, "Choose a model folder", start)
        if folder:
            self.model_path.setText(folder)

    def _on_model_path_edited(self) -> None:
        self._checking = True  # from now: OK waits for the check of what is typed
        self._check_timer.start()

    def _check_model_folder(self) -> None:
        path = self.model_path.text().strip()
        self._checks += 1
        if not path:
            self._show_check(self._checks, "", "")
            return
        self._checking = True
        self.model_note.setText("Checking the folder…")
        serial = self._checks
        in_background(self, lambda: describe_model_folder(path),
                      lambda description, problem: self._show_check(serial, description, problem))

    def _show_check(self, serial: int, description, problem: str) -> None:
        if serial != self._checks:
            return
        self._checking = False
        self.model_problem = problem
        self.model_note.setText(f"Nextword cannot use this folder: {problem}" if problem else description or "")
        self.model_note.setVisible(bool(self.model_note.text()))
        if self._accept_when_checked:
            self._accept_when_checked = False
            self.accept()

    def accept(self) -> None:
        """OK: a model folder that cannot be used is refused (its line says why); one still being checked is
        accepted once the check says it can be used."""
        if self._checking:
            self._accept_when_checked = True
            if self._check_timer.isActive():
                self._check_timer.stop()
                self._check_model_folder()
            return
        if self.model_problem and self.model_path.text().strip() != self._original.model_path:
            self.model_path.setFocus()
            return
        super().accept()

    def _min_confidence(self) -> float:
        """The figure shown in whole percent; the one tuned (0.237) stays as it is unless the person changed it."""
        original = self._original.inline_min_confidence
        return original if self.min_confidence.value() == round(original * 100) else self.min_confidence.value() / 100

    def result_preferences(self) -> Preferences:
        words = [line.strip().lower() for line in self.blocked_words.toPlainText().splitlines() if line.strip()]
        return replace(self._original, chip_count=self.chip_count.value(),
                       inline_enabled=self.inline_enabled.isChecked(),
                       inline_min_confidence=self._min_confidence(),
                       inline_confidence_auto=self.confidence_auto.isChecked(),
                       model_path=self.model_path.text().strip(),
                       provider=self.provider.currentData(), corrections=self.corrections.currentData(),
                       spell_check=self.spell_check.isChecked(), auto_capitalize=self.auto_capitalize.isChecked(),
                       learning_paused=self.learning_paused.isChecked(),
                       keep_typed_text=self.keep_typed_text.isChecked(),
                       store_accepted_words=self.store_accepted_words.isChecked(),
                       blocked_words=list(dict.fromkeys(words)))
