"""The preferences dialog: suggestions, inline text, model, provider, learning (paused, text kept), and blocked
words."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
)

from desktop.settings import CORRECTION_MODES, OFF_THE_RECORD_KEY, Preferences

CORRECTION_CHOICES = {"autocorrect": "Correct typos as I type", "suggest": "Suggest corrections only", "off": "Off"}


class PreferencesDialog(QDialog):
    def __init__(self, preferences: Preferences, parent=None, tuned_confidence: float | None = None):
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self._original = preferences
        form = QFormLayout(self)
        self.chip_count = QSpinBox(minimum=0, maximum=5, value=preferences.chip_count)
        self.inline_enabled = QCheckBox("Show the likeliest continuation in grey", checked=preferences.inline_enabled)
        self.min_confidence = QDoubleSpinBox(minimum=0.0, maximum=1.0, singleStep=0.05, decimals=2,
                                             value=preferences.inline_min_confidence)
        tuned = f"{tuned_confidence:.2f}" if tuned_confidence is not None else "not yet: too little logged"
        self.confidence_auto = QCheckBox(f"Tune it from my acceptance log (tuned: {tuned})",
                                         checked=preferences.inline_confidence_auto)
        self.min_confidence.setEnabled(not preferences.inline_confidence_auto)
        self.confidence_auto.toggled.connect(lambda on: self.min_confidence.setEnabled(not on))
        self.model_path = QLineEdit(preferences.model_path, placeholderText="the active model (Tools > Models)")
        self.provider = QComboBox()
        self.provider.addItems(["auto", "cpu", "cuda"])
        self.provider.setCurrentText(preferences.provider)
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
        form.addRow("Suggestion chips", self.chip_count)
        form.addRow("Inline completion", self.inline_enabled)
        form.addRow("Minimum confidence for inline text", self.min_confidence)
        form.addRow("", self.confidence_auto)
        form.addRow("Typos", self.corrections)
        form.addRow("", self.spell_check)
        form.addRow("Capitals", self.auto_capitalize)
        form.addRow("Model bundle folder", self.model_path)
        form.addRow("Run the model on", self.provider)
        form.addRow("Learning", self.learning_paused)
        form.addRow("", self.keep_typed_text)
        form.addRow("Acceptance log", self.store_accepted_words)
        form.addRow("Never suggest these words", self.blocked_words)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def result_preferences(self) -> Preferences:
        words = [line.strip().lower() for line in self.blocked_words.toPlainText().splitlines() if line.strip()]
        return replace(self._original, chip_count=self.chip_count.value(),
                       inline_enabled=self.inline_enabled.isChecked(),
                       inline_min_confidence=self.min_confidence.value(),
                       inline_confidence_auto=self.confidence_auto.isChecked(),
                       model_path=self.model_path.text().strip(),
                       provider=self.provider.currentText(), corrections=self.corrections.currentData(),
                       spell_check=self.spell_check.isChecked(), auto_capitalize=self.auto_capitalize.isChecked(),
                       learning_paused=self.learning_paused.isChecked(),
                       keep_typed_text=self.keep_typed_text.isChecked(),
                       store_accepted_words=self.store_accepted_words.isChecked(),
                       blocked_words=list(dict.fromkeys(words)))
