import pytest

from engine.evaluation.metrics import keystroke_savings, percentile, read_lines, top_k_accuracy


class Fixed:
    def __init__(self, words):
        self.words = words

    def suggest(self, left_text, k):
        return self.words[:k]


class OffersHelloAfterHe:
    def suggest(self, left_text, k):
        return ["hello"] if left_text.endswith("he") else []


def test_protocol_example_always_offering_hello_world():
    result = keystroke_savings(Fixed(["hello", "world", "foo"]), ["hello, world!"])
    assert result["keystrokes"] == 5 and result["ksr"] == pytest.approx(8 / 13)
    assert result["accepted_per_100_words"] == 100


def test_protocol_example_offering_hello_only_after_he():
    result = keystroke_savings(OffersHelloAfterHe(), ["hey hello"])
    assert result["keystrokes"] == 7 and result["ksr"] == pytest.approx(2 / 9)


def test_a_useless_predictor_saves_nothing():
    assert keystroke_savings(Fixed([]), ["some words here"])["ksr"] == 0


def test_top_k_counts_first_and_any_of_three_case_insensitively():
    result = top_k_accuracy(Fixed(["Hello", "world", "foo"]), ["hello big world"])
    assert result["words"] == 3
    assert result["top1"] == pytest.approx(1 / 3) and result["top3"] == pytest.approx(2 / 3)


def test_only_the_first_three_suggestions_count():
    assert top_k_accuracy(Fixed(["a", "b", "c", "hello"]), ["hello"])["top3"] == 0


def test_suggestion_objects_with_a_word_count_too():
    class Item:
        def __init__(self, word):
            self.word = word

    assert top_k_accuracy(Fixed([Item("hi")]), ["hi"])["top1"] == 1


def test_nearest_rank_percentiles():
    values = list(range(1, 101))
    assert percentile(values, 50) == 50 and percentile(values, 95) == 95 and percentile([7.0], 95) == 7.0


def test_read_lines_skips_empty_lines_and_takes_the_first_n(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("one\n\n  \ntwo\nthree\n")
    assert read_lines(path, 2) == ["one", "two"] and read_lines(path) == ["one", "two", "three"]
