"""The AWD-LSTM regularisation: it acts while training only, and leaves the model a plain LSTM to export."""

import json

import torch
from conftest import tiny_config

from engine.training.architectures import build_model
from engine.training.model import ModelConfig


def lstm(**overrides):
    torch.manual_seed(0)
    settings = dict(vocab_size=40, embed_dim=8, hidden_size=12, num_layers=2, dropout=0.3)
    return build_model(ModelConfig(**{**settings, **overrides}))


def test_regularised_and_plain_lstms_are_the_same_model_once_trained():
    plain, regularised = lstm(), lstm(embedding_dropout=0.2, weight_dropout=0.5, variational_dropout=True)
    assert plain.state_dict().keys() == regularised.state_dict().keys()
    ids = torch.randint(0, 40, (3, 7))  # (B, T)
    torch.testing.assert_close(plain.eval()(ids)[0], regularised.eval()(ids)[0])


def test_weight_dropout_changes_the_recurrence_while_training_and_its_gradient_reaches_the_weights():
    model = lstm(dropout=0.0, weight_dropout=0.5).train()
    plain = lstm(dropout=0.0).train()
    ids = torch.randint(0, 40, (3, 7))
    logits, _ = model(ids)
    assert not torch.allclose(logits, plain(ids)[0])
    logits.sum().backward()
    assert model.lstm.weight_hh_l0.grad is not None and model.lstm.weight_hh_l0.grad.abs().sum() > 0


def test_variational_dropout_uses_one_mask_for_every_position():
    from engine.training.regularisation import embed_dropping_words, locked_dropout

    dropped = locked_dropout(torch.ones(4, 9, 16), 0.5)  # (B, T, F)
    assert torch.equal(dropped, dropped[:, :1].expand_as(dropped))  # the same at every position
    assert 0 < int((dropped[:, 0] == 0).sum()) < 4 * 16
    embedding = torch.nn.Embedding(40, 8)
    ids = torch.tensor([[3, 3, 3, 5, 5]])  # a word dropped is dropped everywhere in the batch
    rows = embed_dropping_words(embedding, ids, 0.5)[0]
    assert torch.equal(rows[0], rows[1]) and torch.equal(rows[1], rows[2]) and torch.equal(rows[3], rows[4])


def test_a_regularised_run_trains_and_exports(tiny_corpus, tmp_path):
    from engine.training.trainer import train
    from export.onnx_export import build_bundle

    out = tmp_path / "run"
    train(tiny_config(tiny_corpus, out, embedding_dropout=0.1, weight_dropout=0.3, variational_dropout=True,
                      dropout=0.2, max_steps=60), log=lambda *args: None)
    record = json.loads((out / "run.json").read_text())
    assert record["model_config"]["weight_dropout"] == 0.3 and record["best_valid_perplexity"] < 40
    manifest = build_bundle(out / "best.pt", tmp_path / "bundle", log=lambda message: None)
    assert manifest["checks"]["float_vs_torch"]["max_logit_error"] < 1e-4
