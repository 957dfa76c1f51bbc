"""The suggestion bar: up to five chips, the best in the centre and the next ones on either side.

A correction (the word meant by a mistyped one) is drawn with a coloured outline and named "correction" for
screen readers. While one is offered, the word exactly as typed takes the leftmost chip, in quotes (as on
phone keyboards), so that keeping it is one key away too.
"""

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
QPushButton[kind="correction"] { border: 2px solid palette(highlight); padding: 3px 13px; }
QPushButton[kind="typed"] { border-style: dashed; }
"""
WORD, CORRECTION, TYPED = "word", "correction", "typed"  # a chip's kind


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
        self._shown: tuple[list[str], list[bool], str] = ([], [], "")  # show_words' arguments, as last shown
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
        self.show_words(*self._shown)

    def show_words(self, words: list[str], corrections: list[bool] | None = None, typed: str = "") -> None:
        """Words best first; the best goes to the centre chip. corrections: which words replace the word typed;
        typed: that word as typed, shown on the left while a correction is offered (with two chips or more)."""
        corrections = list(corrections or [False] * len(words))
        self._shown = (list(words), corrections, typed)
        placed = [(WORD, "")] * len(self.chips)  # (kind, word) at each position
        positions = sorted(range(len(self.chips)), key=centre_out(len(self.chips)).__getitem__)  # best first
        if typed and any(corrections) and len(self.chips) > 1 and typed.lower() not in map(str.lower, words):
            placed[0] = (TYPED, typed)
            positions.remove(0)
        for position, word, correction in zip(positions, words, corrections, strict=False):
            placed[position] = (CORRECTION if correction else WORD, word)
        best = positions[0] if positions else -1
        for position, (chip, (kind, word)) in enumerate(zip(self.chips, placed, strict=True)):
            self._show_chip(chip, kind, word, bold=position == best)

    @staticmethod
    def _show_chip(chip: QPushButton, kind: str, word: str, bold: bool) -> None:
        chip.setProperty("word", word)
        shown = word.replace("&", "&&")  # a single & would underline the next letter as a shortcut
        chip.setText(f"\u201c{shown}\u201d" if kind == TYPED else shown)
        chip.setAccessibleName({CORRECTION: f"correction: {word}", TYPED: f"keep as typed: {word}"}.get(kind, word))
        chip.setEnabled(bool(word))
        if chip.property("kind") != kind:
            chip.setProperty("kind", kind)
            chip.style().unpolish(chip)  # the style sheet's [kind=...] rules apply to the new kind
            chip.style().polish(chip)
        font = chip.font()
        font.setBold(bold and bool(word))
        font.setItalic(kind == TYPED)
        chip.setFont(font)

    def words_by_position(self) -> list[str]:
        return [chip.property("word") or "" for chip in self.chips]

    def kinds_by_position(self) -> list[str]:
        """Each chip's kind: "word", "correction" (replaces the word typed) or "typed" (the word as typed)."""
        return [chip.property("kind") or WORD for chip in self.chips]

    def accept_position(self, position: int) -> None:
        """Alt+1..5: the chip at that position, counted from the left."""
        if 0 <= position < len(self.chips):
            self._on_clicked(self.chips[position])

    def _on_clicked(self, chip: QPushButton) -> None:
        if chip.property("word"):
            self.chip_clicked.emit(chip.property("word"))

    def _on_menu(self, chip: QPushButton, point) -> None:
        word = chip.property("word")
        if not word or chip.property("kind") == TYPED:
            return
        menu = QMenu(self)
        action = menu.addAction(f'Never suggest "{word}"')
        action.triggered.connect(lambda: self.block_requested.emit(word))
        menu.popup(chip.mapToGlobal(point))
