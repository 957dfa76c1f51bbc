"""Tools → Models…: the store's models (engine/core/model_store.py) with what each measured before and
after; use one, revert, or forget them all. The store is changed on a pool thread; MainWindow.load_model
then loads the active model while the person goes on typing."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QLabel,
    QPushButton,
    QVBoxLayout,
)

from desktop.gui.dialog_parts import KeyboardRows, ask, buttons, cell, in_background, percent, table
from engine.core.console import printable
from engine.core.model_store import BUNDLED, ModelStore


class ModelsDialog(QDialog):
    """The bundled model and those learned from the person's writing; the active one marked."""

    COLUMNS = ["", "Model", "Created", "Keys saved: your writing", "Keys saved: everyday text", "Learned from"]
    changed = Signal()  # the store changed (the window's model is reloaded)

    def __init__(self, window, store: ModelStore | None = None):
        super().__init__(window)
        self.window = window
        self.store = store if store is not None else ModelStore()
        self.models: list = []  # StoredModel, as last listed
        self.setWindowTitle("Models")
        self.table = table(self.COLUMNS)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self._keyboard = KeyboardRows(self.table)  # reached with Tab: a row chosen, the arrows choose another
        self.note = QLabel("Keys saved: the share of keystrokes the suggestions save, on writing of yours kept "
                           "aside to test the model and on everyday text, before → after learning from your writing.")
        self.note.setWordWrap(True)
        self.preferences_note = QLabel("")
        self.preferences_note.setWordWrap(True)
        self.status = QLabel("reading…")
        self.use_button = QPushButton("Use", enabled=False)
        self.use_button.clicked.connect(lambda: self.use_selected())
        self.revert_button = QPushButton("Revert", enabled=False)
        self.revert_button.setToolTip("Back to the model in use before this one")
        self.revert_button.clicked.connect(lambda: self.revert())
        self.forget_button = QPushButton("Forget All…", enabled=False)
        self.forget_button.setToolTip("Remove every model learned from your writing, the kept text and the "
                                      "personal cache")
        self.forget_button.clicked.connect(lambda: self.forget_all())
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(self.note)
        layout.addWidget(self.preferences_note)
        layout.addWidget(self.status)
        layout.addLayout(buttons(self.use_button, self.revert_button, self.forget_button, close))
        self.resize(760, 300)
        self._busy = False
        self.refresh()

    def refresh(self) -> None:
        """List the store again (on a pool thread)."""
        model_path = self.window.preferences.model_path
        self.preferences_note.setText(f"Preferences name a model folder ({model_path}); it is used instead of "
                                      "these until that setting is cleared (Edit > Preferences).")
        self.preferences_note.setVisible(bool(model_path))
        if not self._busy:
            self._run(None, changes=False)

    def _run(self, action, changes: bool) -> None:
        self._busy, self._changes = True, changes
        self._update_buttons()
        store = self.store

        def change_and_list():  # one store change (or none) and a fresh listing, on a pool thread
            said = action() if action is not None else ""
            return store.models(), said or ""

        in_background(self, change_and_list, self._on_listed)

    def _on_listed(self, listed, problem: str) -> None:
        """listed: (the models, what to say); None when the store could not be read (problem says why)."""
        self._busy = False
        models, said = listed if listed is not None else (None, problem)
        if models is None:
            self.status.setText(said)
        else:
            self.models = list(models)
            self._fill()
            self.status.setText(said)
            if self._changes:
                self.window.load_model()  # the active model, on the worker thread
                self.changed.emit()
        self._update_buttons()

    def _fill(self) -> None:
        self.table.setRowCount(len(self.models))
        for row, model in enumerate(self.models):
            record = model.record
            before, after = record.get("before") or {}, record.get("after") or {}
            # printable: Qt drops the undecodable bytes of a file name without a word; shown as \xNN instead
            sources = [printable(Path(source).name) for source in record.get("sources", [])]
            learned_from = ", ".join(sources[:3]) + (" …" if len(sources) > 3 else "")
            if model.id == BUNDLED:
                learned_from = "everyday chat (shipped with Nextword)"
            created = str(record.get("created", ""))[:16].replace("T", " ")
            cells = ["● in use" if model.active else "", model.id, created, self._change(before, after, "user"),
                     self._change(before, after, "general"), learned_from]
            for column, text in enumerate(cells):
                self.table.setItem(row, column, cell(text, align_right=column in (3, 4), bold=model.active))

    @staticmethod
    def _change(before: dict, after: dict, part: str) -> str:
        if part not in after:
            return ""
        return f"{percent(before.get(part, {}).get('ksr'))} → {percent(after[part].get('ksr'))}"

    def selected_model(self):
        rows = {index.row() for index in self.table.selectedIndexes()}
        return self.models[min(rows)] if rows and min(rows) < len(self.models) else None

    def select(self, model_id: str) -> None:
        for row, model in enumerate(self.models):
            if model.id == model_id:
                self.table.selectRow(row)

    def _update_buttons(self) -> None:
        selected = self.selected_model()
        idle = not self._busy
        self.use_button.setEnabled(idle and selected is not None and not selected.active)
        self.revert_button.setEnabled(idle and any(model.active and model.id != BUNDLED for model in self.models))
        self.forget_button.setEnabled(idle and len(self.models) > 1)

    def use_selected(self) -> None:
        model = self.selected_model()
        if model is not None and not self._busy:
            self._run(lambda: f"Now using {self.store.use(model.id).id}", changes=True)

    def revert(self) -> None:
        if not self._busy:
            self._run(lambda: f"Now using {self.store.revert().id}", changes=True)

    def forget_all(self, confirmed: bool = False) -> None:
        """Every model learned from the person's writing, the kept text and the personal cache (the file and
        the worker's copy) removed: the bundled model is in use again."""
        from engine.models_cli import forget_everything

        if self._busy or not (confirmed or ask(
                self, "Forget all", "Remove every model learned from your writing, the text kept for learning "
                                    "and every word and phrase learned from it?", "Forget All",
                "Nextword goes back to the model it came with. This cannot be undone.")):
            return
        self.window.learned_forget_requested.emit()  # the worker's cache, in memory (it saves it empty)

        def forget() -> str:
            forget_everything(self.store)
            return "Forgot every model learned from your writing, the kept text and the personal cache; " \
                   "now using the bundled model"

        self._run(forget, changes=True)

