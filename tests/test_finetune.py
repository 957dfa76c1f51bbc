"""Fine-tuning on the person's own text: weights read back from a bundle, a grown vocabulary, the proof,
the gate, installing, and a fine-tune that is killed or cancelled."""

import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.core.bundle import read_manifest
from engine.core.model_store import BUNDLED, ModelStore
from engine.core.vocab import UNK
from engine.evaluation.evaluate import main as evaluate_main
from engine.runtime.model_opening import open_bundle
from engine.training.checkpoint import load_model
from engine.training.finetune import extend_model, extend_vocab
from export.from_onnx import model_from_bundle
from export.personalize import gate
from export.personalize import main as finetune_main

ROOT = Path(__file__).resolve().parents[1]
WIZARD_LINES = [
    "The wizard casts a spell on the dragon.",
    "Merlin the wizard reads his spellbook by candlelight.",
    "The dragon guards the golden treasure in the cave.",
    "A young apprentice studies the ancient spellbook.",
    "The wizard and the apprentice travel to the castle.",
    "Merlin casts a spell of protection on the castle.",
]


@pytest.fixture(scope="module")
def wizard_text(tmp_path_factory):
    """About 2,000 words of one person's writing, in a style and with words the tiny model never saw."""
    rng = random.Random(11)
    path = tmp_path_factory.mktemp("writing") / "stories.txt"
    path.write_text("".join(rng.choice(WIZARD_LINES) + "\n" for _ in range(260)), encoding="utf-8")
    return path


def finetune_args(wizard_text, tiny_bundle, tiny_corpus, *extra):
    return [str(wizard_text), "--model", str(tiny_bundle), "--general", str(tiny_corpus), "--minutes", "0.15",
            "--threads", "1", *extra]


def test_a_float_bundle_reads_back_into_the_weights_it_was_exported_from(tiny_bundle, tiny_run):
    model, vocab, _ = model_from_bundle(tiny_bundle)
    original, original_vocab, _ = load_model(tiny_run[0] / "best.pt")
    assert vocab.tokens == original_vocab.tokens
    for name, tensor in original.state_dict().items():
        torch.testing.assert_close(model.state_dict()[name], tensor, atol=1e-6, rtol=0)


def test_an_int8_bundle_reads_back_into_a_model_that_agrees_with_it(tiny_bundle, tiny_run):
    model, vocab, manifest = model_from_bundle(tiny_bundle, "model.int8.onnx")
    predictor = open_bundle(tiny_bundle, model="int8")
    ids = np.random.default_rng(0).integers(8, len(vocab), size=(1, 64))
    zeros = np.zeros(manifest.state_shape, np.float32)
    graph = predictor.backend.session.run(None, {"input_ids": ids, "h0": zeros, "c0": zeros})[0][0]  # (T, V)
    with torch.no_grad():
        rebuilt = model(torch.as_tensor(ids))[0][0].numpy()
    tops = [np.argsort(-logits, axis=-1)[:, :3] for logits in (graph, rebuilt)]
    agreement = np.mean([len(set(a) & set(b)) / 3 for a, b in zip(*tops, strict=True)])
    assert agreement >= 0.9  # int8 activations in the graph, float in torch: near-ties may swap


def test_a_grown_vocabulary_keeps_every_old_id_and_row(tiny_bundle, wizard_text):
    model, vocab, _ = model_from_bundle(tiny_bundle)
    documents = [[("<s1>", line) for line in wizard_text.read_text().splitlines()]]
    grown, new_words = extend_vocab(vocab, documents, min_count=3, max_new=100)
    assert grown.tokens[:len(vocab)] == vocab.tokens and {"wizard", "spell", "merlin"} <= set(new_words)
    bigger = extend_model(model, vocab, grown)
    old_rows, new_rows = bigger.embed.weight[:len(vocab)], bigger.embed.weight[len(vocab):]
    torch.testing.assert_close(old_rows, model.embed.weight)
    torch.testing.assert_close(bigger.head.bias[:len(vocab)], model.head.bias)
    assert bigger.head.weight is bigger.embed.weight  # still tied: one matrix
    unk = model.embed.weight[vocab.index[UNK]]
    # "spellbook" shares its first letters with no known word: it starts as <unk>; every row is finite.
    torch.testing.assert_close(new_rows[grown.index["spellbook"] - len(vocab)], unk)
    assert torch.isfinite(new_rows).all()


def test_a_tiny_finetune_learns_the_persons_text_proves_it_and_installs_it(wizard_text, tiny_bundle, tiny_corpus,
                                                                         tmp_path, capsys):
    out = tmp_path / "candidate"
    assert finetune_main(finetune_args(wizard_text, tiny_bundle, tiny_corpus, "--json", "--out", str(out))) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["after"]["user"]["ksr"] > result["before"]["user"]["ksr"] + 0.05
    assert result["installed"] and result["model_id"] == "v1", result["reason"]
    assert set(result) >= {"before", "after", "installed", "reason", "minutes", "bundle"}
    store = ModelStore()
    assert store.active().id == "v1" and store.active().record["after"] == result["after"]
    installed = open_bundle()  # the active model: vocabulary, trigram and rare words agree or it would refuse
    old_vocab = open_bundle(tiny_bundle).vocab
    assert installed.vocab.tokens[:len(old_vocab)] == old_vocab.tokens and "wizard" in installed.vocab.index
    assert "wizard" in [s.word.lower() for s in installed.suggest("The wiz", 3)]
    assert read_manifest(out).vocab_hash == installed.vocab.content_hash  # --out: the same candidate
    capsys.readouterr()
    assert evaluate_main([str(wizard_text), "--model", str(out), "--n-topk", "30", "--n-ksr", "10", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["model"]["ksr"] > result["before"]["user"]["ksr"]


def test_the_gate_installs_only_a_model_that_is_better_for_the_person_and_keeps_ordinary_text():
    before = {"user": {"ksr": 0.30}, "general": {"ksr": 0.38}}
    assert gate(before, {"user": {"ksr": 0.33}, "general": {"ksr": 0.375}})[0]
    worse, reason = gate(before, {"user": {"ksr": 0.29}, "general": {"ksr": 0.38}})
    assert not worse and "not better" in reason
    forgetful, reason = gate(before, {"user": {"ksr": 0.40}, "general": {"ksr": 0.365}})
    assert not forgetful and "forgot" in reason


def test_no_install_measures_but_keeps_the_model_in_use(wizard_text, tiny_bundle, tiny_corpus, capsys):
    assert finetune_main(finetune_args(wizard_text, tiny_bundle, tiny_corpus, "--json", "--no-install")) == 0
    result = json.loads(capsys.readouterr().out)
    assert not result["installed"] and "--no-install" in result["reason"]
    assert [m.id for m in ModelStore().models()] == [BUNDLED] and ModelStore().active().id == BUNDLED


def test_finetune_skips_binary_and_non_utf8_files_naming_each_once(wizard_text, tiny_bundle, tiny_corpus, tmp_path,
                                                                  capsys):
    folder = tmp_path / "writing"
    folder.mkdir()
    (folder / "stories.txt").write_text(wizard_text.read_text())
    (folder / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (folder / "letter.txt").write_bytes("Caf\xe9 au lait, d\xe9j\xe0 vu.\n".encode("latin-1"))
    (folder / "chat.csv").write_text("speaker,text\nme,The wizard waves.\nyou,Merlin laughs.\n")
    (folder / "broken.md").write_bytes(b"# notes\x00\x01\x02 binary")
    assert finetune_main(finetune_args(folder, tiny_bundle, tiny_corpus, "--no-install")) == 0
    err = capsys.readouterr().err
    for name in ("picture.png", "letter.txt", "broken.md"):
        assert err.count(name) == 1, err
    assert "not UTF-8" in err and "binary" in err and "Traceback" not in err


def test_too_little_text_is_refused_with_what_to_do(tiny_bundle, tiny_corpus, tmp_path, capsys):
    short = tmp_path / "short.txt"
    short.write_text("Just a few words here.\n")
    assert finetune_main([str(short), "--model", str(tiny_bundle), "--general", str(tiny_corpus)]) == 2
    assert "at least" in capsys.readouterr().err


def start_finetune(wizard_text, tiny_bundle, tiny_corpus, home: Path) -> subprocess.Popen:
    env = {**os.environ, "NEXTWORD_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    args = finetune_args(wizard_text, tiny_bundle, tiny_corpus)
    args[args.index("--minutes") + 1] = "0.5"
    return subprocess.Popen([sys.executable, "-m", "engine.cli", "finetune", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_training(process: subprocess.Popen) -> None:
    for line in process.stderr:
        if line.startswith("progress") and "step" in line:
            return
    raise AssertionError("the fine-tune ended before training")


def test_a_finetune_killed_midway_leaves_the_model_in_use_and_the_next_one_runs(wizard_text, tiny_bundle,
                                                                              tiny_corpus, capsys):
    home = Path(os.environ["NEXTWORD_HOME"])
    store = ModelStore()
    process = start_finetune(wizard_text, tiny_bundle, tiny_corpus, home)
    wait_for_training(process)
    process.kill()
    process.wait()
    assert store.active().id == BUNDLED and [m.id for m in store.models()] == [BUNDLED]
    assert any(path.name.startswith(".scratch-") for path in store.root.iterdir())  # left behind, never listed
    assert finetune_main(finetune_args(wizard_text, tiny_bundle, tiny_corpus)) == 0  # the next one runs
    assert store.active().id == "v1"
    assert not any(path.name.startswith(".scratch-") for path in store.root.iterdir())  # and cleaned up


def test_cancel_ends_the_finetune_cleanly_and_installs_nothing(wizard_text, tiny_bundle, tiny_corpus):
    home = Path(os.environ["NEXTWORD_HOME"])
    process = start_finetune(wizard_text, tiny_bundle, tiny_corpus, home)
    wait_for_training(process)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130 and "cancelled" in err
    store = ModelStore()
    assert [m.id for m in store.models()] == [BUNDLED] and list(store.root.iterdir()) == []
