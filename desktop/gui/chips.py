"""The suggestion bar: up to five chips, the best in the centre and the next ones on either side.

Each chip's key is written on it, small and quiet: Alt+1 is always the best guess (the centre chip, the first
word of the grey text), Alt+2..5 the next ones by rank, whatever the number of chips; the word as typed (below)
takes the key after them.

A correction (the word meant by a mistyped one) is drawn with a coloured outline and named "correction" for
screen readers. While one is offered, the word exactly as typed takes the leftmost chip, in quotes (as on
phone keyboards), so that keeping it is one key away too.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QHBoxLayout, QMenu, QPushButton, QSizePolicy, QWidget

# Rounded chips in the palette's colours, so they follow the system's light or dark theme.
CHIP_STYLE = """
QPushButton { border: 1px solid palette(mid); border-radius: 13px; padding: 4px 22px;
              background: palette(base); color: palette(text); min-height: 18px; }
QPushButton:hover { background: palette(midlight); }
QPushButton:pressed { background: palette(highlight); color: palette(highlighted-text); }
QPushButton:disabled { border-color: transparent; background: transparent; }
QPushButton[kind="correction"] { border: 2px solid palette(highlight); padding: 3px 21px; }
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


class Chip(QPushButton):
    """A chip with its key's number painted small and faint at its left (the word stays centred)."""

    def __init__(self):
        super().__init__("")
        self.key = 0  # Alt+key accepts it; 0: none (an empty chip)

    def set_key(self, key: int) -> None:
        self.key = key
        self.setToolTip(f"Alt+{key}" if key else "")
        self.setAccessibleDescription(f"Alt+{key}" if key else "")
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().paintEvent(event)
        if not self.key or not self.isEnabled():
            return
        painter = QPainter(self)
        font = self.font()
        font.setBold(False)
        font.setItalic(False)
        font.setPointSizeF(max(6.0, font.pointSizeF() * 0.75))
        painter.setFont(font)
        color = QColor(self.palette().buttonText().color())
        color.setAlpha(120)  # quiet on light and dark themes alike
        painter.setPen(color)
        painter.drawText(QRect(10, 0, 14, self.height()), Qt.AlignmentFlag.AlignVCenter, str(self.key))
        painter.end()


class SuggestionBar(QWidget):
    chip_clicked = Signal(str)
    block_requested = Signal(str)  # "Never suggest this word"

    def __init__(self, count: int = 3, parent=None):
        super().__init__(parent)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(8, 4, 8, 4)
        self._layout.setSpacing(8)
        self.setStyleSheet(CHIP_STYLE)
        self.chips: list[Chip] = []
        self._shown: tuple[list[str], list[bool], str] = ([], [], "")  # show_words' arguments, as last shown
        self.set_count(count)

    def set_count(self, count: int) -> None:
        """Rebuilds the chips only when their number changes, and shows the same words again."""
        if self.chips and count == len(self.chips):
            return
        for chip in self.chips:
            chip.deleteLater()
        self.chips = []
        for _ in range(count):
            chip = Chip()
            chip.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # clicking a chip must leave the cursor in the text
            chip.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            chip.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            chip.clicked.connect(lambda _=False, chip=chip: self._on_clicked(chip))
            chip.customContextMenuRequested.connect(lambda point, chip=chip: self._on_menu(chip, point))
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
        keys = [0] * len(self.chips)
        typed_shown = [0] if placed and placed[0][0] == TYPED else []
        for key, position in enumerate([*positions[:len(words)], *typed_shown], 1):
            keys[position] = key  # by rank; the word as typed after the words
        for position, (chip, (kind, word)) in enumerate(zip(self.chips, placed, strict=True)):
            self._show_chip(chip, kind, word, bold=position == best)
            chip.set_key(keys[position] if word else 0)

    @staticmethod
    def _show_chip(chip: Chip, kind: str, word: str, bold: bool) -> None:
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

    def keys_by_position(self) -> list[int]:
        """Each chip's key (Alt+1 is the best guess), 0 for an empty chip."""
        return [chip.key for chip in self.chips]

    def accept_key(self, key: int) -> None:
        """Alt+1..5: the chip with that key (1: the best guess)."""
        for chip in self.chips:
            if chip.key == key:
                self._on_clicked(chip)
                return

    def best_word(self) -> str:
        """The best guess's word (Alt+1's), or "" when none is shown."""
        return next((chip.property("word") or "" for chip in self.chips if chip.key == 1), "")

    def _on_clicked(self, chip: Chip) -> None:
        if chip.property("word"):
            self.chip_clicked.emit(chip.property("word"))

    def _on_menu(self, chip: Chip, point) -> None:
        word = chip.property("word")
        if not word or chip.property("kind") == TYPED:
            return
        menu = QMenu(self)
        action = menu.addAction(f'Never suggest "{word}"')
        action.triggered.connect(lambda: self.block_requested.emit(word))
        menu.popup(chip.mapToGlobal(point))
