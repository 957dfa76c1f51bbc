"""Learning from the person's files, whatever they point at: long lines, pipes, devices, links that loop, sparse
files and file names with newlines are each read in bounded time and memory, or skipped and named, and nothing
hangs or stops the rest. Sizes here are small: bench/learn_files.py measures the full-sized ones."""

import os
import threading
import time
import tracemalloc

import pytest

from engine.core import tokenizer, user_text
from engine.core.tokenizer import split_at_spaces, tokenize_cased
from engine.core.user_text import MAX_LINE_CHARS, read_user_text, split_long_line

WORDS = "The harvest was good this year, and Flimflam wrote to say so. "


def finishes(function, seconds: float = 20):
    """function()'s result, or a failure (never a hung test) when it takes longer than `seconds`."""
    outcome = {}

    def run():
        try:
            outcome["value"] = function()
        except BaseException as error:  # raised in the test's thread below, not lost in this one
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if "error" in outcome:
        raise outcome["error"]
    assert "value" in outcome, f"still running after {seconds} s"
    return outcome["value"]


def skipped(text) -> dict[str, str]:
    return {path.name: why for path, why in text.skipped}


# The tokenizer
def test_a_long_run_of_one_character_tokenizes_at_once_as_its_first_three():
    # Why: TweetTokenizer raised MemoryError on a 20 MB run of one letter (reduce_len's regex), stopping the
    # fine-tune and leaving the editor's learning waiting for ever.
    started = time.perf_counter()
    assert tokenize_cased("a" * 20_000_000) == ["aaa"]
    assert tokenize_cased("x " + "!" * 5_000_000 + " y") == ["x", "!", "!", "!", "y"]
    assert time.perf_counter() - started < 5


def test_a_long_run_of_digits_tokenizes_in_linear_time_not_after_a_timeout():
    # Why: 40,000 characters of "1212…" took 5.3 s (quadratic in TweetTokenizer's phone-number pattern), and
    # 100,000 raised TimeoutError; in pieces of at most MAX_PIECE characters it takes a fraction of a second.
    started = time.perf_counter()
    tokens = tokenize_cased("12" * 20_000)
    assert time.perf_counter() - started < 2
    assert all(token == "<num>" or token.isdigit() for token in tokens)  # <num>, or digits where a piece was cut


def test_a_long_text_tokenizes_exactly_as_it_would_whole(monkeypatch):
    text = " ".join([WORDS, "Call 555 1234 or (555) 123-4567 now... or . . . later; x.&bogus; . 3.5 *", WORDS,
                     "see https://example.com/a?b=1 :) 😀😀 don't", "&amp; &#49; wait.\x0c. a@b.com #tag"] * 40)
    assert len(text) > 5 * tokenizer.MAX_PIECE
    in_pieces = tokenize_cased(text)
    monkeypatch.setattr(tokenizer, "MAX_PIECE", 10**9)  # the text whole, as TweetTokenizer took it before
    assert in_pieces == tokenize_cased(text)
    monkeypatch.setattr(tokenizer, "MAX_PIECE", 200)  # cut far more often
    assert tokenize_cased(text) == in_pieces


def test_a_text_is_cut_at_whitespace_into_pieces_of_at_most_the_limit():
    pieces = split_at_spaces("word " * 1000, 100)
    assert all(0 < len(piece) <= 100 for piece in pieces) and " ".join(pieces).split() == ["word"] * 1000
    assert split_at_spaces("x" * 250, 100) == ["x" * 100, "x" * 100, "x" * 50]  # no whitespace: cut hard
    assert split_long_line("a" * 10_000 + " end") == ["a" * 64 + " end"]  # a run shortened first


# Reading files
def test_a_long_line_is_read_as_lines_of_at_most_the_limit_cut_at_whitespace(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("short line\n" + WORDS * 500 + "\nlast line\n", encoding="utf-8")
    lines = read_user_text([path]).lines
    assert lines[0] == "short line" and lines[-1] == "last line" and len(lines) > 3
    assert all(len(line) <= MAX_LINE_CHARS for line in lines)
    assert " ".join(lines[1:-1]).split() == (WORDS * 500).split()  # every word kept, none cut in two


def test_a_one_line_file_of_one_character_is_read_without_holding_the_line(tmp_path):
    path = tmp_path / "run.txt"
    path.write_bytes(b"a" * 8_000_000)
    tracemalloc.start()
    try:
        lines = read_user_text([path]).lines
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert lines == ["a" * 64] and peak < 8 * 2**20  # a chunk at a time, never the 8 MB line


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX thing")
def test_a_fifo_a_link_to_dev_zero_and_a_looping_link_are_named_and_skipped_without_hanging(tmp_path):
    folder = tmp_path / "writing"
    folder.mkdir()
    (folder / "letter.txt").write_text(WORDS, encoding="utf-8")
    os.mkfifo(folder / "pipe.txt")  # opening it to read would wait for a writer for ever
    os.symlink("/dev/zero", folder / "zero.txt")  # reading it would never end
    os.symlink("loop.txt", folder / "loop.txt")
    os.symlink("gone.txt", folder / "broken.txt")
    os.symlink(".", folder / "here")  # a link to the folder itself: would be walked for ever
    text = finishes(lambda: read_user_text([folder]))
    assert [path.name for path in text.files] == ["letter.txt"]
    why = skipped(text)
    assert "named pipe" in why["pipe.txt"] and "character device" in why["zero.txt"] and "/dev/zero" in why["zero.txt"]
    assert "loops" in why["loop.txt"] and "does not exist" in why["broken.txt"] and "already being read" in why["here"]
    named = finishes(lambda: read_user_text([folder / "pipe.txt", folder / "loop.txt", folder / "zero.txt"]))
    assert set(skipped(named)) == {"pipe.txt", "loop.txt", "zero.txt"} and named.files == []


def test_folders_nested_deeper_than_pythons_recursion_and_links_to_links_are_each_read_once(tmp_path):
    deep = bottom = tmp_path / "deep"
    for _ in range(1200):  # deeper than Python's recursion limit (1,000); made a level at a time, as mkdir recurses
        bottom = bottom / "d"
        bottom.mkdir(parents=bottom == deep / "d")
    (bottom / "notes.txt").write_text(WORDS, encoding="utf-8")
    try:
        read_nested_and_linked(deep, tmp_path / "links")
    finally:  # removed a level at a time here: pytest's own clean-up (shutil.rmtree) recurses, and would fail
        (bottom / "notes.txt").unlink()
        while bottom != tmp_path:
            bottom.rmdir()
            bottom = bottom.parent


def read_nested_and_linked(deep, links):
    level = links
    for _ in range(30):  # each level links twice to the next: 2**30 ways down, one folder each
        below = level / "next"
        below.mkdir(parents=True)
        os.symlink("next", level / "again")
        level = below
    (level / "letter.txt").write_text(WORDS, encoding="utf-8")
    text = finishes(lambda: read_user_text([deep, links]))
    assert [path.name for path in text.files] == ["notes.txt", "letter.txt"]


def test_a_sparse_file_is_refused_as_binary_without_reading_it(tmp_path):
    # Why: only the first 8 KB were looked at for NUL bytes; a sparse 2 GB "notes.txt" with text at its start
    # was read whole and took 8 GB of memory.
    path = tmp_path / "notes.txt"
    path.write_text(WORDS * 200, encoding="utf-8")  # past the first 8 KB
    os.truncate(path, 64 * 2**20)  # the rest a hole: reads as NUL bytes, takes no disk
    tracemalloc.start()
    try:
        text = finishes(lambda: read_user_text([path]))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert text.files == [] and skipped(text)["notes.txt"].startswith("binary, not text")
    assert peak < 4 * 2**20


def test_a_nul_between_the_sampled_blocks_is_found_while_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(user_text, "SAMPLED_BLOCKS", 1)
    path = tmp_path / "notes.txt"
    path.write_bytes(WORDS.encode() * 2000 + b"\x00" + WORDS.encode() * 2000)
    assert "binary" in skipped(read_user_text([path]))["notes.txt"]


def test_a_file_over_the_size_limit_is_named_with_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setattr(user_text, "MAX_FILE_BYTES", 2**20)
    big, small = tmp_path / "export.txt", tmp_path / "notes.txt"
    big.write_text(WORDS * 20_000, encoding="utf-8")
    small.write_text(WORDS, encoding="utf-8")
    text = read_user_text([big, small])
    assert "larger than 1 MB" in skipped(text)["export.txt"] and text.files == [small]


def test_bytes_that_are_not_utf8_are_named_at_their_offset_in_any_chunk(tmp_path, monkeypatch):
    monkeypatch.setattr(user_text, "CHUNK_BYTES", 1000)
    path = tmp_path / "letter.txt"
    data = b"\xef\xbb\xbf" + "é".encode() * 700 + b"caf\xe9"  # a BOM; a 2-byte letter across chunks; Latin-1
    path.write_bytes(data)
    assert skipped(read_user_text([path]))["letter.txt"] == (
        f"not UTF-8 (byte 0xe9 at offset {len(data) - 1:,}); save it as UTF-8 to learn from it")


def test_a_csv_read_in_chunks_keeps_messages_across_the_chunks_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(user_text, "CHUNK_BYTES", 7)
    path = tmp_path / "chat.csv"
    path.write_bytes("\ufeffspeaker,text\r\nme,\"hello\r\nthere\u2028you\"\r\nyou,hi\r\n".encode())
    assert read_user_text([path]).documents == [[("<s1>", "hello  there you"), ("<s2>", "hi")]]


# nextword finetune's output
def test_finetune_names_each_file_skipped_on_one_line_and_a_name_cannot_pass_for_progress(tmp_path, capsys):
    pytest.importorskip("torch")
    from export.personalize import main as finetune_main

    folder = tmp_path / "writing"
    folder.mkdir()
    (folder / "letter.txt").write_text(WORDS, encoding="utf-8")
    (folder / "x\nprogress 1.000 installed.png").write_bytes(b"\x89PNG")
    os.mkfifo(folder / "pipe.txt")
    os.symlink("loop.txt", folder / "loop.txt")
    assert finetune_main([str(folder)]) == 2  # too few words: refused after reading
    err = capsys.readouterr().err.splitlines()
    assert [line for line in err if line.startswith("progress")] == ["progress 0.000 reading your text"]
    assert r"skipped " + str(folder / r"x\nprogress 1.000 installed.png") + ": not a .txt" in "\n".join(err)
    assert any("pipe.txt: a named pipe" in line for line in err) and any("loop.txt: a symbolic link" in line
                                                                          for line in err)
