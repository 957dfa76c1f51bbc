"""Runs the predictor off the GUI thread. The newest request wins: older ones are skipped unstarted,
and the window drops any result that is not for its latest request."""

from __future__ import annotations

import time
from dataclasses import dataclass

from PySide6.QtCore import QObject, QThread, Signal, Slot


@dataclass(frozen=True)
class Request:
    request_id: int
    left_text: str  # the current paragraph left of the cursor, at most a few hundred characters
    chips: int
    inline: bool
    min_confidence: float


@dataclass(frozen=True)
class Result:
    request_id: int
    left_text: str  # what the suggestions are for
    words: list[str]  # best first
    probabilities: list[float]
    inline_text: str  # empty: nothing confident enough
    inline_probability: float
    latency_ms: float


class PredictionWorker(QObject):
    model_loaded = Signal(str, str)  # description, provider in use
    model_failed = Signal(str)  # the reason, for the status bar
    suggestions_ready = Signal(object)  # Result

    def __init__(self):
        super().__init__()
        self.predictor = None
        self.latest_request = 0  # written by the GUI thread; an int store is atomic under the GIL
        self.blocked_words: set[str] = set()  # the person's own ("Never suggest this word")
        self._shipped_blocklist: set[str] | None = None

    @property
    def shipped_blocklist(self) -> set[str]:
        """resources/blocklist.txt, read once, on this thread."""
        if self._shipped_blocklist is None:
            from engine.core.paths import read_blocklist

            self._shipped_blocklist = read_blocklist()
        return self._shipped_blocklist

    @Slot(str, str)
    def load(self, model_path: str, provider: str) -> None:
        from engine.core.bundle import ModelError
        from engine.runtime.predictor import Predictor

        try:
            predictor = Predictor.load(model_path or None, provider=provider,
                                       blocked_words=self.shipped_blocklist | self.blocked_words)
        except ModelError as error:
            self.predictor = None
            self.model_failed.emit(str(error))
            return
        self.predictor = predictor
        folder = predictor.backend.manifest.folder
        self.model_loaded.emit(folder.name if model_path else "bundled model", predictor.provider)

    @Slot(object)
    def set_blocked_words(self, words) -> None:
        self.blocked_words = {word.lower() for word in words}
        if self.predictor is not None:
            self.predictor.chooser.set_blocked_words(self.shipped_blocklist | self.blocked_words)

    @Slot(object)
    def predict(self, request: Request) -> None:
        if self.predictor is None or request.request_id < self.latest_request:
            return  # no model, or a newer keystroke is already queued
        started = time.perf_counter()
        suggestions = self.predictor.suggest(request.left_text, request.chips) if request.chips else []
        completion = None
        if request.inline:
            completion = self.predictor.complete(request.left_text, min_probability=request.min_confidence)
        self.suggestions_ready.emit(Result(
            request.request_id, request.left_text, [s.word for s in suggestions], [s.probability for s in suggestions],
            completion.text if completion else "", completion.probability if completion else 0.0,
            (time.perf_counter() - started) * 1000))


class WorkerThread:
    """The worker and its thread, started together and stopped together."""

    def __init__(self):
        self.thread = QThread()
        self.thread.setObjectName("prediction")
        self.worker = PredictionWorker()
        self.worker.moveToThread(self.thread)
        self.thread.start()

    def stop(self) -> None:
        self.thread.quit()
        self.thread.wait(5000)
