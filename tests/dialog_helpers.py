"""Helpers for the dialogs' tests: answer a confirmation, press keys in the modal dialog that is about to open."""

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox


def answer_confirmations(monkeypatch, choose: bool) -> None:
    """Every confirmation (desktop/dialog_parts.ask) answered at once: its action's button, or Cancel."""

    def answer(box):
        role = QMessageBox.ButtonRole.DestructiveRole
        button = next(b for b in box.buttons() if box.buttonRole(b) == role) if choose else \
            box.button(QMessageBox.StandardButton.Cancel)
        button.click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", answer)


def press_in_next_dialog(*keys) -> dict:
    """Once the next modal dialog shows, press `keys` in it as a person would (to the widget with the focus).
    Returns what it showed, filled in then: its text, informative text and default button's text."""
    seen: dict = {}

    def press():
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, press)
            return
        if isinstance(dialog, QMessageBox):
            default = dialog.defaultButton()
            seen.update(text=dialog.text(), details=dialog.informativeText(),
                        default=default.text() if default is not None else None)
        for key in keys:
            QTest.keyClick(dialog.focusWidget() or dialog, key)

    QTimer.singleShot(0, press)
    return seen


def tab_through(qtbot, dialog, start, presses: int = 40) -> list:
    """The widgets Tab reaches from `start`, in order, until it comes back round (at most `presses`)."""
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=5000)  # focus moves (and says so) in the active window only
    start.setFocus()
    reached = [start]
    for _ in range(presses):
        QTest.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
        widget = dialog.focusWidget()
        if widget is start:
            break
        reached.append(widget)
    return reached
