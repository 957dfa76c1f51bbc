"""Autosave files: what one open document held, written so that it can be put back exactly. No Qt here, so
that any script can read a folder of autosaves (`read_all`).

An autosave is one JSON file, `<id>.json` in `user_data_dir()/autosave` (folder 0700, file 0600), written
atomically (engine/core/data_folder.py: a temporary file renamed over the old one), so a crash leaves the
previous autosave or the new one, never half of one. It holds the document's lines and each line's end as
the editor has them, and the file's format (BOM, line ends: desktop/document/textfile.py), so that `textfile.show`
puts back what was typed, U+2028 and odd line ends included; and the document's file (none: Untitled),
the time of its last change (ISO-8601 UTC) and the writing process's id. JSON is written ASCII-only, so
even text Python cannot encode as UTF-8 (a lone surrogate pasted in) comes back as it was.

A file that cannot be read as an autosave (bad JSON, cut short, a field missing) is kept aside
(engine/core/damaged.py) and left out, with a message naming it; nothing else stops for it.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from desktop.document import textfile
from engine.core import safe_json
from engine.core.damaged import KeepAsideError, is_kept_aside, keep_aside
from engine.core.data_folder import write_private
from engine.core.paths import private_dir, user_data_dir

FOLDER = "autosave"
SUFFIX = ".json"
VERSION = 1
CHUNK_LINES = 2000
# JSON written ASCII-only takes up to 6 bytes a character (\uXXXX): 1 GB holds a document of 170 million
# characters or more, beyond what the editor can hold. A larger file is not one Nextword wrote.
MAX_AUTOSAVE_BYTES = 2**30


class DamagedAutosave(ValueError):
    """The file is not a readable autosave."""


@dataclass
class Autosave:
    id: str
    path: str | None  # the document's file, absolute; None for Untitled
    changed_at: datetime  # the last change autosaved, in UTC
    pid: int  # the process that wrote it
    decoded: textfile.DecodedText  # the lines, their ends and the file's format

    @property
    def name(self) -> str:
        return Path(self.path).name if self.path else "Untitled"

    @property
    def text(self) -> str:
        """The text as typed, every line end as \\n."""
        return "\n".join(self.decoded.lines)

    def file_bytes(self) -> bytes:
        """What saving it would write (UnicodeEncodeError for text its encoding cannot hold)."""
        return textfile.encode(self.decoded.lines, self.decoded.terminators, self.decoded.format)


def default_folder() -> Path:
    return user_data_dir() / FOLDER


def file_path(folder: Path, autosave_id: str) -> Path:
    return Path(folder) / f"{autosave_id}{SUFFIX}"


def now() -> datetime:
    return datetime.now(UTC)


def write(folder: Path, autosave: Autosave) -> None:
    """Write (or replace) the autosave atomically; OSError when the disk will not have it."""
    write_private(file_path(private_dir(folder), autosave.id), encode(autosave))  # a link is replaced, not followed


def encode(autosave: Autosave) -> bytes:
    """The autosave's JSON, its lines encoded CHUNK_LINES at a time: one json.dumps of a 50 MB document holds
    Python's GIL, and so the GUI thread, for half a second; pieces hold it a millisecond each."""
    item = _to_json(autosave)
    lines, ends = item.pop("lines"), item.pop("line_ends")
    head = json.dumps(item, ensure_ascii=True)[:-1]  # without its closing brace
    parts = [head, ', "lines": [', *_pieces(lines), '], "line_ends": [', *_pieces(ends), "]}"]
    return "".join(parts).encode("ascii")


def _pieces(items: list[str]):
    for start in range(0, len(items), CHUNK_LINES):
        yield ("," if start else "") + json.dumps(items[start:start + CHUNK_LINES], ensure_ascii=True)[1:-1]


def remove(folder: Path, autosave_id: str) -> None:
    file_path(folder, autosave_id).unlink(missing_ok=True)


def ids(folder: Path) -> list[str]:
    """The ids of the autosaves in the folder (kept-aside files and temporary files left out); none when the
    folder is missing or cannot be listed (the editor starts all the same; writing there will say why)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    return sorted(name[:-len(SUFFIX)] for name in names
                  if name.endswith(SUFFIX) and not name.startswith(".") and not is_kept_aside(name))


def read(path: Path) -> Autosave:
    """The autosave in `path`; DamagedAutosave saying what is wrong, OSError when it cannot be read at all.
    Read through engine/core/safe_json.py: a file nested 100,000 levels deep would abort the editor inside
    json (a C stack overflow) at every start, and the real drafts beside it would never be offered."""
    try:
        item = safe_json.read_json(path, MAX_AUTOSAVE_BYTES)
        return _from_json(item, Path(path).name.removesuffix(SUFFIX))
    except safe_json.JSONFileError as error:
        raise DamagedAutosave(f"{path}: not a readable autosave ({error.problem})") from None
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise DamagedAutosave(f"{path}: not a readable autosave ({error})") from None


def read_or_keep_aside(folder: Path, autosave_id: str) -> tuple[Autosave | None, str]:
    """The autosave, or None and a message naming the file: a damaged one is renamed out of the way."""
    path = file_path(folder, autosave_id)
    try:
        return read(path), ""
    except DamagedAutosave as damage:
        try:
            aside = keep_aside(path)
        except KeepAsideError as error:
            return None, f"{damage}; {error}"
        return None, f"The autosave {path} could not be read and was kept aside as {aside.name}"
    except OSError as error:
        return None, f"The autosave {path} could not be read ({error.strerror or error})"


def read_all(folder: Path | None = None) -> tuple[list[Autosave], list[str]]:
    """Every readable autosave in the folder (the user's by default), newest change first, and a message for
    each one that could not be read. Damaged ones are kept aside. Locks are not looked at: a live window's
    autosave is among them (desktop/document/recovery.py offers only those no live window holds)."""
    folder = Path(folder) if folder is not None else default_folder()
    autosaves, problems = [], []
    for autosave_id in ids(folder):
        autosave, problem = read_or_keep_aside(folder, autosave_id)
        if autosave is not None:
            autosaves.append(autosave)
        elif problem:
            problems.append(problem)
    return sorted(autosaves, key=lambda autosave: autosave.changed_at, reverse=True), problems


def _to_json(autosave: Autosave) -> dict:
    decoded = autosave.decoded
    return {"nextword_autosave": VERSION, "id": autosave.id, "path": autosave.path,
            "changed_at": autosave.changed_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "pid": autosave.pid, "format": asdict(decoded.format), "lines": decoded.lines,
            "line_ends": decoded.terminators}


def _from_json(item: dict, autosave_id: str) -> Autosave:
    """The id is the file's name: a copied or renamed autosave is taken over under the name it has now."""
    if item["nextword_autosave"] != VERSION:
        raise ValueError(f"version {item['nextword_autosave']!r}, this Nextword reads {VERSION}")
    text_format = textfile.TextFormat(**item["format"])
    lines, ends = item["lines"], item["line_ends"]
    if not (lines and all(isinstance(line, str) for line in lines) and len(ends) == len(lines) - 1
            and all(end in textfile.TERMINATORS for end in ends)):
        raise ValueError("its lines and line ends do not fit together")
    flags = (text_format.bom, text_format.mixed, text_format.keeps_line_separators)
    if (text_format.line_end not in textfile.LINE_ENDS or not all(isinstance(flag, bool) for flag in flags)
            or text_format.encoding not in textfile.ENCODING_NAMES):
        raise ValueError(f"its format is not one a file has: {text_format}")
    changed_at = datetime.fromisoformat(item["changed_at"])
    if changed_at.tzinfo is None or not isinstance(item["pid"], int) or not isinstance(item["path"], str | None):
        raise ValueError("its time, process id or path is not what an autosave has")
    return Autosave(autosave_id, item["path"], changed_at, item["pid"], textfile.DecodedText(lines, ends, text_format))
