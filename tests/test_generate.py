import numpy as np
import pytest

from engine.core.vocab import EOS, SPECIAL_TOKENS
from engine.runtime.generate import generate, main, sample_next

WORD = len(SPECIAL_TOKENS)  # the first id that is not a special token


def words_after_specials(*probabilities):
    """A hand-made distribution: the special tokens get nothing, the words after them get `probabilities`."""
    return np.array([0.0] * WORD + list(probabilities))


def test_greedy_finishes_sentences_the_model_learned_in_their_written_form(tiny_predictor):
    assert generate(tiny_predictor, "I don't know what you", strategy="greedy") == " mean."
    assert generate(tiny_predictor, "Do you like to", strategy="greedy") == " watch Netflix on Monday?"


def test_a_new_message_starts_with_a_capital_and_a_spaced_prompt_gets_no_extra_space(tiny_predictor):
    assert generate(tiny_predictor, "", strategy="greedy")[0].isupper()
    assert generate(tiny_predictor, "How are ", strategy="greedy") == "you doing today?"
    assert generate(tiny_predictor, "How are", strategy="greedy") == " you doing today?"


def test_the_same_seed_writes_the_same_text_and_other_seeds_write_other_text(tiny_predictor):
    def write(seed):
        return generate(tiny_predictor, "", 12, "temperature", temperature=2.0, seed=seed)

    assert write(1) == write(1)
    assert len({write(seed) for seed in range(6)}) > 1


def test_top_k_of_one_writes_what_greedy_writes_whatever_the_seed(tiny_predictor):
    for seed, prompt in enumerate(["", "How are", "I want to"]):
        assert generate(tiny_predictor, prompt, 10, "top-k", top_k=1, seed=seed) == generate(
            tiny_predictor, prompt, 10, "greedy")


def test_sample_next_never_returns_special_tokens_or_banned_ids_but_may_end_the_message():
    probabilities = np.zeros(WORD + 2)
    probabilities[[SPECIAL_TOKENS.index(token) for token in ("<pad>", "<unk>", "<bos>", "<s1>", "<s2>")]] = 0.16
    probabilities[SPECIAL_TOKENS.index(EOS)] = 0.05
    probabilities[WORD], probabilities[WORD + 1] = 0.12, 0.03  # the first word is blocked
    end, banned = SPECIAL_TOKENS.index(EOS), np.array([WORD])
    rng = np.random.default_rng(0)
    assert sample_next(probabilities, "greedy", rng, banned=banned) == end
    for strategy in ("temperature", "top-k", "top-p"):
        drawn = {sample_next(probabilities, strategy, rng, 2.0, 3, 1.0, banned) for _ in range(100)}
        assert drawn == {end, WORD + 1}, strategy


def test_top_p_keeps_only_the_smallest_head_reaching_p():
    probabilities = words_after_specials(0.7, 0.2, 0.1)
    rng = np.random.default_rng(0)
    assert {sample_next(probabilities, "top-p", rng, top_p=0.5) for _ in range(100)} == {WORD}
    assert {sample_next(probabilities, "top-p", rng, top_p=0.9) for _ in range(200)} == {WORD, WORD + 1}


@pytest.mark.parametrize("setting, message", [
    (dict(strategy="temperature", temperature=0.0), "--temperature must be above 0"),
    (dict(strategy="top-k", top_k=0), "--top-k must be at least 1"),
    (dict(strategy="top-p", top_p=1.5), "--top-p must be above 0 and at most 1"),
])
def test_sample_next_rejects_a_bad_setting_naming_its_option(setting, message):
    with pytest.raises(ValueError, match=message):
        sample_next(words_after_specials(1.0), rng=np.random.default_rng(0), **setting)


def test_the_command_prints_the_prompt_and_its_continuation_on_one_line(tiny_run, capsys):
    assert main(["--model", str(tiny_run[0] / "best.pt"), "How are", "--words", "3", "--strategy", "greedy"]) == 0
    assert capsys.readouterr().out == "How are you doing today\n"


@pytest.mark.parametrize("option, value, message", [
    ("--temperature", "0", "--temperature must be above 0"),
    ("--top-p", "1.5", "--top-p must be above 0 and at most 1"),
    ("--words", "0", "--words must be at least 1"),
])
def test_a_bad_setting_on_the_command_line_is_one_clear_line_and_exit_code_2(tiny_run, capsys, option, value, message):
    assert main(["--model", str(tiny_run[0] / "best.pt"), "hi", option, value]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"nextword generate: {message}") and err.count("\n") == 1


def test_a_model_that_cannot_be_loaded_is_one_clear_line_and_exit_code_2(tmp_path, capsys):
    assert main(["--model", str(tmp_path / "missing.pt"), "hi"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nextword generate: ") and "missing.pt" in err and err.count("\n") == 1
