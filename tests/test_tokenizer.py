from engine.core.tokenizer import is_word, split_partial, starts_sentence, tokenize, tokenize_cased


def test_contractions_and_chat_words_stay_whole():
    assert tokenize("I don't know, I'll see lol haha it's fine") == [
        "i", "don't", "know", ",", "i'll", "see", "lol", "haha", "it's", "fine"]


def test_typographic_apostrophes_become_ascii():
    assert tokenize("don\u2019t you\u2019re") == ["don't", "you're"]


def test_punctuation_is_its_own_token():
    assert tokenize("wait... what?!") == ["wait", "...", "what", "?", "!"]


def test_casing_is_kept_only_by_the_cased_tokenizer():
    assert tokenize_cased("Netflix on Monday") == ["Netflix", "on", "Monday"]
    assert tokenize("Netflix on Monday") == ["netflix", "on", "monday"]


def test_urls_long_numbers_and_emoji_do_not_explode():
    tokens = tokenize("see https://example.com/a?b=1 at 3.5 or 1,000 or 123456 \U0001F602\U0001F602 :)")
    assert tokens == ["see", "<url>", "at", "<num>", "or", "<num>", "or", "<num>", "\U0001F602", "\U0001F602", ":)"]


def test_short_numbers_are_words():
    assert tokenize("2 cats at 10pm in 2018") == ["2", "cats", "at", "10pm", "in", "2018"]


def test_mixed_tokens_split_into_protocol_words():
    assert tokenize("a well-known #tag") == ["a", "well", "-", "known", "#", "tag"]


def test_unicode_letters_survive():
    assert "café" in tokenize("un café noir")


def test_is_word_follows_the_protocol():
    assert is_word("don't") and is_word("10pm")
    assert is_word("café")
    assert not is_word(",") and not is_word("<unk>") and not is_word("'") and not is_word("a_b")


def test_partial_word_is_the_protocols_suffix():
    assert split_partial("I don'") == ("I ", "don'")
    assert split_partial("hello wor") == ("hello ", "wor")
    assert split_partial("hi, ") == ("hi, ", "")
    assert split_partial("") == ("", "")


def test_sentence_starts():
    assert starts_sentence("") and starts_sentence("Ok. ") and starts_sentence("Really?! ")
    assert not starts_sentence("I think ") and not starts_sentence("well, ")
