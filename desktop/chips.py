"""The suggestion bar: up to five chips, the best in the centre and the next ones on either side."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QMenu, QPushButton, QSizePolicy, QWidget

# Rounded chips in the palette's colours, so they follow the system's light or dark theme.
CHIP_STYLE = """
QPushButton { border: 1px solid palette(mid); border-radius: 13px; padding: 4px 14px;
              background: palette(base); color: palette(text); min-height: 18px; }
QPushButton:hover { background: palette(midlight); }
QPushButton:pressed { background: palette(highlight); color: palette(highlighted-text); }
QPushButton:disabled { border-color: transparent; background: transparent; }
"""


def centre_out(count: int) -> list[int]:
    """Rank shown at each position, left to right: 3 chips -> [1, 0, 2] (the best in the centre)."""
    centre = (count - 1) / 2
    positions = sorted(range(count), key=lambda position: (abs(position - centre), position))
    ranks = [0] * count
    for rank, position in enumerate(positions):
        ranks[position] = rank
    return ranks


class SuggestionBar(QWidget):
    chip_clicked = Signal(str)
    block_requested = Signal(str)  # "Never suggest this word"

    def __init__(self, count: int = 3, parent=None):
        super().__init__(parent)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(8, 4, 8, 4)
        self._layout.setSpacing(8)
        self.setStyleSheet(CHIP_STYLE)
        self.chips: list[QPushButton] = []
        self._words: list[str] = []  # best first, as last shown
        self.set_count(count)

    def set_count(self, count: int) -> None:
        """Rebuilds the chips only when their number changes, and shows the same words again."""
        if self.chips and count == len(self.chips):
            return
        for chip in self.chips:
            chip.deleteLater()
        self.chips = []
        for position in range(count):
            chip = QPushButton("")
            chip.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # clicking a chip must leave the cursor in the text
            chip.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            chip.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            chip.clicked.connect(lambda _=False, chip=chip: self._on_clicked(chip))
            chip.customContextMenuRequested.connect(lambda point, chip=chip: self._on_menu(chip, point))
            chip.setToolTip(f"Alt+{position + 1}")
            self._layout.addWidget(chip)
            self.chips.append(chip)
        self.setVisible(count > 0)
        self.show_words(self._words)

    def show_words(self, words: list[str]) -> None:
        """Words best first; the best goes to the centre chip."""
        self._words = list(words)
        ranks = centre_out(len(self.chips))
        for chip, rank in zip(self.chips, ranks, strict=True):
            word = words[rank] if rank < len(words) else ""
            chip.setText(word)
            chip.setEnabled(bool(word))
            font = chip.font()
            font.setBold(rank == 0 and bool(word))
            chip.setFont(font)

    def words_by_position(self) -> list[str]:
        return [chip.text() for chip in self.chips]

    def accept_position(self, position: int) -> None:
        """Alt+1..5: the chip at that position, counted from the left."""
        if 0 <= position < len(self.chips) and self.chips[position].text():
            self.chip_clicked.emit(self.chips[position].text())

    def _on_clicked(self, chip: QPushButton) -> None:
        if chip.text():
            self.chip_clicked.emit(chip.text())

    def _on_menu(self, chip: QPushButton, point) -> None:
        if not chip.text():
            return
        menu = QMenu(self)
        action = menu.addAction(f'Never suggest "{chip.text()}"')
        action.triggered.connect(lambda: self.block_requested.emit(chip.text()))
        menu.popup(chip.mapToGlobal(point))
