"""Text that breaks text handling, as hypothesis strategies: for tests/test_fuzz.py and bench/fuzz.py.

Nasty pieces (control characters and NUL, every line break, bidi marks with Arabic and Hebrew, emoji
ZWJ sequences and skin tones, stacked combining marks, lone surrogates, private use, noncharacters,
HTML entities, runs of punctuation or whitespace, words of up to 10,000 characters) are mixed with
ordinary words, so the real paths run too: known words, partial words, words the model lacks that the
personal cache learns (LEARNED_WORDS), contractions, numbers and URLs.

Here rather than in bench/: the strategies need hypothesis (the dev extra, as the tests do), and the
test suite must not depend on the bench scripts; bench/fuzz.py already puts paths on sys.path as a script.
"""

from __future__ import annotations

import os
import string

from hypothesis import strategies as st

EDITOR_CHARACTERS = 300  # the editor passes at most this much left context (desktop/core/context.py)
LINE_BREAKS = ("\n", "\r", "\r\n", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")
KNOWN_WORDS = (
    "i", "you", "the", "to", "and", "it", "that", "what", "how", "are", "doing", "today", "know", "mean", "want",
    "go", "beach", "watch", "movies", "friends", "weekend", "school", "really", "think", "great", "thanks",
    "don't", "I'm", "it's", "can't", "you're", "I'll", "lol", "haha", "Monday", "Netflix", "Utah", "Halloween",
    "favorite", "interesting", "probably", "something", "yeah", "okay", "2", "10", "2018", "10pm",
)
# Words the model lacks: what a person teaches the personal cache (a name, jargon, a typo, other scripts).
LEARNED_WORDS = (
    "Zorblax", "quinnova", "Mbeki", "floofy", "tommorow", "grobnitz", "Kubernetes", "café", "naïve", "Ørsted",
    "Привет", "東京", "straße", "ǅemal", "ŉeighbor", "ﬁsh", "x\u0301yz",
)
# What the personal cache has learned before the fuzzing starts: names and jargon the model lacks.
TAUGHT_SENTENCES = ("I met Zorblax at the quinnova meetup today.", "Zorblax said the floofy grobnitz was great!",
                    "We deployed Kubernetes with Zorblax again.", "Mbeki and Zorblax went to the café.")
SPECIAL_LOOKING = ("<unk>", "<s1>", "<s2>", "<eos>", "<bos>", "<pad>", "<url>", "<num>", "</s>", "<3")
BIDI_MARKS = ("\u200e", "\u200f", "\u061c", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067",
              "\u2068", "\u2069")
RTL_WORDS = ("مرحبا", "السلام عليكم", "كَتَبَ", "٣٤٥", "שלום", "עִבְרִית", "\u202bשלום\u202c", "\u200fمرحبا\u200e")
EMOJI = (
    "\U0001F602", "\U0001F44D\U0001F3FD", "\U0001F44B\U0001F3FF", "\U0001F468\u200d\U0001F469\u200d\U0001F467\u200d"
    "\U0001F466", "\U0001F3F3\ufe0f\u200d\U0001F308", "\U0001F1FA\U0001F1F8", "1\ufe0f\u20e3", "\u2764\ufe0f",
    "\U0001F9D1\U0001F3FE\u200d\U0001F4BB", "\U0001F3FB", "\u200d", "\U0001F3F4\U000E0067\U000E0062\U000E0073"
    "\U000E0063\U000E0074\U000E007F", ":)", ":-(", "<3", ">:(", "¯\\_(ツ)_/¯",
)
ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\ufeff", "\u2060", "\u00ad", "\u034f", "\u180e")
NONCHARACTERS = ("\ufffe", "\uffff", "\ufdd0", "\ufdef", "\U0001fffe", "\U0010ffff", "\U0010fffe", "\ufffd")
PUNCTUATION = string.punctuation + "…“”‘’«»¿¡—–·•‽、。「」，！？؟،"
WHITESPACE = " \t\u00a0\u1680\u2000\u2002\u2003\u2009\u200a\u202f\u205f\u3000"
# Pieces repeated into long "words": letters, apostrophes, marks and symbols that regexes and loops trip on.
LONG_PIECES = ("a", "ab'", "a'", "é", "e\u0301", "\u0301", "\U0001F602", "٣", ".", "!?", "a-", "ha", "x ", "''",
               "1", "1.", "www.", "\U0001F44D\U0001F3FD\u200d", "Zorblax ", "you ", "\u200f", "\ud800", "&#",
               "\x00", "\u2028")


def _cased(word: str):
    return st.sampled_from([word, word.title(), word.upper()])


known_words = st.sampled_from(KNOWN_WORDS).flatmap(_cased)
learned_words = st.sampled_from(LEARNED_WORDS)
# A word being typed: a prefix of a word the model knows or the cache learned.
partial_words = st.sampled_from(KNOWN_WORDS + LEARNED_WORDS).flatmap(
    lambda word: st.integers(1, len(word)).map(lambda end: word[:end]))
numbers = st.one_of(st.integers(0, 10**12).map(str), st.floats(allow_nan=True, allow_infinity=True).map(str))
urls = st.sampled_from(("https://example.com/a?b=1", "www.x.org", "http://", "https://\u202e.com", "ftp://a"))
html_entities = st.one_of(st.integers(0, 0x11FFFF).map(lambda n: f"&#{n};"),
                          st.integers(0, 2**40).map(lambda n: f"&#x{n:X};"),
                          st.sampled_from(("&amp;", "&lt;", "&nbsp;", "&#;", "&#x;", "&bogus;", "&#0000000065;")))
ordinary = st.one_of(known_words, known_words, known_words, learned_words, learned_words, partial_words, numbers,
                     urls, st.sampled_from(tuple(",.?!'") + ("...", "?!", "-", "—")))

nasty_pieces = st.one_of(
    st.characters(categories=["Cc"]),  # control characters, NUL among them
    st.sampled_from(LINE_BREAKS),
    st.sampled_from(BIDI_MARKS), st.sampled_from(RTL_WORDS),
    st.sampled_from(EMOJI),
    st.lists(st.sampled_from(EMOJI), min_size=2, max_size=6).map("\u200d".join),  # made-up ZWJ sequences
    st.tuples(st.characters(categories=["L", "N"], codec="utf-8"),
              st.lists(st.characters(categories=["Mn", "Me", "Mc"]), min_size=1, max_size=60)).map(
        lambda pair: pair[0] + "".join(pair[1])),  # stacked combining marks
    st.characters(categories=["Cs"]),  # lone surrogates: a Python str may hold them
    st.characters(categories=["Co"]),  # private use
    st.characters(categories=["Cn"]),  # unassigned, noncharacters among them
    st.sampled_from(NONCHARACTERS), st.sampled_from(ZERO_WIDTH), st.sampled_from(SPECIAL_LOOKING),
    html_entities,
    st.text(alphabet=PUNCTUATION, min_size=1, max_size=30),  # only punctuation
    st.text(alphabet=WHITESPACE + "".join(LINE_BREAKS), min_size=1, max_size=20),  # only whitespace
    st.text(st.characters(codec=None), max_size=12),  # anything at all
)
separators = st.one_of(st.just(" "), st.just(" "), st.just(""), st.sampled_from(LINE_BREAKS),
                       st.sampled_from(("  ", "\t", ", ", ". ", "? ", "! ", "\u00a0", "\u3000", "'", "-")))


def mixed_text(max_pieces: int = 40):
    """Ordinary words and nasty pieces, two of the one to one of the other, with separators between."""
    piece = st.one_of(ordinary, ordinary, nasty_pieces)
    return st.lists(st.tuples(piece, separators), max_size=max_pieces).map(
        lambda pairs: "".join(word + separator for word, separator in pairs))


def repeated(min_length: int, max_length: int):
    """One piece (a letter, a mark, an emoji, a dot...) repeated, cut to a length in [min_length, max_length]."""
    return st.tuples(st.sampled_from(LONG_PIECES), st.integers(min_length, max_length)).map(
        lambda pair: (pair[0] * (pair[1] // len(pair[0]) + 1))[:pair[1]])


# What the editor passes: at most EDITOR_CHARACTERS, ending anywhere (inside a word, after a space...).
editor_text = st.one_of(
    mixed_text().map(lambda text: text[-EDITOR_CHARACTERS:]),
    st.tuples(mixed_text(8), partial_words).map(lambda pair: (pair[0] + pair[1])[-EDITOR_CHARACTERS:]),
    st.tuples(mixed_text(4), repeated(1, EDITOR_CHARACTERS)).map(
        lambda pair: (pair[0] + pair[1])[-EDITOR_CHARACTERS:]),  # a 300-character "word" and the like
)
# Beyond what the editor passes (a caller of the library may pass anything): must not raise.
long_text = st.one_of(
    st.tuples(mixed_text(6), repeated(EDITOR_CHARACTERS + 1, 10_000), mixed_text(4)).map("".join),
    mixed_text(400),
)
any_text = st.one_of(editor_text, editor_text, editor_text, long_text)  # three to one: the editor's sizes

# Files the person points a fine-tune at: any name (invalid UTF-8 too), any suffix, any bytes.
SUFFIXES = (".txt", ".md", ".csv", ".TXT", ".Csv", ".markdown", ".text", ".bin", "", ".txt.gz")
file_names = st.tuples(
    st.binary(min_size=1, max_size=40).map(lambda name: name.replace(b"/", b"_").replace(b"\x00", b"_")),
    st.sampled_from(SUFFIXES)).map(lambda pair: pair[0] + pair[1].encode())
CSV_HEADERS = ("speaker,text", "\ufeffspeaker,text", "Speaker , TEXT", "text", "speaker", "a,b", "", "text,text",
               "speaker,text,extra", '"speaker","text"', "speaker;text", "speaker,\x00text")
csv_bodies = st.tuples(
    st.sampled_from(CSV_HEADERS),
    st.lists(st.tuples(st.sampled_from(("alice", "bob", "", '"', "a,b")), any_text,
                       st.sampled_from((",", ",\"", "\",\"", ",,", ""))), max_size=8),
).map(lambda pair: pair[0] + "\n" + "".join(f"{who}{sep}{text}\n" for who, text, sep in pair[1]))
file_contents = st.one_of(
    st.binary(max_size=400),  # anything: invalid UTF-8, NUL
    any_text.map(lambda text: text.encode("utf-8", "surrogatepass")),  # UTF-8 but for lone surrogates
    any_text.map(lambda text: text.encode("utf-8", "replace")),
    any_text.map(lambda text: b"\xef\xbb\xbf" + text.encode("utf-8", "replace")),  # a BOM
    any_text.map(lambda text: text.encode("utf-16", "replace")),  # NUL bytes everywhere
    csv_bodies.map(lambda text: text.encode("utf-8", "replace")),
    csv_bodies.map(lambda text: b"\xef\xbb\xbf" + text.encode("utf-8", "replace")),
    st.tuples(repeated(8_000, 10_000), st.integers(1, 40)).map(  # a huge line: ~10 KB to ~400 KB, no break
        lambda pair: (pair[0] * pair[1]).encode("utf-8", "replace")),
    st.integers(8193, 20_000).map(lambda n: b"a" * n + b"\x00 after the first 8 KB\n"),
)
# A folder of files: (name, bytes); names may repeat (the later one wins) or start with a dot (hidden).
file_sets = st.lists(st.tuples(file_names, file_contents), min_size=0, max_size=5)


def write_files(folder: str, files: list[tuple[bytes, bytes]]) -> list[str]:
    """Writes the files into `folder` by their byte names; returns their paths as Python gives them
    (bytes that are not UTF-8 become lone surrogates, os.fsdecode)."""
    paths = []
    for name, data in files:
        if name.strip(b".") == b"":
            name = b"x" + name  # "." and ".." are folders already
        path = os.path.join(os.fsencode(folder), name[:200])
        with open(path, "wb") as file:
            file.write(data)
        paths.append(os.fsdecode(path))
    return paths
