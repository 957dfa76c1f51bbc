"""What the personal cache never learns, because it looks like a secret or an identifier: Nextword would offer it
back as a suggestion (OptiKey #705: a password learned, then suggested to whoever sat at the keyboard).

Never learned, wherever it is typed:
- a token with a digit in it ("Kq83xx", "4471", "10am"): codes, PINs, phone and card numbers, dates;
- a long string of mixed case ("xKpQzRtY": six letters or more, two capitals or more after the first letter;
  "iPhone" and "McDonald" are words);
- an e-mail address (anything with a letter on both sides of an "@"), a web address ("https://...", "www....",
  "example.org/path");
- everything after "password", "PIN", "passcode" and the like, to the end of the sentence ("my password for
  the bank is tiger lily": neither "tiger" nor "lily", nor "for the bank is").

`learnable_pieces(text)` gives the stretches of text between them: the cache counts each on its own, so no
pair or triple of words spans what was left out.
"""

from __future__ import annotations

import re

# A word introducing a secret: what follows it in the sentence is not learned
SECRET_WORDS = ("password", "passwords", "passwd", "pwd", "passcode", "passcodes", "passphrase", "passkey",
                "pin", "pins", "pincode", "otp", "cvv", "cvc")
_SECRET_WORD = re.compile(r"(?i)\b(?:" + "|".join(SECRET_WORDS) + r")\b")
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|\n")
# Every pattern below is matched on one whitespace-free chunk, from its start: linear in the text, however
# long a line without spaces is (an unanchored search would try every start: quadratic).
_CHUNK = re.compile(r"\S+")
_WEB = re.compile(r"(?i)(?:[^\w\s]*)(?:[a-z][a-z0-9+.-]*://|www\.|[\w-]+(?:\.[\w-]+)+/)")
# "bob@example." too: the editor hands a sentence over at a full stop, so an address typed on may come in parts
_EMAIL = re.compile(r"[^@]*\w@\w")
_LETTERS = re.compile(r"[A-Za-z]+")
MIXED_CASE_LETTERS = 6  # "iPhone" has one capital after its first letter; "xKpQzRtY" has three


def secret_spans(text: str) -> list[tuple[int, int]]:
    """Where the things never learned are, as (start, end) pairs, in order and not overlapping."""
    spans = [match.span() for match in _CHUNK.finditer(text) if _looks_secret(match.group())]
    position = 0
    while (match := _SECRET_WORD.search(text, position)) is not None:
        end = _SENTENCE_END.search(text, match.end())
        position = end.start() if end else len(text)
        spans.append((match.end(), position))
    return _merged(spans)


def _looks_secret(chunk: str) -> bool:
    """A digit, a web or e-mail address, or a long word of mixed case, in this whitespace-free chunk."""
    if any(character.isdigit() for character in chunk) or _WEB.match(chunk) or _EMAIL.match(chunk):
        return True
    return any(_mixed_case(word) for word in _LETTERS.findall(chunk))


def _mixed_case(word: str) -> bool:
    return len(word) >= MIXED_CASE_LETTERS and not word.isupper() and sum(map(str.isupper, word[1:])) >= 2


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def learnable_pieces(text: str) -> list[str]:
    """The text less what is never learned, as the pieces between (empty ones left out)."""
    pieces, position = [], 0
    for start, end in secret_spans(text):
        pieces.append(text[position:start])
        position = end
    pieces.append(text[position:])
    return [piece for piece in pieces if piece.strip()]
