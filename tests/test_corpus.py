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


# Conversation ids at the edges of the protocol's buckets (PROTOCOL.md 1.1: sha1 of the id, mod 100), found
# once by hand: "conv-365" is bucket 89, the last of train; "conv-93" 90, the first of valid; and so on.
BUCKET_EDGES = {"conv-131": "train", "conv-365": "train", "conv-93": "valid", "conv-49": "valid",
                "conv-21": "test", "conv-5": "test"}


def test_split_puts_the_bucket_edges_where_the_protocol_says():
    assert {conversation_id: chitchat_split(conversation_id) for conversation_id in BUCKET_EDGES} == BUCKET_EDGES


def test_split_gives_nine_tenths_to_training_and_a_twentieth_each_to_validation_and_test():
    splits = [chitchat_split(f"{number:08x}-id") for number in range(20_000)]
    assert 0.89 < splits.count("train") / 20_000 < 0.91
    assert 0.045 < splits.count("valid") / 20_000 < 0.055
    assert 0.045 < splits.count("test") / 20_000 < 0.055


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

