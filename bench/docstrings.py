"""Python's own docstrings as a text of another style (technical prose), one paragraph a line: a held-out
text no model trains on, for measuring how a model does on writing unlike chat (docs/models.md).

The standard library's modules in name order, each module's docstring, then the docstrings of what it
defines (functions, classes and their methods, by name); every paragraph flattened to one line, kept
when it has at least 3 words and was not already kept, up to --lines. What it writes depends on the
Python version's docstrings (3.11 for the figures in docs/models.md).

    python bench/docstrings.py [--out data/pydoc.txt] [--lines 5000]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import inspect
import io
import re
import sys
import warnings
from pathlib import Path

# Modules that do something when imported (open a browser, print, start a GUI) or are not the library's.
SKIPPED = {"antigravity", "this", "idlelib", "turtledemo", "tkinter", "turtle", "__main__", "pydoc_data"}


def documented(module) -> list[str]:
    """The module's docstring, then those of the functions, classes and methods it defines, by name."""
    docs = [inspect.getdoc(module) or ""]
    for _, member in sorted(inspect.getmembers(module), key=lambda item: item[0]):
        if getattr(member, "__module__", None) != module.__name__:
            continue
        if inspect.isfunction(member) or inspect.isclass(member):
            docs.append(inspect.getdoc(member) or "")
        if inspect.isclass(member):
            for _, method in sorted(vars(member).items()):
                if inspect.isfunction(method):
                    docs.append(inspect.getdoc(method) or "")
    return docs


def paragraphs(modules: list[str], limit: int) -> list[str]:
    kept, seen = [], set()
    for name in modules:
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                module = importlib.import_module(name)
        except BaseException:  # noqa: BLE001 (a platform's missing module, whatever it raises, is skipped)
            continue
        for doc in documented(module):
            for paragraph in re.split(r"\n\s*\n", doc):
                line = " ".join(paragraph.split())
                if len(line.split()) >= 3 and line not in seen:
                    seen.add(line)
                    kept.append(line)
                    if len(kept) >= limit:
                        return kept
    return kept


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="data/pydoc.txt")
    parser.add_argument("--lines", type=int, default=5000)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")  # deprecated modules warn when imported
    modules = [name for name in sorted(sys.stdlib_module_names) if name not in SKIPPED]
    lines = paragraphs(modules, args.lines)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    print(f"{args.out}: {len(lines)} lines, {sum(len(line.split()) for line in lines):,} words "
          f"(Python {sys.version.split()[0]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
