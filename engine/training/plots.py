"""The training curves as a PNG, drawn with matplotlib (in the `train` extra; the desktop never loads it)."""

from __future__ import annotations

from pathlib import Path


def save_curves(path: str | Path, series: dict[str, list[tuple[float, float]]], x_label: str = "step",
                y_label: str = "perplexity (log scale)") -> Path:
    """One line per named series of (x, y) points, on a log y axis; written to `path` as PNG."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no screen, no GUI toolkit
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(6.4, 3.6), dpi=100, layout="constrained")
    try:
        for name, points in series.items():
            if points:
                xs, ys = zip(*points, strict=True)
                axes.plot(xs, ys, marker="o" if len(points) < 30 else None, markersize=3, label=name)
        axes.set_yscale("log")
        axes.set_xlabel(x_label)
        axes.set_ylabel(y_label)
        axes.grid(True, which="both", alpha=0.3)
        if any(series.values()):
            axes.legend()
        figure.savefig(path, format="png")
    finally:
        pyplot.close(figure)
    return Path(path)
