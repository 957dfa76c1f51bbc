"""Autocorrect in the editor: a word finished by a space, Enter or punctuation is replaced by the word meant,
when the corrector is sure of it. Right after, one Backspace or Ctrl+Z puts back what was typed (one undo
step), and that spelling is the person's from then on (Learned Words lists it; removing it there lets
autocorrect correct it again).

The GUI thread never waits: the worker is asked (`asked`, queued) and answers with the ask
(PredictionWorker.autocorrection_ready). An answer is applied only if the document and the cursor are still
as they were once the word was finished: a correction never lands under the person's fingers. The worker
answers in a few milliseconds, well before a next key.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence

from engine.core.tokenizer import split_partial

FINISHING_CHARACTERS = set(" .,!?;:)")  # typed right after a word, they finish it
FINISHING_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


@dataclass(frozen=True)
class AutocorrectAsk:
    left_text: str  # the paragraph left of the word's end, as the predictor reads it
    word_start: int  # where the word starts in the document
    word: str
    revision: int  # the document's revision once the finishing key was typed
    position: int  # the cursor's position then
    asked_at: float  # time.perf_counter()


@dataclass(frozen=True)
class Autocorrected:
    """An autocorrection made: what it replaced, with what, how sure, how fast."""

    ask: AutocorrectAsk
    word: str
    confidence: float
    latency_ms: float  # from the finishing key to the correction on screen
    revision: int  # the document's revision right after it
    position: int


class Autocorrector(QObject):
    asked = Signal(object)  # AutocorrectAsk, to the worker
    settled = Signal(object, bool)  # Autocorrected, undone: kept (the person went on) or put back

    def __init__(self, editor):
        super().__init__(editor)
        self.editor = editor
        self.enabled = False  # set from Preferences (Autocorrect on)
        self.made: Autocorrected | None = None  # the last one, while one Backspace can still put it back
        editor.cursorPositionChanged.connect(self._check_settled)
        editor.document().contentsChanged.connect(self._check_settled)

    # Asking
    def word_finished_by(self, event: QKeyEvent) -> tuple[str, int, str] | None:
        """Before the key is typed: (left text, word start, word) when this key finishes a word."""
        text = event.text()
        finishing = event.key() in FINISHING_KEYS or (len(text) == 1 and text in FINISHING_CHARACTERS)
        cursor = self.editor.textCursor()
        if not self.enabled or not finishing or cursor.hasSelection():
            return None
        left = self.editor.left_text()
        _, word = split_partial(left)
        if not word or not word[-1].isalpha():
            return None
        return left, cursor.position() - len(word), word

    def ask(self, finished: tuple[str, int, str]) -> None:
        """After the key was typed: ask the worker about the word it finished."""
        left, start, word = finished
        document = self.editor.document()
        self.asked.emit(AutocorrectAsk(left, start, word, document.revision(), self.editor.textCursor().position(),
                                       time.perf_counter()))

    # Answers
    def apply(self, ask: AutocorrectAsk, found) -> None:
        """The worker's answer (an Autocorrection, or None): the word replaced if nothing moved meanwhile."""
        editor = self.editor
        cursor = editor.textCursor()
        if found is None or not self.enabled or found.word == ask.word:
            return
        if editor.document().revision() != ask.revision or cursor.position() != ask.position or cursor.hasSelection():
            return  # the person typed on, moved or selected: too late to change what they see
        self._settle(undone=False)
        editor.replace_as_typed(ask.word_start, ask.word_start + len(ask.word), found.word)
        self.made = Autocorrected(ask, found.word, found.confidence, (time.perf_counter() - ask.asked_at) * 1000,
                                  editor.document().revision(), editor.textCursor().position())

    def undoable(self) -> bool:
        """Right after an autocorrection: nothing typed, moved or selected since."""
        made, cursor = self.made, self.editor.textCursor()
        return made is not None and self.editor.document().revision() == made.revision \
            and cursor.position() == made.position and not cursor.hasSelection()

    def undo_key(self, event: QKeyEvent) -> bool:
        """Backspace (alone) or Undo right after an autocorrection: put back what was typed. True if it did."""
        backspace = event.key() == Qt.Key.Key_Backspace and event.modifiers() == Qt.KeyboardModifier.NoModifier
        return (backspace or event.matches(QKeySequence.StandardKey.Undo)) and self.undo()

    def undo(self) -> bool:
        """Put back the word the last autocorrection replaced, as one undo step, if nothing happened since; the
        word is then settled as undone (the window makes it the person's spelling). True if it did."""
        if not self.undoable():
            return False
        made, self.made = self.made, None  # settled below, not by the undo's own change
        self.editor.undo_as_typed(made.ask.position)
        self.settled.emit(made, True)
        return True

    def _check_settled(self) -> None:
        if self.made is not None and not self.undoable():
            self._settle(undone=False)

    def _settle(self, undone: bool) -> None:
        made, self.made = self.made, None
        if made is not None:
            self.settled.emit(made, undone)

    def settle(self) -> None:
        """The window closes: the last autocorrection is kept."""
        self._settle(undone=False)
