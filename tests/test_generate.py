import numpy as np
import pytest

from engine.generate import generate, main, sample_next


def test_greedy_continues_a_learned_sentence(tiny_predictor):
    assert generate(tiny_predictor, "I don't know what you", strategy="greedy").startswith(" mean")


def test_the_same_seed_writes_the_same_text_and_seeds_differ(tiny_predictor):
    def write(seed):
        return generate(tiny_predictor, "", 12, "temperature", temperature=2.0, seed=seed)

    assert write(1) == write(1)
    assert len({write(seed) for seed in range(6)}) > 1


def test_top_k_of_one_is_greedy(tiny_predictor):
    for prompt in ["", "How are", "Do you like to"]:
        assert generate(tiny_predictor, prompt, 8, "top-k", top_k=1, seed=5) == generate(
            tiny_predictor, prompt, 8, "greedy")


def test_special_tokens_and_blocked_words_are_never_sampled():
    probabilities = np.array([0.5, 0.3, 0.1, 0.05, 0.05])  # the first three: say <pad>, <unk>, a blocked word
    allowed = np.array([False, False, False, True, True])
    rng = np.random.default_rng(0)
    for strategy in ("greedy", "temperature", "top-k", "top-p"):
        picked = {sample_next(probabilities, strategy, rng, 1.5, 2, 0.99, allowed) for _ in range(50)}
        assert picked <= {3, 4}, strategy


def test_top_p_with_a_small_p_keeps_only_the_head():
    probabilities = np.array([0.7, 0.2, 0.1])
    rng = np.random.default_rng(0)
    assert {sample_next(probabilities, "top-p", rng, top_p=0.5) for _ in range(50)} == {0}
    assert {sample_next(probabilities, "top-p", rng, top_p=0.85) for _ in range(200)} == {0, 1}


def test_the_command_prints_the_prompt_and_its_continuation(tiny_run, capsys):
    assert main(["--model", str(tiny_run[0] / "best.pt"), "How are", "--words", "3", "--strategy", "greedy"]) == 0
    assert capsys.readouterr().out.startswith("How are you")


@pytest.mark.parametrize("option, value, message", [("--temperature", "0", "--temperature must be above 0"),
                                                    ("--top-p", "1.5", "--top-p must be above 0 and at most 1")])
def test_a_bad_setting_is_one_clear_line(tiny_run, capsys, option, value, message):
    assert main(["--model", str(tiny_run[0] / "best.pt"), "hi", option, value,
                 "--strategy", "top-p" if option == "--top-p" else "temperature"]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
