"""A run folder's encoded data is reused only for the data it was built from."""

import json

import numpy as np
from conftest import SENTENCES, tiny_config

from engine.training.config import TrainConfig
from engine.training.train import main
from engine.training.trainer import train


def quiet(*args):
    pass


def flags(corpus, out, *extra):
    return ["--data", str(corpus), "--valid", "--out-dir", str(out), "--embed-dim", "8", "--hidden-size", "8",
            "--num-layers", "1", "--min-count", "1", "--batch-size", "2", "--seq-len", "8", "--max-steps", "2",
            "--eval-every", "2", "--threads", "1", *extra]


def test_a_run_folder_records_what_its_data_was_built_from(tiny_run, tiny_corpus):
    record = json.loads((tiny_run[0] / "data.json").read_text())
    assert record["train_data"] == [str(tiny_corpus)] and record["valid_data"] == []
    assert record["vocabulary"] == {"min_count": 1, "max_vocab": 200} and set(record["sources"]) == {str(tiny_corpus)}
    assert record["vocab_hash"] and record["train_ids"] and record["valid_ids"]


def test_training_into_a_folder_built_from_other_data_is_refused_with_what_differs(tiny_corpus, tmp_path, capsys):
    other = tmp_path / "other.txt"
    other.write_text("".join(sentence + "\n" for sentence in reversed(SENTENCES * 30)), encoding="utf-8")
    run = tmp_path / "run"
    assert main(flags(tiny_corpus, run)) == 0
    capsys.readouterr()
    assert main(flags(other, run)) == 2
    error = capsys.readouterr().err
    assert "run: this run folder's data was built from other data" in error and "other.txt" in error
    assert "use a new --out-dir" in error
    assert main(flags(tiny_corpus, run, "--min-count", "2")) == 2
    assert "vocabulary was {'min_count': 1" in capsys.readouterr().err
    assert main(flags(tiny_corpus, run)) == 0  # the same data again: the folder is reused


def test_a_source_edited_since_the_folder_was_built_is_noticed(tmp_path, capsys):
    corpus = tmp_path / "notes.txt"
    corpus.write_text("".join(sentence + "\n" for sentence in SENTENCES * 30), encoding="utf-8")
    assert main(flags(corpus, tmp_path / "run")) == 0
    with corpus.open("a", encoding="utf-8") as text:
        text.write("A new line the folder has not seen.\n")
    capsys.readouterr()
    assert main(flags(corpus, tmp_path / "run")) == 2
    assert "sources was" in capsys.readouterr().err


def test_a_folder_without_a_record_is_refused(tiny_run, tiny_corpus, tmp_path, capsys):
    old = tmp_path / "old"
    old.mkdir()
    for name in ("vocab.json", "train_ids.npy", "valid_ids.npy"):
        (old / name).write_bytes((tiny_run[0] / name).read_bytes())
    assert main(flags(tiny_corpus, old)) == 2
    assert "data.json: this run folder holds encoded data but no readable record" in capsys.readouterr().err


def test_init_from_reuses_the_starting_runs_encoded_text_and_vocabulary(tiny_run, tiny_corpus, tmp_path):
    messages = []
    config = tiny_config(tiny_corpus, tmp_path / "tuned", init_from=str(tiny_run[0] / "best.pt"), max_steps=2,
                         layout="lines")
    train(config, log=messages.append)
    assert any("reusing the encoded data of" in str(message) for message in messages)
    for name in ("train_ids.npy", "valid_ids.npy"):
        np.testing.assert_array_equal(np.load(tmp_path / "tuned" / name), np.load(tiny_run[0] / name))
    record = json.loads((tmp_path / "tuned" / "data.json").read_text())
    assert record["vocabulary"] == {"from": str(tiny_run[0] / "best.pt")}
    assert record["vocab_hash"] == json.loads((tiny_run[0] / "data.json").read_text())["vocab_hash"]
    resumed = train(tiny_config(tiny_corpus, tmp_path / "tuned", max_steps=3), resume=True, log=quiet)
    assert resumed["steps"] == 3  # resuming reads the folder's record with the vocabulary it came from


def test_a_config_saved_before_the_model_sizes_were_nested_still_loads():
    flat = {"train_data": ["chitchat:train"], "embed_dim": 64, "hidden_size": 128, "num_layers": 1,
            "dropout": 0.1, "tie_weights": False, "lr": 1e-3}
    config = TrainConfig.from_dict(flat)
    assert config.model.hidden_size == 128 and not config.model.tie_weights and config.lr == 1e-3
    assert TrainConfig.from_dict(config.to_dict()) == config


def test_a_folder_moved_where_its_text_cannot_be_read_trains_on_its_encoded_data(tmp_path, capsys):
    # As on a GPU machine without the chitchat-dataset package: the folder's data travels, the text does not.
    corpus = tmp_path / "notes.txt"
    corpus.write_text("".join(sentence + "\n" for sentence in SENTENCES * 30), encoding="utf-8")
    assert main(flags(corpus, tmp_path / "run")) == 0
    recorded = json.loads((tmp_path / "run" / "data.json").read_text())
    corpus.rename(tmp_path / "elsewhere.txt")
    capsys.readouterr()
    assert main(flags(corpus, tmp_path / "run", "--max-steps", "3")) == 0
    assert "notes.txt cannot be read here" in capsys.readouterr().out
    assert main(flags(corpus, tmp_path / "run", "--resume", "--max-steps", "4")) == 0
    tuned = tmp_path / "tuned"
    assert main(flags(corpus, tuned, "--init-from", str(tmp_path / "run" / "best.pt"), "--layout", "lines")) == 0
    assert json.loads((tuned / "data.json").read_text())["sources"] == recorded["sources"]  # nothing left out
    assert main(flags(corpus, tmp_path / "new")) == 2  # a new folder is built from the text, which must be there
    assert "notes.txt: file not found" in capsys.readouterr().err
    (tmp_path / "elsewhere.txt").rename(corpus)
    assert main(flags(corpus, tmp_path / "run", "--resume", "--max-steps", "5")) == 0  # and back where it was
