"""Every architecture trains, exports to a checked ONNX bundle, and suggests through the predictor."""

import json

import pytest
import torch
from conftest import tiny_config

from engine.training.architectures import build_model
from engine.training.model import ModelConfig


def nplm(**overrides):
    torch.manual_seed(0)
    settings = dict(vocab_size=50, arch="nplm", embed_dim=8, hidden_size=12, dropout=0.0, context_words=4)
    return build_model(ModelConfig(**{**settings, **overrides})).eval()


@pytest.mark.parametrize("direct", [False, True])
def test_nplm_reads_the_last_n_words_and_a_carried_state_equals_one_run(direct):
    model = nplm(direct=direct)
    if direct:
        torch.nn.init.normal_(model.direct.weight)  # starts at zero: give the direct path a say
    ids = torch.randint(0, 50, (2, 9))  # (B, T)
    full, (window, _) = model(ids)
    assert full.shape == (2, 9, 50) and window.shape == (1, 2, 3 * 8)
    state, steps = None, []
    for start in range(0, 9, 2):  # a step of one or two words at a time, the window carried
        logits, state = model(ids[:, start:start + 2], state)
        steps.append(logits)
    torch.testing.assert_close(torch.cat(steps, dim=1), full, atol=1e-5, rtol=1e-5)
    # Only the last 4 words count: a different word 5 back changes nothing.
    changed = ids.clone()
    changed[:, 4] = (changed[:, 4] + 1) % 50
    torch.testing.assert_close(model(changed)[0][:, -1], full[:, -1])
    assert not torch.allclose(model(changed)[0][:, 5], full[:, 5])


def test_every_architecture_a_bundle_may_name_is_one_the_engine_builds():
    from engine.core.bundle import ARCHITECTURES
    from engine.training.architectures import MODELS

    assert set(MODELS) == set(ARCHITECTURES)


def test_unknown_architecture_is_refused_with_the_choices(tiny_corpus, tmp_path, capsys):
    from engine.training.train import main

    assert main(["--data", str(tiny_corpus), "--out-dir", str(tmp_path / "run"), "--arch", "gru"]) == 2
    assert "arch: 'gru' is not one of lstm, char-lstm, nplm, transformer" in capsys.readouterr().err


@pytest.fixture(scope="module")
def nplm_run(tiny_corpus, tmp_path_factory):
    from engine.training.trainer import train

    out = tmp_path_factory.mktemp("nplm_run")
    train(tiny_config(tiny_corpus, out, arch="nplm", context_words=4, hidden_size=48, epochs=20),
          log=lambda *args: None)
    return out


def test_nplm_trains_and_draws_its_embeddings(nplm_run):
    from engine.runtime.model_opening import open_model

    record = json.loads((nplm_run / "run.json").read_text())
    assert record["model_config"]["arch"] == "nplm"
    assert record["best_valid_perplexity"] < 6  # the tiny corpus is 8 sentences
    picture = nplm_run / "embeddings_tsne.png"
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and picture.stat().st_size > 10_000
    predictor = open_model(nplm_run / "best.pt")
    assert predictor.suggest("I don't know what you ", 1)[0].word == "mean"


def test_nplm_exports_to_a_bundle_that_matches_torch_and_suggests(nplm_run, tiny_corpus, tmp_path):
    from engine.runtime.model_opening import open_bundle
    from export.checks import LOGIT_TOLERANCE
    from export.onnx_export import main

    out = tmp_path / "bundle"
    assert main([str(nplm_run / "best.pt"), "--out", str(out), "--int8", "--check-text", str(tiny_corpus),
                 "--check-topk", "60", "--check-ksr", "20"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["architecture"] == "nplm"
    assert manifest["checks"]["float_vs_torch"]["max_logit_error"] <= LOGIT_TOLERANCE
    for model in ("float", "int8"):
        predictor = open_bundle(out, provider="cpu", model=model)
        assert predictor.suggest("I don't know what you ", 1)[0].word == "mean"
        assert "Netflix" in [s.word for s in predictor.suggest("Do you like to watch ", 3)]


def test_learning_your_writing_from_an_nplm_bundle_says_to_choose_an_lstm(nplm_run, tmp_path):
    from engine.core.bundle import BundleError
    from export.from_onnx import model_from_bundle
    from export.onnx_export import build_bundle

    out = tmp_path / "bundle"
    build_bundle(nplm_run / "best.pt", out, log=lambda message: None)
    with pytest.raises(BundleError, match="a model of kind NPLM; learning your writing starts from an LSTM model only"):
        model_from_bundle(out)


@pytest.mark.parametrize("layout", ["prefixes", "windows"])
def test_the_tutorials_layouts_train_and_count_one_target_per_example(tiny_corpus, tmp_path, layout):
    from engine.training.train import main

    out = tmp_path / layout
    assert main(["--data", str(tiny_corpus), "--valid", "--out-dir", str(out), "--layout", layout, "--window", "6",
                 "--embed-dim", "16", "--hidden-size", "32", "--num-layers", "1", "--min-count", "1",
                 "--max-steps", "30", "--eval-every", "30", "--batch-size", "4", "--seq-len", "16",
                 "--threads", "1"]) == 0
    record = json.loads((out / "run.json").read_text())
    assert record["steps"] == 30 and record["config"]["layout"] == layout
    # 64 tokens a batch, padding included: one target per example, so far fewer targets than tokens
    assert 30 <= record["tokens_seen"] < 30 * 64 / 2


def transformer(**overrides):
    torch.manual_seed(0)
    settings = dict(vocab_size=50, arch="transformer", embed_dim=16, hidden_size=32, num_layers=2, heads=2,
                    attention_span=6, dropout=0.0)
    return build_model(ModelConfig(**{**settings, **overrides})).eval()


def test_the_transformers_cached_steps_equal_one_full_run():
    model = transformer()
    ids = torch.randint(0, 50, (2, 20))  # (B, T): longer than the span, so the window slides
    full, _ = model(ids)
    for chunk in (1, 3, 8):  # a keystroke's one position, and runs, the key/value cache carried between
        state, steps = None, []
        for start in range(0, 20, chunk):
            logits, state = model(ids[:, start:start + chunk], state)
            steps.append(logits)
        torch.testing.assert_close(torch.cat(steps, dim=1), full, atol=1e-5, rtol=1e-5)
    assert state[0].shape == (2, 2, 6 * (16 + 1))  # (L, B, span * (D + 1)): keys and their flags
    # Each position sees itself and the 6 before it, through each of 2 layers: 12 back at most.
    changed = ids.clone()
    changed[:, 0] = (changed[:, 0] + 1) % 50
    torch.testing.assert_close(model(changed)[0][:, 13:], full[:, 13:])
    assert not torch.allclose(model(changed)[0][:, 12], full[:, 12])


def test_model_settings_that_cannot_work_are_refused_with_the_field_named(tiny_corpus, tmp_path, capsys):
    from engine.training.train import main

    with pytest.raises(ValueError, match="heads: 16 .* does not split into 3 heads"):
        ModelConfig(vocab_size=50, arch="transformer", embed_dim=16, heads=3)
    for flags, message in ((["--arch", "transformer", "--heads", "0"], "heads: 0; a transformer has at least 1"),
                           (["--weight-dropout", "1.5"], "weight_dropout: 1.5 is not a rate from 0 up to")):
        assert main(["--data", str(tiny_corpus), "--out-dir", str(tmp_path / "run"), *flags]) == 2
        assert message in capsys.readouterr().err


@pytest.fixture(scope="module")
def transformer_run(tiny_corpus, tmp_path_factory):
    from engine.training.trainer import train

    out = tmp_path_factory.mktemp("transformer_run")
    train(tiny_config(tiny_corpus, out, arch="transformer", num_layers=2, heads=2, hidden_size=64,
                      attention_span=16, epochs=20, lr=3e-3), log=lambda *args: None)
    return out


def test_the_transformer_trains_exports_and_suggests(transformer_run, tiny_corpus, tmp_path):
    from engine.runtime.model_opening import open_bundle, open_model
    from export.checks import LOGIT_TOLERANCE
    from export.onnx_export import main

    assert open_model(transformer_run / "best.pt").suggest("I don't know what you ", 1)[0].word == "mean"
    out = tmp_path / "bundle"
    assert main([str(transformer_run / "best.pt"), "--out", str(out), "--int8", "--check-text", str(tiny_corpus),
                 "--check-topk", "60", "--check-ksr", "20"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["architecture"] == "transformer" and not manifest["start_state"]  # a line starts empty
    assert manifest["checks"]["float_vs_torch"]["max_logit_error"] <= LOGIT_TOLERANCE
    for model in ("float", "int8"):
        predictor = open_bundle(out, provider="cpu", model=model)
        assert predictor.suggest("I don't know what you ", 1)[0].word == "mean"
        assert "Netflix" in [s.word for s in predictor.suggest("Do you like to watch ", 3)]
    # A transformer's state is its key/value cache: the contexts kept stay within the predictor's memory budget.
    entry = sum(part.nbytes for part in predictor.backend.initial_state()) + 4 * len(predictor.vocab)
    predictor.cache_bytes = 20 * entry
    for words in range(1, 40):
        predictor.suggest("I love to watch movies " * words)
    held = sum(probabilities.nbytes + sum(part.nbytes for part in state)
               for state, probabilities in predictor._cache.values())
    assert 16 * entry <= held <= 20 * entry


def test_a_line_is_spelled_with_its_markers_whole_and_a_space_after_every_word():
    from engine.core.characters import build_characters, encode, spelled

    tokens = ["<s1>", "<bos>", "hi", "<num>", "!", "<eos>"]
    assert spelled(tokens) == ["<s1>", "<bos>", "h", "i", " ", "<num>", " ", "!", " ", "<eos>"]
    letters = build_characters(tokens, 1)
    assert letters.decode(encode(tokens, letters)) == spelled(tokens)


@pytest.fixture(scope="module")
def char_run(tiny_corpus, tmp_path_factory):
    from engine.training.trainer import train

    out = tmp_path_factory.mktemp("char_run")
    train(tiny_config(tiny_corpus, out, arch="char-lstm", embed_dim=24, hidden_size=96, seq_len=48, epochs=30,
                      lr=5e-3), log=lambda *args: None)
    return out


def test_the_character_model_completes_a_word_it_has_seen_and_suggests_the_next(char_run):
    from engine.runtime.model_opening import open_model

    record = json.loads((char_run / "run.json").read_text())
    assert record["model_config"]["arch"] == "char-lstm" and record["model_config"]["vocab_size"] < 60
    predictor = open_model(char_run / "best.pt")
    assert not predictor.word_level
    assert "Netflix" in [s.word for s in predictor.suggest("Do you like to watch Netf", 3)]
    assert "mean" in [s.word for s in predictor.suggest("I don't know what you ", 3)]
    completion = predictor.complete("I don't know what you me")
    assert completion.text == "an" and completion.words == ("mean",)


def test_the_character_model_exports_and_suggests_from_its_bundle(char_run, tiny_corpus, tmp_path):
    from engine.runtime.model_opening import open_bundle
    from export.onnx_export import main

    out = tmp_path / "bundle"
    assert main([str(char_run / "best.pt"), "--out", str(out), "--int8", "--check-text", str(tiny_corpus),
                 "--check-topk", "60", "--check-ksr", "20"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["architecture"] == "char-lstm" and (out / "words.json").is_file()
    for model in ("float", "int8"):
        predictor = open_bundle(out, provider="cpu", model=model)
        assert "Netflix" in [s.word for s in predictor.suggest("Do you like to watch Netf", 3)]
        assert "mean" in [s.word for s in predictor.suggest("I don't know what you ", 3)]
    # What the person writes is learned as with a word model: a word it wrote comes first after its context.
    predictor.observe("I love my zebra")
    predictor.observe("I love my zebra")
    assert predictor.suggest("I love my ", 1)[0].word == "zebra"


@pytest.mark.parametrize(("run", "shown"), [("transformer_run", "Transformer on CPU"),
                                            ("char_run", "Character LSTM on CPU")])
def test_the_editor_suggests_from_any_architecture_and_names_it(run, shown, request, open_window, qtbot, tmp_path):
    pytest.importorskip("pytestqt")
    from desktop_helpers import chips, type_and_wait

    from export.onnx_export import build_bundle

    out = tmp_path / "bundle"
    build_bundle(request.getfixturevalue(run) / "best.pt", out, log=lambda message: None)
    window = open_window("--model", str(out))
    qtbot.waitUntil(lambda: window.worker_thread.worker.predictor is not None, timeout=15000)
    type_and_wait(qtbot, window, "Do you like to watch Netf")
    assert "Netflix" in chips(window)
    assert window.provider_label.text() == shown


def test_the_character_model_writes_text_one_character_at_a_time(char_run):
    from engine.runtime.generate import generate
    from engine.runtime.model_opening import open_model

    predictor = open_model(char_run / "best.pt")
    assert generate(predictor, "I want to go to the", max_words=4, strategy="greedy") == " beach lol"
    assert generate(predictor, "I'm doing great, thanks for", max_words=4, strategy="greedy") == " asking!"
    sampled = [generate(predictor, "I want to", max_words=8, seed=seed) for seed in (4, 4, 5)]
    assert sampled[0] == sampled[1] != sampled[2]  # the same seed writes the same text


def test_word_level_tools_say_what_a_character_model_lacks(char_run, tiny_corpus, tmp_path, capsys):
    from engine.evaluation.evaluate import main as evaluate
    from engine.training.release import main as release

    assert evaluate([str(tiny_corpus), "--model", str(char_run / "best.pt"), "--tune-ngram-weight"]) == 2
    assert "a character model mixes in no word trigram" in capsys.readouterr().err
    assert release([str(char_run / "best.pt"), "--out", str(tmp_path / "r" / "n.pt"), "--ngram-weights", "0.4"]) == 2
    assert "a character model; its words come from spelling" in capsys.readouterr().err
    assert evaluate([str(tiny_corpus), "--model", str(char_run / "best.pt"), "--n-topk", "20", "--n-ksr", "5"]) == 0
    table = capsys.readouterr().out
    assert "perplexity" in table and "—" in table.splitlines()[1]  # no word-level perplexity; the trigram's


def test_training_on_from_a_transformer_keeps_its_heads_and_span(transformer_run, tiny_corpus, tmp_path):
    from engine.training.trainer import train

    record = train(tiny_config(tiny_corpus, tmp_path / "more", init_from=str(transformer_run / "best.pt"),
                               dropout=0.3, max_steps=2), log=lambda *args: None)
    model = record["model_config"]
    assert (model["arch"], model["heads"], model["attention_span"], model["num_layers"]) == ("transformer", 2, 16, 2)
    assert model["dropout"] == 0.3  # how training regularises is the caller's
