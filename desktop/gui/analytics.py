"""The Analytics window: how many suggestions were accepted, by model, by day, by chip and by kind, and the
keystrokes they saved, with a short paragraph on how to read them; saved as PNG.

The log is read on a pool thread (the GUI never waits on the disk) and drawn with QPainter, so the
charts need nothing beyond QtWidgets and look the same in the window and in the saved image. The read
always ends in `loaded`: with the charts, or with why there is nothing to chart (no log yet, or the
reason it cannot be read).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QPointF, QRectF, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QDialog, QFileDialog, QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.log.stats import (
    ACCEPTED_MEANS,
    describe_by_model,
    describe_corrections,
    describe_odd_rows,
    describe_overall,
    kind_label,
    read_stats,
)


class Chart(QWidget):
    """A titled line or bar chart of values in [0, 1] (acceptance rates), drawn in the palette's colours."""

    def __init__(self, title: str, kind: str, parent=None):
        super().__init__(parent)
        self.title, self.kind = title, kind
        self.points: list[tuple[str, float]] = []
        self.setMinimumSize(320, 200)

    def set_points(self, points: list[tuple[str, float]]) -> None:
        self.points = points
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.base())
        painter.setPen(palette.text().color())
        painter.drawText(QRectF(0, 4, self.width(), 20), Qt.AlignmentFlag.AlignHCenter, self.title)
        area = QRectF(40, 30, self.width() - 56, self.height() - 60)  # room for axis labels
        painter.setPen(QPen(palette.mid().color(), 1))
        for fraction in (0.0, 0.5, 1.0):
            y = area.bottom() - fraction * area.height()
            painter.drawLine(QPointF(area.left(), y), QPointF(area.right(), y))
            painter.drawText(QRectF(0, y - 8, 36, 16), Qt.AlignmentFlag.AlignRight, f"{fraction:.0%}")
        if not self.points:
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter, "nothing logged yet")
            return
        step = area.width() / len(self.points)
        accent = palette.highlight().color()
        previous = None
        for index, (label, value) in enumerate(self.points):
            x = area.left() + step * (index + 0.5)
            y = area.bottom() - max(0.0, min(1.0, value)) * area.height()
            if self.kind == "bar":
                painter.fillRect(QRectF(x - step * 0.3, y, step * 0.6, area.bottom() - y), accent)
            else:
                painter.setPen(QPen(accent, 2))
                if previous is not None:
                    painter.drawLine(previous, QPointF(x, y))
                painter.drawEllipse(QPointF(x, y), 3, 3)
                previous = QPointF(x, y)
            painter.setPen(palette.text().color())
            painter.drawText(QRectF(x - step / 2, area.bottom() + 4, step, 16), Qt.AlignmentFlag.AlignHCenter,
                             label)


class _Reader(QObject):
    finished = Signal(object)  # the stats dict, or what to say instead of charts


class _ReadJob(QRunnable):
    def __init__(self, path: Path, reader: _Reader, before_read=None):
        super().__init__()
        self.path, self.reader, self.before_read = path, reader, before_read

    def run(self) -> None:
        try:
            if self.before_read is not None:
                self.before_read()  # e.g. wait (a few seconds at most) for the log's queued events to be written
        except Exception:  # the read below shows what is committed, and says why if it cannot
            pass
        self.reader.finished.emit(self._read())

    def _read(self) -> dict | str:
        if not self.path.exists():
            return f"No analytics yet: nothing logged at {self.path}"
        try:
            return read_stats(self.path)  # figures worked out by SQLite: the rows stay on disk
        except Exception as error:  # not a database, a folder, unreadable, damaged: said, never a crash
            return f"Cannot read the acceptance log: {self.path}: {error}"


class AnalyticsWindow(QDialog):
    loaded = Signal()

    def __init__(self, log_path: str | Path, parent=None, before_read=None):
        super().__init__(parent)
        self.before_read = before_read
        self.setWindowTitle("Analytics")
        self.log_path = Path(log_path)
        self.summary = QLabel("reading the log…")
        self.summary.setWordWrap(True)
        self.reading_guide = QLabel(ACCEPTED_MEANS)  # what "accepted" counts, and how to read the charts
        self.reading_guide.setWordWrap(True)
        self.by_model = QLabel()  # a line per model: does the model learned from the person's writing help?
        self.by_model.setWordWrap(True)
        self.over_time = Chart("Share of suggestions accepted, by day", "line")
        self.by_rank = Chart("Share accepted, by chip (1 is the first)", "bar")
        self.by_kind = Chart("Share accepted, by kind", "bar")
        self.by_model_chart = Chart("Share accepted, by model", "bar")
        self.save_button = QPushButton("Save charts as PNG…")
        self.save_button.clicked.connect(lambda: self.save_png())
        self.charts = QWidget()  # what the PNG holds: the summary and the charts, not the button
        charts = QGridLayout(self.charts)
        charts.addWidget(self.summary, 0, 0, 1, 2)
        charts.addWidget(self.reading_guide, 1, 0, 1, 2)
        charts.addWidget(self.by_model, 2, 0, 1, 2)
        charts.addWidget(self.over_time, 3, 0, 1, 2)
        charts.addWidget(self.by_model_chart, 4, 0)
        charts.addWidget(self.by_rank, 4, 1)
        charts.addWidget(self.by_kind, 5, 0)
        layout = QVBoxLayout(self)
        layout.addWidget(self.charts)
        layout.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignRight)
        self.stats: dict | None = None
        self._reader = _Reader()
        self._reader.finished.connect(self._on_loaded)
        self.refresh()

    def refresh(self) -> None:
        QThreadPool.globalInstance().start(_ReadJob(self.log_path, self._reader, self.before_read))

    def _on_loaded(self, stats) -> None:
        if isinstance(stats, str):
            self.summary.setText(stats)
        else:
            self.stats = stats
            self.summary.setText(describe_overall(stats))
            by_model = describe_by_model(stats["by_model"])
            self.by_model.setText("By model:\n" + "\n".join(by_model) if by_model else "")
            self.over_time.set_points([(day[5:], value["acceptance_rate"]) for day, value in stats["by_day"].items()])
            self.by_model_chart.set_points([(model or "earlier", value["acceptance_rate"])
                                            for model, value in stats["by_model"].items()])
            self.by_rank.set_points([(str(int(rank) + 1), value["acceptance_rate"])
                                     for rank, value in stats["by_rank"].items()])
            self.by_kind.set_points([(kind_label(kind), value["acceptance_rate"])
                                     for kind, value in stats["by_kind"].items()])
            for line in (describe_corrections(stats["corrections"]), describe_odd_rows(stats["odd_rows_skipped"])):
                if line:
                    self.summary.setText(f"{self.summary.text()}\n{line[:1].upper()}{line[1:]}")
        self.loaded.emit()

    def save_png(self, path: str | Path | None = None) -> bool:
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Save charts", str(Path.home() / "nextword-analytics.png"),
                                                  "PNG image (*.png)")
            if not path:
                return False
        return self.charts.grab().save(str(path), "PNG")
