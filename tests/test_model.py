import torch

from engine.training.model import LSTMLanguageModel, ModelConfig
from engine.training.torch_backend import TorchStepper


def make_model(**kwargs):
    torch.manual_seed(0)
    return LSTMLanguageModel(ModelConfig(vocab_size=50, embed_dim=8, hidden_size=12, num_layers=2, dropout=0.1,
                                         **kwargs)).eval()


def test_forward_gives_logits_for_every_position():
    model = make_model()
    logits, (h, c) = model(torch.randint(0, 50, (3, 7)))
    assert logits.shape == (3, 7, 50) and h.shape == c.shape == (2, 3, 12)


def test_tied_weights_share_the_embedding_through_a_projection():
    model = make_model(tie_weights=True)
    assert model.head.weight is model.embed.weight and model.proj is not None
    untied = make_model(tie_weights=False)
    assert untied.head.weight is not untied.embed.weight and untied.proj is None


def test_state_carry_matches_full_sequence():
    model = make_model()
    ids = torch.randint(0, 50, (1, 9))
    full, _ = model(ids)
    state, steps = None, []
    for t in range(9):
        logits, state = model(ids[:, t : t + 1], state)
        steps.append(logits)
    torch.testing.assert_close(torch.cat(steps, dim=1), full, atol=1e-5, rtol=1e-5)


def test_stepper_probabilities_sum_to_one_and_follow_the_model():
    model = make_model()
    stepper = TorchStepper(model)
    probabilities, state = stepper.step([1, 2, 3], stepper.initial_state())
    assert abs(probabilities.sum() - 1) < 1e-5
    logits, _ = model(torch.tensor([[1, 2, 3]]))
    assert probabilities.argmax() == logits[0, -1].argmax().item()


def test_release_is_small_and_predicts_like_the_trained_model(tiny_run, tmp_path):
    from engine.training.checkpoint import load_model
    from engine.training.release import save_release

    source = tiny_run[0] / "best.pt"
    save_release(tmp_path / "release.pt", source, ngram_mixture={"weights": [0.25] * 5, "edges": [0, 1, 3, 10, 100]})
    assert (tmp_path / "release.pt").stat().st_size < source.stat().st_size / 2
    trained, _, _ = load_model(source)
    released, vocab, payload = load_model(tmp_path / "release.pt")
    assert payload["ngram_mixture"]["weights"] == [0.25] * 5
    ids = torch.tensor([vocab.encode(["<s1>", "<bos>", "how", "are", "you"])])
    expected, got = trained(ids)[0][0, -1], released(ids)[0][0, -1]
    assert expected.topk(3).indices.tolist() == got.topk(3).indices.tolist()
    torch.testing.assert_close(torch.softmax(got, -1), torch.softmax(expected, -1), atol=0.02, rtol=0)
