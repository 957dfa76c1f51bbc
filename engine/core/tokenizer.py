"""The one definition of a "word", shared by training, evaluation and typing.

Text is split with NLTK's TweetTokenizer (no downloaded data needed), which keeps contractions
("don't", "I'll") and chat words ("lol", "haha") whole and emoji and emoticons in one piece. Tokens
are then refined so that every token that *can* be suggested is a word in the sense of
shared/PROTOCOL.md (`[A-Za-z0-9]+(?:'[A-Za-z0-9]+)*`); URLs and long numbers become one placeholder
token each instead of exploding into noise.
"""

from __future__ import annotations

import re
import unicodedata
from collections import deque
from functools import lru_cache

# Bumped whenever tokenization changes: a model trained with another version would see other tokens.
TOKENIZER_VERSION = 1

URL_TOKEN = "<url>"
NUMBER_TOKEN = "<num>"

WORD_PATTERN = r"[A-Za-z0-9]+(?:'[A-Za-z0-9]+)*"
_WORD = re.compile(WORD_PATTERN)
# What may be offered: the protocol's words, with letters of any script ("café", "naïve").
_SUGGESTABLE = re.compile(r"[^\W_]+(?:'[^\W_]+)*\Z")
# The protocol's partial word: a word at the very end, possibly with a trailing apostrophe ("I don'"),
# `[A-Za-z0-9]+(?:'[A-Za-z0-9]+)*'?\Z`, matched on the text reversed: searching forwards for a match that
# ends at \Z tries every start, quadratic in a run of letters (10,000 letters and a "!" took 2.3 s).
_PARTIAL_REVERSED = re.compile(r"'?(?:[A-Za-z0-9]+')*[A-Za-z0-9]+")
_URL = re.compile(r"(?i)^(?:https?://|www\.)\S+$")
# Plain numbers of up to four digits ("2", "10", "2018") are predictable words; longer or
# formatted numbers ("3.5", "1,000", "555-1234") are all alike to a language model.
_LONG_NUMBER = re.compile(r"^(?:\d{5,}|\d+(?:[.,:/-]\d+)+)$")
# The protocol's line boundaries (those of str.splitlines): flattening a line makes each a space.
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
# Typographic apostrophes made ASCII; line breaks made spaces, as flattening makes them in every training
# text, so that text with them tokenizes as its flattened form did (TweetTokenizer kept \x1c-\x1e as
# tokens, and an ellipsis ".\f." as one token, where training saw ". ."); and \x1f, which Python counts
# as whitespace (str.split, isspace) but TweetTokenizer kept as a token. No training text had \x1f.
_NORMAL_FORMS = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u0060": "'", "\x1f": " ",
                               **{line_break: " " for line_break in LINE_BREAKS}})
_CLOSERS = "\"')]"  # what may follow a sentence's final mark: `."`, `!)`
# Lone surrogates: a Python str may hold them (and TweetTokenizer makes one of "&#xD800;"), but no file can,
# so a token with one could never be saved (the personal cache's JSON, a vocabulary).
_SURROGATES = re.compile("[\ud800-\udfff]")

# TweetTokenizer on a long text: a 20 MB run of one letter raised MemoryError (in its reduce_lengthening), 400 KB
# of "a.a.a." TimeoutError (after 5 s), and 8,000 digit pairs "1212…" took 0.2 s, quadratic. So a text longer
# than MAX_PIECE is handed over in pieces of at most that many characters, cut where no token can span the cut
# (see split_at_spaces): its tokens are the same as if it went whole. Normal text (a message, a typed
# paragraph, every line of the corpora) is shorter and goes whole, as before.
MAX_PIECE = 1000
# A run of one character longer than this is shortened to it first: TweetTokenizer makes three of any run of
# three or more (reduce_len), so the tokens are the same, and a 20 MB run is one piece, not 20,000.
KEPT_RUN = 64
_LONG_RUN = re.compile(rf"(.)\1{{{KEPT_RUN},}}+")  # possessive: `{64,}` alone took 1.6 GB on a 20 MB run
# Where a text may be cut (in the `regex` module's terms, TweetTokenizer's engine: its \d and \s, not re's).
# Only two of its token patterns hold whitespace: phone numbers ("555 1234", after a digit or one of `*-.)`)
# and spaced ellipses (". . .", after a dot). A run of whitespace after any other character is inside no
# token, and the patterns' look-arounds (`\b`, `(?<!@)`, `(?!@)`) see the same at a cut as at a space. Not
# after a `;` either: an HTML entity ends there, and "x.&bogus; ." loses it before tokenizing (". ." is one).
_SAFE_GAP = r"(?<=[^\d*\-.);\s])\s+"
_ANY_GAP = r"\s+"
# Should a piece still exceed TweetTokenizer's time limit (none of MAX_PIECE characters has), its words
# and marks are the tokens rather than a traceback.
_PLAIN_TOKENS = re.compile(r"\w+|[^\w\s]")



@lru_cache(maxsize=1)
def _tweet_tokenizer():
    """Made on first use, so that importing this module (the word pattern, split_partial) loads no nltk."""
    from nltk.tokenize import TweetTokenizer

    return TweetTokenizer(preserve_case=True, reduce_len=True, strip_handles=False)


def normalize(text: str) -> str:
    """NFC form with typographic apostrophes made ASCII, so "don’t" and "don't" are one word, and line breaks
    made spaces, as in the flattened lines the model learned from."""
    return unicodedata.normalize("NFC", text).translate(_NORMAL_FORMS)


def _refine(token: str) -> list[str]:
    if _URL.match(token):
        return [URL_TOKEN]
    if _LONG_NUMBER.match(token):
        return [NUMBER_TOKEN]
    if _SUGGESTABLE.match(token) or not _WORD.search(token):
        return [token]
    # Mixed tokens ("well-known", "#tag", "a@b.com") split into protocol words and single marks.
    pieces: list[str] = []
    position = 0
    for match in _WORD.finditer(token):
        pieces.extend(ch for ch in token[position : match.start()] if not ch.isspace())
        pieces.append(match.group())
        position = match.end()
    pieces.extend(ch for ch in token[position:] if not ch.isspace())
    return pieces


@lru_cache(maxsize=1)
def _gaps():
    import regex  # TweetTokenizer's own engine (an nltk dependency): its \d and \s are the ones that matter

    return regex.compile(_SAFE_GAP), regex.compile(_ANY_GAP)


def shorten_runs(text: str) -> str:
    """Every run of one character longer than KEPT_RUN shortened to KEPT_RUN: the same tokens (see KEPT_RUN)."""
    return _LONG_RUN.sub(lambda match: match.group(1) * KEPT_RUN, text)


def split_at_spaces(text: str, limit: int) -> list[str]:
    """`text` in pieces of at most `limit` characters (none empty), cut at a run of whitespace (left out), in
    linear time. A cut where no token can span it is preferred (the tokens of the pieces are the text's);
    else any whitespace; a text with none in half a piece is cut hard."""
    safe, anywhere = _gaps()
    pieces: list[str] = []
    start = 0
    while len(text) - start > limit:
        window = (start + limit // 2, start + limit)  # each piece at least half the limit: linear overall
        gap = _last(safe.finditer(text, *window)) or _last(anywhere.finditer(text, *window))
        cut, resume = (gap.start(), gap.end()) if gap else (start + limit, start + limit)
        pieces.append(text[start:cut])
        start = resume
    pieces.append(text[start:])
    return [piece for piece in pieces if piece]


def _last(matches):
    """The last of an iterator's matches, or None."""
    last = deque(matches, maxlen=1)
    return last[0] if last else None


def _tweet_tokens(text: str) -> list[str]:
    """TweetTokenizer's tokens of a normalized text, a long one in pieces (see MAX_PIECE)."""
    if len(text) <= MAX_PIECE:
        return _tweet_piece(text)
    return [token for piece in split_at_spaces(shorten_runs(text), MAX_PIECE) for token in _tweet_piece(piece)]


def _tweet_piece(text: str) -> list[str]:
    try:
        return _tweet_tokenizer().tokenize(text)
    except TimeoutError:
        return _PLAIN_TOKENS.findall(text)


def tokenize_cased(text: str) -> list[str]:
    """Tokens as written (case kept); placeholders for URLs and long numbers."""
    tokens: list[str] = []
    for raw in _tweet_tokens(normalize(text)):
        # Normalized again: TweetTokenizer decodes HTML entities, after normalize, so "&#29;" made a "\x1d"
        # token, "&#x2019;" a typographic apostrophe and "&#xD800;" a lone surrogate. (No corpus had entities.)
        cleaned = _SURROGATES.sub("\ufffd", raw).translate(_NORMAL_FORMS)
        for piece in [raw] if cleaned == raw else cleaned.split():
            tokens.extend(_refine(piece))
    return tokens


def tokenize(text: str) -> list[str]:
    """Lower-cased tokens: what the model reads and predicts."""
    return [token if token in (URL_TOKEN, NUMBER_TOKEN) else token.lower() for token in tokenize_cased(text)]


@lru_cache(maxsize=65536)
def is_word(token: str) -> bool:
    """True for tokens that may be offered as a suggestion: letters and digits, inner apostrophes."""
    return bool(_SUGGESTABLE.match(token))


def split_partial(left_text: str) -> tuple[str, str]:
    """Split text left of the cursor into (context, partial word being typed).

    The partial word is the protocol's longest suffix matching a word with an optional trailing
    apostrophe; it is empty when the text ends with a space or punctuation.
    """
    match = _PARTIAL_REVERSED.match(left_text[::-1])
    if not match:
        return left_text, ""
    return left_text[: len(left_text) - match.end()], left_text[len(left_text) - match.end():]


def starts_sentence(context: str) -> bool:
    """True where the next word begins a sentence: empty context or after ., ! or ?"""
    stripped = context.strip()
    # Not a regex search for `[.!?]+["')\]]*\Z`: that tries every start (10,000 dots and an "x" took 1.7 s).
    return not stripped or stripped.rstrip(_CLOSERS)[-1:] in (".", "!", "?")
