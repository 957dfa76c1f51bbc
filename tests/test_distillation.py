import numpy as np
import pytest
import torch
from conftest import tiny_config

from engine.training.batching import IGNORE
from engine.training.checkpoint import load_checkpoint, load_model
from engine.training.distillation import distillation_loss
from engine.training.trainer import train


def quiet(*args):
    pass


def teacher_divergence(teacher_path, student_path, corpus_ids: torch.Tensor) -> float:
    """KL(teacher || student) per token over the ids, each model reading them from its zero state."""
    teacher, _, _ = load_model(teacher_path)
    student, _, _ = load_model(student_path)
    with torch.no_grad():
        inputs = corpus_ids[None, :]  # (1, T)
        teacher_log_probs = torch.log_softmax(teacher(inputs)[0], dim=-1)[0]  # (T, V)
        student_log_probs = torch.log_softmax(student(inputs)[0], dim=-1)[0]  # (T, V)
    return float((teacher_log_probs.exp() * (teacher_log_probs - student_log_probs)).sum(-1).mean())


def test_the_loss_is_cross_entropy_at_weight_0_and_the_divergence_at_weight_1():
    torch.manual_seed(0)
    student, teacher = torch.randn(2, 5, 7), torch.randn(2, 5, 7)  # (B, T, V)
    targets = torch.tensor([[1, 2, 3, IGNORE, IGNORE], [4, 5, 6, 0, 1]])  # (B, T), padding ignored
    cross_entropy = torch.nn.functional.cross_entropy(student.reshape(-1, 7), targets.reshape(-1),
                                                      ignore_index=IGNORE)
    loss, hard = distillation_loss(student, teacher, targets, weight=0.0, temperature=2.0)
    torch.testing.assert_close(loss, cross_entropy)
    torch.testing.assert_close(hard, cross_entropy)
    same, _ = distillation_loss(teacher, teacher, targets, weight=1.0, temperature=2.0)
    assert float(same) == pytest.approx(0.0, abs=1e-6)  # a student that already matches has nothing to learn
    # Padding positions hold no target: the teacher's logits there change nothing.
    changed_padding = teacher.clone()
    changed_padding[0, 3:] += 5.0
    apart, _ = distillation_loss(student, teacher, targets, weight=1.0, temperature=2.0)
    apart_changed, _ = distillation_loss(student, changed_padding, targets, weight=1.0, temperature=2.0)
    torch.testing.assert_close(apart, apart_changed)
    assert float(apart) > 0


@pytest.mark.parametrize("layout", ["stream", "lines"])
def test_a_student_taught_only_by_its_teacher_learns_the_teacher_not_the_words(tiny_corpus, tmp_path, layout):
    # A teacher that has learned nothing (one step from its random start) says something other than the data:
    # at weight 1 the student must copy it, and so stay as unsure as it; a student alone learns the words.
    train(tiny_config(tiny_corpus, tmp_path / "teacher", max_steps=1, seed=11), log=quiet)
    teacher_path = tmp_path / "teacher" / "last.pt"
    settings = dict(layout=layout, max_steps=40, epochs=3, eval_every=40, hidden_size=16, seed=5)
    taught = train(tiny_config(tiny_corpus, tmp_path / "taught", teacher=str(teacher_path), distill_weight=1.0,
                               **settings), log=quiet)
    alone = train(tiny_config(tiny_corpus, tmp_path / "alone", **settings), log=quiet)
    assert taught["config"]["teacher"] == str(teacher_path)
    ids = torch.from_numpy(np.load(tmp_path / "taught" / "train_ids.npy")[:400]).long()
    taught_divergence = teacher_divergence(teacher_path, tmp_path / "taught" / "last.pt", ids)
    assert taught_divergence < teacher_divergence(teacher_path, tmp_path / "alone" / "last.pt", ids) / 10
    vocab_size = taught["model_config"]["vocab_size"]
    assert taught["best_valid_perplexity"] > max(0.8 * vocab_size, 1.2 * alone["best_valid_perplexity"])
    # The record shows the cross-entropy (here the student's own, poor one), comparable with a run alone.
    assert taught["history"][-1][1] > alone["history"][-1][1]


def test_a_run_with_a_teacher_resumes_where_it_stopped(tiny_run, tiny_corpus, tmp_path):
    settings = dict(teacher=str(tiny_run[0] / "best.pt"), distill_weight=0.5, epochs=3, dropout=0.2)
    train(tiny_config(tiny_corpus, tmp_path / "straight", max_steps=30, **settings), log=quiet)
    train(tiny_config(tiny_corpus, tmp_path / "split", max_steps=12, **settings), log=quiet)
    assert load_checkpoint(tmp_path / "split" / "last.pt")["teacher_state"]  # the teacher's place in the stream
    train(tiny_config(tiny_corpus, tmp_path / "split", max_steps=30, epochs=3), resume=True, log=quiet)
    a = load_checkpoint(tmp_path / "straight" / "last.pt")["model"]
    b = load_checkpoint(tmp_path / "split" / "last.pt")["model"]
    for name in a:
        torch.testing.assert_close(a[name], b[name], msg=f"{name} differs after resuming")


def test_a_teacher_of_another_vocabulary_is_refused_with_what_to_do(tiny_run, tiny_corpus, tmp_path, capsys):
    from engine.training.train import main

    other = tmp_path / "other.txt"
    other.write_text("entirely different words here\n" * 400, encoding="utf-8")
    teacher = tiny_run[0] / "best.pt"
    assert main(["--data", str(other), "--out-dir", str(tmp_path / "student"), "--teacher", str(teacher),
                 "--min-count", "1", "--batch-size", "4", "--seq-len", "16", "--epochs", "1"]) == 2
    message = capsys.readouterr().err
    assert f"{teacher}: the teacher has another vocabulary" in message and "--init-from" in message
    assert main(["--data", str(tiny_corpus), "--out-dir", str(tmp_path / "x"), "--teacher", str(teacher),
                 "--distill-weight", "1.5"]) == 2
    assert "distill_weight: 1.5 is not between 0 and 1" in capsys.readouterr().err
