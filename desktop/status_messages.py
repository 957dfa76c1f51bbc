"""What the editor has to tell the person (a file kept aside, a disk that is full, the log off), shown in the
status bar one after another, so that a second message never hides the first before it could be read.

At start several parts can each have something to say at once (the settings, the acceptance log, the model,
the personal cache, an autosave): each message is shown for SHOW_MS, in the order said. Every message of
the session is kept in `said`, for tests and for whoever wants to look back.
"""

from __future__ import annotations

from collections import deque

from PySide6.QtCore import QObject, QTimer, Slot

SHOW_MS = 10000  # long enough to read two lines


class StatusMessages(QObject):
    def __init__(self, status_bar):
        super().__init__(status_bar)  # a child of the status bar: lives on the GUI thread, slots run there
        self.status_bar = status_bar
        self.said: list[str] = []
        self._waiting: deque[str] = deque()
        self._timer = QTimer(self, singleShot=True, interval=SHOW_MS, timeout=self._show_next)

    @Slot(str)
    def say(self, text: str) -> None:
        """Show `text` now, or after the messages before it; a connected signal from any thread lands here
        on the GUI thread (the receiver is this object)."""
        if not text:
            return
        self.said.append(text)
        self._waiting.append(text)
        if not self._timer.isActive():
            self._show_next()

    def _show_next(self) -> None:
        if self._waiting:
            self.status_bar.showMessage(self._waiting.popleft())
            self._timer.start()
        else:
            self.status_bar.clearMessage()
