"""A loss-curve PNG written with numpy and zlib alone, so training needs no plotting library."""

from __future__ import annotations

import struct
import zlib
from itertools import pairwise
from pathlib import Path

import numpy as np

_COLOURS = [(31, 119, 180), (214, 39, 40), (44, 160, 44)]
_INK = (60, 60, 60)
# A 3x5 pixel font, enough for axis numbers and the legend ("train perplexity", "step").
_GLYPHS = {
    "0": "111101101101111", "1": "010110010010111", "2": "111001111100111", "3": "111001111001111",
    "4": "101101111001001", "5": "111100111001111", "6": "111100111101111", "7": "111001001001001",
    "8": "111101111101111", "9": "111101111001111", ".": "000000000000010", "-": "000000111000000",
    "k": "100101110101101", "a": "000011101101011", "d": "001011101101011", "e": "000111111100011",
    "i": "010000010010010", "l": "010010010010010", "n": "000110101101101", "p": "000110101110100",
    "r": "000101110100100", "s": "000011110011110", "t": "010111010010011", "v": "000101101101010",
    "x": "000101010010101", "y": "000101011001110", "o": "000111101101111", "u": "000101101101111",
    "c": "000111100100111", "g": "000111101011110", "h": "100110101101101", "m": "000111111101101",
    " ": "000000000000000",
}
_SCALE = 2


def _png_bytes(pixels: np.ndarray) -> bytes:
    height, width, _ = pixels.shape
    raw = b"".join(b"\x00" + pixels[row].tobytes() for row in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def _text(pixels: np.ndarray, x: int, y: int, text: str, colour=_INK) -> None:
    """Draw text with its top-left corner at (x, y); unknown characters are skipped."""
    for character in text.lower():
        glyph = _GLYPHS.get(character)
        if glyph is not None:
            bits = np.array([int(bit) for bit in glyph], dtype=bool).reshape(5, 3)
            block = np.kron(bits, np.ones((_SCALE, _SCALE), dtype=bool))
            region = pixels[y : y + block.shape[0], x : x + block.shape[1]]
            region[block[: region.shape[0], : region.shape[1]]] = colour
        x += 4 * _SCALE


def _text_width(text: str) -> int:
    return 4 * _SCALE * len(text)


def _number(value: float) -> str:
    if abs(value) >= 10000:
        return f"{value / 1000:.0f}k"
    if abs(value) >= 100 or float(value).is_integer():
        return f"{value:.0f}"
    return f"{value:.1f}"


def _draw_line(pixels: np.ndarray, x0: float, y0: float, x1: float, y1: float, colour) -> None:
    steps = int(max(abs(x1 - x0), abs(y1 - y0))) + 1
    xs = np.linspace(x0, x1, steps).round().astype(int)
    ys = np.linspace(y0, y1, steps).round().astype(int)
    for dy in (0, 1):  # two pixels thick, readable when scaled down
        pixels[np.clip(ys + dy, 0, pixels.shape[0] - 1), np.clip(xs, 0, pixels.shape[1] - 1)] = colour


def save_curves(path: str | Path, series: dict[str, list[tuple[float, float]]], width: int = 640,
                height: int = 360, x_label: str = "step", log_y: bool = True) -> None:
    """Plot each named series of (x, y) points on shared axes, with numbered axes and a legend.

    With log_y (for perplexities) the y axis is logarithmic, so the late, small gains stay visible.
    """
    if log_y:
        series = {name: [(x, float(np.log(max(y, 1e-9)))) for x, y in values] for name, values in series.items()}
    pixels = np.full((height, width, 3), 255, dtype=np.uint8)
    left, right, top, bottom = 56, 16, 36, 34
    pixels[height - bottom, left : width - right] = _INK
    pixels[top : height - bottom + 1, left] = _INK
    _text(pixels, (width - _text_width(x_label)) // 2, height - 14, x_label)
    legend_x = left + 8
    for (name, _), colour in zip(series.items(), _COLOURS, strict=False):
        pixels[12:18, legend_x : legend_x + 16] = colour
        _text(pixels, legend_x + 22, 10, name)
        legend_x += 22 + _text_width(name) + 24
    points = [point for values in series.values() for point in values]
    if not points:
        Path(path).write_bytes(_png_bytes(pixels))
        return
    xs, ys = zip(*points, strict=True)
    x_low, x_high = min(xs), max(xs)
    y_low, y_high = min(ys), max(ys)
    x_span = (x_high - x_low) or 1
    y_span = (y_high - y_low) or 1

    def to_pixel(x: float, y: float) -> tuple[float, float]:
        px = left + (x - x_low) / x_span * (width - left - right)
        py = height - bottom - (y - y_low) / y_span * (height - top - bottom)
        return px, py

    for fraction in (0.0, 0.5, 1.0):  # y ticks: bottom, middle, top
        value = y_low + fraction * y_span
        _, py = to_pixel(x_low, value)
        pixels[int(py), left - 4 : left] = _INK
        label = _number(float(np.exp(value)) if log_y else value)
        _text(pixels, left - 8 - _text_width(label), int(py) - 5, label)
    for value in (x_low, x_high):
        px, _ = to_pixel(value, y_low)
        label = _number(value)
        _text(pixels, int(min(px, width - right - _text_width(label))), height - bottom + 6, label)
    for values, colour in zip(series.values(), _COLOURS, strict=False):
        for (xa, ya), (xb, yb) in pairwise(values):
            _draw_line(pixels, *to_pixel(xa, ya), *to_pixel(xb, yb), colour)
        if len(values) == 1:
            px, py = to_pixel(*values[0])
            pixels[max(0, int(py) - 2) : int(py) + 3, max(0, int(px) - 2) : int(px) + 3] = colour
    Path(path).write_bytes(_png_bytes(pixels))
