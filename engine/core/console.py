"""Printing text that holds file names, whatever bytes those names are made of.

On Linux a file name is bytes; Python keeps bytes that are not UTF-8 as lone surrogates (os.fsdecode), and
JSON carries them the same way. Printing one to a UTF-8 stdout raises UnicodeEncodeError: a command that
lists a file named in Latin-1 would stop with a traceback. So such bytes are shown as `\\xNN`, and anything
the terminal's encoding cannot show as `\\uNNNN`: the name stays recognisable and the command never fails.
"""

from __future__ import annotations

import re
import sys

# Control characters and Unicode line and paragraph separators: in a file name they would start a new line (or
# move the cursor) in what a program prints, so a name could pass for a line of its own, such as the
# `progress ...` lines the editor reads from `nextword finetune`.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """`text` with each undecodable byte of a file name as `\\xNN` (and any other lone surrogate as `\\uNNNN`)."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that is no file-name byte (from a JSON "\\ud800")
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def say(text: str, file=None) -> None:
    """print(text) that never fails on what the stream's encoding cannot hold."""
    stream = file if file is not None else sys.stdout
    encoding = getattr(stream, "encoding", None) or "utf-8"
    print(printable(text).encode(encoding, "backslashreplace").decode(encoding), file=stream)


def one_line(text: str) -> str:
    """`text` as one line: each control character (a newline in a file name) written as an escape, as repr
    writes it (`\\n`, `\\x1b`, `\\u2028`), so what is printed cannot start a line that looks like another."""
    return _CONTROLS.sub(lambda match: _NAMED.get(match.group()) or repr(match.group())[1:-1], text)


def say_line(text: str, file=None) -> None:
    """say() for a message that must stay one line whatever names it holds."""
    say(one_line(text), file)
