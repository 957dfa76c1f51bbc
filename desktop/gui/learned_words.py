"""Tools → Learned Words…: what the personal cache knows, most used first; remove words (never learned
again) or forget everything. Below, the spellings the person taught (Add to Dictionary, an autocorrection put
back): never corrected or underlined; removing one lets autocorrect correct it again. The worker owns the
cache: the lists arrive as snapshots through signals."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
)

from desktop.gui.dialog_parts import KeyboardRows, ask, buttons, cell, table

MOST_WORDS_SHOWN = 2000  # the learned-words table; the filter finds the others


class LearnedWordsDialog(QDialog):
    """The words the personal cache learned: word, uses (decayed), "new" where the model has no row for it."""

    COLUMNS = ["Word", "Uses", ""]

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.setWindowTitle("Learned words")
        self.words: list = []  # LearnedWord, most used first: the latest snapshot from the worker
        self.paused_note = QLabel("Off the record (Tools > Off the Record): nothing new is learned.")
        self.filter = QLineEdit(placeholderText="Filter")
        self.filter.textChanged.connect(self._fill)
        self.table = table(self.COLUMNS)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.itemSelectionChanged.connect(self._on_selection)
        self.summary = QLabel("reading…")
        self.remove_button = QPushButton("Remove", enabled=False)
        self.remove_button.setToolTip("Forget the selected words and never learn them again")
        self.remove_button.clicked.connect(lambda: self.remove_selected())
        self.forget_button = QPushButton("Forget Everything Learned…")
        self.forget_button.clicked.connect(lambda: self.forget_everything())
        self.spellings = QListWidget()
        self.spellings.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.spellings.setAccessibleName("Your spellings")
        self.spellings.itemSelectionChanged.connect(self._on_selection)
        self.spellings_label = QLabel("Your spellings: never corrected or underlined")
        self.remove_spelling_button = QPushButton("Remove Spelling", enabled=False)
        self.remove_spelling_button.setToolTip("Let autocorrect and spell-check correct the selected words again")
        self.remove_spelling_button.clicked.connect(lambda: self.remove_selected_spellings())
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.paused_note)
        layout.addWidget(self.filter)
        layout.addWidget(self.table)
        layout.addWidget(self.summary)
        layout.addLayout(buttons(self.remove_button, self.forget_button))
        layout.addWidget(self.spellings_label)
        layout.addWidget(self.spellings)
        layout.addLayout(buttons(self.remove_spelling_button, close))
        self.resize(420, 600)
        # From the keyboard: the arrows select a row, Delete removes it
        self._keyboard = [KeyboardRows(self.table, self.remove_selected),
                          KeyboardRows(self.spellings, self.remove_selected_spellings)]
        worker = window.worker_thread.worker
        worker.learned_words_ready.connect(self.show_words)
        worker.spellings_ready.connect(self.show_spellings)
        self.refresh()

    def refresh(self) -> None:
        """Ask the worker for what the cache knows now; show_words receives it."""
        self.paused_note.setVisible(self.window.preferences.learning_paused)
        self.window.learned_words_requested.emit()

    def show_words(self, words) -> None:
        self.words = list(words)
        self._fill()

    def show_spellings(self, words) -> None:
        self.spellings.clear()
        self.spellings.addItems(list(words))
        self.spellings_label.setText("Your spellings: never corrected or underlined" if words else
                                     "Your spellings: none yet (Add to Dictionary on an underlined word, or "
                                     "Backspace right after an autocorrection, adds one)")
        self._on_selection()

    def selected_spellings(self) -> list[str]:
        return [item.text() for item in self.spellings.selectedItems()]

    def remove_selected_spellings(self) -> None:
        words = self.selected_spellings()
        if words:
            self.window.spellings_removed.emit(words)  # the worker answers with the new list

    def _fill(self) -> None:
        needle = self.filter.text().strip().lower()
        shown = [item for item in self.words if needle in item.word][:MOST_WORDS_SHOWN]
        self.table.setRowCount(len(shown))
        for row, item in enumerate(shown):
            self.table.setItem(row, 0, cell(item.shown))
            self.table.setItem(row, 1, cell(f"{item.count:.0f}" if item.count >= 0.5 else "<1", align_right=True))
            self.table.setItem(row, 2, cell("" if item.known else "new"))
        total = len(self.words)
        self.summary.setText(f"{total} words learned" + (f"; {len(shown)} shown" if len(shown) < total else "")
                             if total else "Nothing learned yet: finish a sentence, or Tools > Learn from My Writing")
        self._on_selection()

    def selected_words(self) -> list[str]:
        rows = sorted({index.row() for index in self.table.selectedIndexes()})
        return [self.table.item(row, 0).text() for row in rows]

    def _on_selection(self) -> None:
        self.remove_button.setEnabled(bool(self.selected_words()))
        self.remove_spelling_button.setEnabled(bool(self.selected_spellings()))

    def remove_selected(self) -> None:
        words = self.selected_words()
        if words:
            self.window.learned_words_removed.emit(words)  # the worker answers with the new list

    def forget_everything(self, confirmed: bool = False) -> None:
        if confirmed or ask(self, "Forget everything learned",
                             "Forget every word and phrase learned from your writing, and your spellings?",
                             "Forget Everything", "The models learned from your writing and the text kept for "
                             "learning stay (Tools > Models > Forget All removes them). This cannot be undone."):
            self.window.learned_forget_requested.emit()


