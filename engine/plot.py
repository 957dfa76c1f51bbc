"""A loss-curve PNG written with numpy and zlib alone, so training needs no plotting library."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np

_COLOURS = [(31, 119, 180), (214, 39, 40), (44, 160, 44)]


def _png_bytes(pixels: np.ndarray) -> bytes:
    height, width, _ = pixels.shape
    raw = b"".join(b"\x00" + pixels[row].tobytes() for row in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def _draw_line(pixels: np.ndarray, x0: float, y0: float, x1: float, y1: float, colour) -> None:
    steps = int(max(abs(x1 - x0), abs(y1 - y0))) + 1
    xs = np.linspace(x0, x1, steps).round().astype(int)
    ys = np.linspace(y0, y1, steps).round().astype(int)
    for dy in (0, 1):  # two pixels thick, readable when scaled down
        pixels[np.clip(ys + dy, 0, pixels.shape[0] - 1), np.clip(xs, 0, pixels.shape[1] - 1)] = colour


def save_curves(path: str | Path, series: dict[str, list[tuple[float, float]]], width: int = 640,
                height: int = 360) -> None:
    """Plot each named series of (step, value) points; axes span all points. Legend order = colours."""
    pixels = np.full((height, width, 3), 255, dtype=np.uint8)
    margin = 30
    points = [p for values in series.values() for p in values]
    pixels[height - margin, margin : width - margin] = (0, 0, 0)
    pixels[margin : height - margin, margin] = (0, 0, 0)
    if points:
        xs, ys = zip(*points)
        x_low, x_high = min(xs), max(xs) or 1
        y_low, y_high = min(ys), max(ys)
        y_high = y_high if y_high > y_low else y_low + 1
        x_span = (x_high - x_low) or 1

        def to_pixel(x: float, y: float) -> tuple[float, float]:
            px = margin + (x - x_low) / x_span * (width - 2 * margin)
            py = height - margin - (y - y_low) / (y_high - y_low) * (height - 2 * margin)
            return px, py

        for (name, values), colour in zip(series.items(), _COLOURS):
            pixels[8:14, width - margin - 40 * (list(series).index(name) + 1) : width - margin - 40 * list(series).index(name) - 10] = colour
            for (xa, ya), (xb, yb) in zip(values, values[1:]):
                _draw_line(pixels, *to_pixel(xa, ya), *to_pixel(xb, yb), colour)
            if len(values) == 1:
                px, py = to_pixel(*values[0])
                pixels[int(py) - 2 : int(py) + 3, int(px) - 2 : int(px) + 3] = colour
    Path(path).write_bytes(_png_bytes(pixels))
