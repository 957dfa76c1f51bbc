"""What the editor has to tell the person (a file kept aside, a disk that is full, the log off), shown in the
status bar one after another, so that a second message never hides the first before it could be read.

At start several parts can each have something to say at once (the settings, the acceptance log, the model,
the personal cache, an autosave). A message is shown at once when the one before has been up READ_MS
already, else right after that; the last one stays SHOW_MS. So a burst is read in turn, and the answer
to what the person just did (Delete My Data again) waits READ_MS at most. Every message of the session
is kept in `said`, for tests and for whoever wants to look back.
"""

from __future__ import annotations

import time
from collections import deque

from PySide6.QtCore import QObject, QTimer, Slot

READ_MS = 3000  # long enough to read a line
SHOW_MS = 10000  # how long the last message stays


class StatusMessages(QObject):
    def __init__(self, status_bar):
        super().__init__(status_bar)  # a child of the status bar: lives on the GUI thread, slots run there
        self.status_bar = status_bar
        self.said: list[str] = []
        self._waiting: deque[str] = deque()
        self._shown_at = -1.0  # time.monotonic() the message now up was shown; -1: none is up
        self._current = ""
        self._timer = QTimer(self, singleShot=True, timeout=self._next)

    @Slot(str)
    def say(self, text: str) -> None:
        """Show `text` now, or once the messages before it were up READ_MS; a connected signal from any thread
        lands here on the GUI thread (the receiver is this object)."""
        if not text:
            return
        self.said.append(text)
        self._waiting.append(text)
        up_ms = (time.monotonic() - self._shown_at) * 1000
        if self._shown_at < 0 or up_ms >= READ_MS:
            self._next()
        elif len(self._waiting) == 1:
            self._timer.start(int(READ_MS - up_ms))

    def _next(self) -> None:
        if not self._waiting:
            if self.status_bar.currentMessage() == self._current:  # not one shown since by someone else
                self.status_bar.clearMessage()
            self._shown_at = -1.0
            return
        self._current = self._waiting.popleft()
        self.status_bar.showMessage(self._current)
        self._shown_at = time.monotonic()
        self._timer.start(READ_MS if self._waiting else SHOW_MS)
