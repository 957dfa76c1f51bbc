import hashlib
import json

import pytest

from engine.core.corpus import (
    CorpusError,
    chitchat_split,
    flatten,
    load_corpus,
    read_chitchat,
    read_speaker_csv,
    read_text,
    tokenize_documents,
    write_chitchat_splits,
)


@pytest.fixture
def chitchat_file(tmp_path):
    """Three conversations in the chitchat-dataset layout."""
    def message(text, sender):
        return {"text": text, "timestamp": "2018-05-02T19:38:15Z", "sender": sender}

    data = {
        "conv-a": {"messages": [[message("Hello", "u1"), message("How are\nyou?", "u1")], [message("fine", "u2")]]},
        "conv-b": {"messages": [[message("hey", "u9")], [message("  ", "u3")], [message("yo", "u3")]]},
        "conv-c": {"messages": [[message("third", "u5")]]},
    }
    path = tmp_path / "dataset.json"
    path.write_text(json.dumps(data))
    return path


def test_split_is_the_protocols_hash():
    for conversation_id in ["a07edb12-6b91-4138-b11e-02421888d699", "x", "conv-b"]:
        bucket = int(hashlib.sha1(conversation_id.encode()).hexdigest(), 16) % 100
        expected = "train" if bucket < 90 else "valid" if bucket < 95 else "test"
        assert chitchat_split(conversation_id) == expected


def test_chitchat_keeps_order_and_tags_speakers(chitchat_file):
    documents = read_chitchat(None, chitchat_file)
    assert documents[0] == [("<s1>", "Hello"), ("<s1>", "How are you?"), ("<s2>", "fine")]
    assert documents[1] == [("<s1>", "hey"), ("<s2>", "yo")]  # the blank message is skipped


def test_chitchat_split_files_hold_one_flattened_message_per_line(chitchat_file, tmp_path):
    written = write_chitchat_splits(tmp_path / "out", chitchat_file)
    lines = [line for split in ("train", "valid", "test") for line in written[split].read_text().splitlines()]
    assert sorted(lines) == sorted(["Hello", "How are you?", "fine", "hey", "yo", "third"])


def test_flatten_replaces_every_line_boundary():
    assert flatten(" a\nb\u2028c\x85d\r\n") == "a b c d"


def test_text_folder_reads_every_text_file(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "one.txt").write_text("first line\n\nsecond line\n")
    (tmp_path / "sub" / "two.md").write_text("third\n")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    documents = read_text(tmp_path)
    assert [text for doc in documents for _, text in doc] == ["first line", "second line", "third"]


def test_csv_rows_become_tagged_messages(tmp_path):
    path = tmp_path / "chat.csv"
    path.write_text("speaker,text\nann,hi there\nbob,hello\nann,how are you\n")
    assert read_speaker_csv(path) == [[("<s1>", "hi there"), ("<s2>", "hello"), ("<s1>", "how are you")]]
    tokens, _ = tokenize_documents(read_speaker_csv(path))
    assert tokens[:5] == ["<s1>", "<bos>", "hi", "there", "<eos>"]


def test_csv_without_the_columns_names_the_file_and_the_columns(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("name,message\nann,hi\n")
    with pytest.raises(CorpusError, match=r"bad\.csv.*'speaker' and 'text'.*name, message"):
        load_corpus(str(path))


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CorpusError, match=r"nowhere\.txt: file not found"):
        load_corpus(str(tmp_path / "nowhere.txt"))


def test_non_utf8_file_is_a_clear_error(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("caf\xe9 au lait\n".encode("latin-1"))
    with pytest.raises(CorpusError, match=r"latin1\.txt: not UTF-8 text .*save it as UTF-8"):
        load_corpus(str(path))


def test_display_counts_skip_sentence_starts():
    _, display = tokenize_documents([[("<s1>", "The cat. The dog and the Netflix show")]])
    assert display["the"] == 1 and display["The"] == 0 and display["Netflix"] == 1

