"""Small pieces the learning dialogs share: tables, cells, button rows, a confirmation, figures, work on a pool
thread."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
)


def percent(value) -> str:
    return f"{value:.1%}" if isinstance(value, int | float) else "–"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.setTabKeyNavigation(False)  # Tab goes on to the next control, as in the rest of the dialog
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


KEYBOARD_FOCUS = (Qt.FocusReason.TabFocusReason, Qt.FocusReason.BacktabFocusReason)


class KeyboardRows(QObject):
    """A list or table used from the keyboard: reached with Tab and nothing chosen, its current row (the first)
    is chosen, so the arrows go on from there and Delete (or Backspace, as on a Mac keyboard) calls `remove`:
    the keyboard's way to the Remove button beside it."""

    def __init__(self, view, remove: Callable[[], None] | None = None):
        super().__init__(view)
        self.view, self.remove = view, remove
        view.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.FocusIn and event.reason() in KEYBOARD_FOCUS and \
                not self.view.selectionModel().hasSelection():
            model = self.view.model()
            if model.rowCount() > 0:
                current = self.view.currentIndex()
                self.view.setCurrentIndex(current if current.isValid() else model.index(0, 0))
                self.view.selectionModel().select(self.view.currentIndex(), self._whole_row())
        elif self.remove is not None and event.type() == QEvent.Type.KeyPress and \
                event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and \
                event.modifiers() == Qt.KeyboardModifier.NoModifier:
            self.remove()
            return True
        return False

    @staticmethod
    def _whole_row():
        flag = QItemSelectionModel.SelectionFlag
        return flag.ClearAndSelect | flag.Rows


def cell(text: str, align_right: bool = False, bold: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if align_right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if bold:
        font = QFont(item.font())
        font.setBold(True)
        item.setFont(font)
    return item


def buttons(*widgets, stretch_first: bool = True) -> QHBoxLayout:
    row = QHBoxLayout()
    if stretch_first:
        row.addStretch()
    for widget in widgets:
        row.addWidget(widget)
    if not stretch_first:
        row.addStretch()
    return row


def confirmation(parent, title: str, question: str, action: str, details: str = "") -> QMessageBox:
    """A question before something that cannot be undone: a button named for the action, and Cancel as the
    default (Enter) and escape button, so that a key pressed out of habit deletes nothing."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, question, QMessageBox.StandardButton.Cancel, parent)
    if details:
        box.setInformativeText(details)
    box.addButton(action, QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.button(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    return box


def ask(parent, title: str, question: str, action: str, details: str = "") -> bool:
    """True when the person chose the action (never by Enter or Esc alone)."""
    box = confirmation(parent, title, question, action, details)
    box.exec()
    clicked = box.clickedButton()
    return clicked is not None and box.buttonRole(clicked) == QMessageBox.ButtonRole.DestructiveRole


class _Reply(QObject):
    done = Signal(object, str)  # what the action returned, and what went wrong (empty when nothing did)


class _Job(QRunnable):
    def __init__(self, action: Callable[[], object], reply: _Reply):
        super().__init__()
        self.action, self.reply = action, reply

    def run(self) -> None:
        try:
            result, problem = self.action(), ""
        except (OSError, ValueError) as error:  # the model store's and bundles' errors are ValueErrors
            result, problem = None, str(error) or type(error).__name__
        try:
            self.reply.done.emit(result, problem)
        except RuntimeError:  # the dialog that asked was closed and deleted meanwhile: nobody to tell
            pass


def in_background(owner: QObject, action: Callable[[], object], on_done: Callable[[object, str], None]) -> None:
    """Run `action` (disk work) on a pool thread; `on_done(result, problem)` follows on `owner`'s (the GUI)
    thread, problem empty when the action raised nothing."""
    reply = _Reply(owner)  # a child of the owner: it lives on the GUI thread, so its signal is queued there
    reply.done.connect(on_done)
    reply.done.connect(reply.deleteLater)
    QThreadPool.globalInstance().start(_Job(action, reply))
