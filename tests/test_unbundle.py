"""`nextword unbundle`: a shipped bundle becomes a checkpoint that training goes on from."""

import json
import shutil

import torch
from conftest import tiny_config

from engine.cli import main as nextword
from engine.training.checkpoint import load_model
from engine.training.trainer import train


def test_a_float_bundle_comes_back_as_the_checkpoint_it_was_exported_from(tiny_bundle, tiny_run, tmp_path, capsys):
    out = tmp_path / "from-bundle.pt"
    assert nextword(["unbundle", str(tiny_bundle), "--out", str(out)]) == 0
    assert "train further with `nextword train --init-from" in capsys.readouterr().out
    model, vocab, payload = load_model(out)
    original, original_vocab, _ = load_model(tiny_run[0] / "best.pt")
    assert vocab.tokens == original_vocab.tokens and payload["unbundled_from"]["model_file"] == "model.onnx"
    for name, tensor in original.state_dict().items():
        torch.testing.assert_close(model.state_dict()[name], tensor, atol=1e-6, rtol=0)


def test_training_goes_on_from_an_unbundled_int8_graph(tiny_bundle, tiny_corpus, tmp_path):
    out = tmp_path / "int8.pt"
    assert nextword(["unbundle", str(tiny_bundle), "--out", str(out), "--graph", "int8"]) == 0
    settings = dict(valid_data=[str(tiny_corpus)], valid_tokens=400, epochs=1, max_steps=1, eval_every=1, lr=1e-9)
    tuned = train(tiny_config(tiny_corpus, tmp_path / "on", init_from=str(out), hidden_size=8, **settings),
                  log=lambda *args: None)
    fresh = train(tiny_config(tiny_corpus, tmp_path / "fresh", **settings), log=lambda *args: None)
    assert tuned["config"]["model"]["hidden_size"] == 32  # the bundle's sizes, not the flags'
    # One step at a negligible rate: what it measures is what the bundle already knew, which a new model does not.
    assert tuned["best_valid_perplexity"] < 3.0 < fresh["best_valid_perplexity"]


def test_unbundling_refuses_to_overwrite_or_to_read_what_is_not_a_bundle(tiny_bundle, tmp_path, capsys):
    out = tmp_path / "kept.pt"
    out.write_bytes(b"someone's checkpoint")
    assert nextword(["unbundle", str(tiny_bundle), "--out", str(out)]) == 2
    assert "kept.pt already exists; choose another --out or add --force" in capsys.readouterr().err
    assert out.read_bytes() == b"someone's checkpoint"
    assert nextword(["unbundle", str(tmp_path), "--out", str(tmp_path / "new.pt")]) == 2
    assert "is not a model bundle" in capsys.readouterr().err and not (tmp_path / "new.pt").exists()
    assert nextword(["unbundle", str(tiny_bundle), "--out", str(out), "--force"]) == 0
    assert load_model(out)[1]


def test_a_bundle_of_another_architecture_is_refused_with_what_to_use(tiny_bundle, tmp_path, capsys):
    other = tmp_path / "transformer"
    shutil.copytree(tiny_bundle, other)
    manifest = json.loads((other / "manifest.json").read_text())
    (other / "manifest.json").write_text(json.dumps({**manifest, "architecture": "transformer"}))
    assert nextword(["unbundle", str(other), "--out", str(tmp_path / "t.pt")]) == 2
    assert "a transformer model; only an LSTM bundle can be read back" in capsys.readouterr().err
    assert not (tmp_path / "t.pt").exists()
