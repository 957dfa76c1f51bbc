"""Help > Keyboard Shortcuts: every key of the editor, in plain words, in a window Esc closes.

The editor's own keys are listed here; the menus' keys are read from the window's menus, so a menu item added
with a key is listed without anyone remembering to add it here.
"""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

# (keys, what they do) while typing: desktop/gui/editor.py and desktop/gui/chips.py
EDITOR_KEYS = [
    ("Tab", "Take the grey text after the cursor; with none, take the best guess (the chip marked 1)"),
    ("Tab, on an empty line or after Esc", "Type a tab character"),
    ("Tab twice", "Type a tab character when there is nothing to take"),
    ("Alt+1", "Take the best guess: the chip marked 1, always the grey text's first word"),
    ("Alt+2 to Alt+5", "Take the chip marked with that number (the next guesses, best first)"),
    ("Ctrl+Right", "Take the next word of the grey text (without grey text: move one word right)"),
    ("Esc", "Hide the grey text for the word you are typing (Tab then types a tab character)"),
    (", . ? ! : ; )", "Typed right after a word you took, it takes the place of the space that came with it"),
    ("Backspace", "Right after an autocorrection: put back what you typed. Right after a capital made for you at "
                  "a sentence start: the letter typed again stays small"),
]


def menu_keys(window) -> list[tuple[str, str]]:
    """(key, "Menu > Item") for every menu item of the window that has a key."""
    found = []
    for menu_action in window.menuBar().actions():
        menu = menu_action.menu()
        if menu is None:
            continue
        for action in menu.actions():
            keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            if keys and action.text():
                found.append((keys, f"{_plain(menu_action.text())} > {_plain(action.text())}"))
    return found


def _plain(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").removesuffix("…")


class ShortcutsDialog(QDialog):
    def __init__(self, window):
        super().__init__(window)
        self.setWindowTitle("Keyboard Shortcuts")
        rows = EDITOR_KEYS + menu_keys(window)
        self.table = QTableWidget(len(rows), 2, self)
        self.table.setHorizontalHeaderLabels(["Keys", "What they do"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        for row, (keys, meaning) in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(keys))
            self.table.setItem(row, 1, QTableWidgetItem(meaning))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.resizeRowsToContents()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(760, 520)
        self.table.setFocus()  # the arrows and Page Down read it; Esc closes

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self.table.resizeRowsToContents()  # now that the columns have their widths: one line a row where it fits
