import json
import subprocess
import sys
from pathlib import Path

import pytest
from no_torch import BLOCK_TORCH

from engine.cli import COMMANDS, main
from engine.core.paths import TRAIN_EXTRA


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_answers_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert f"nextword {command}" in capsys.readouterr().out


def test_top_level_help_lists_the_commands(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in COMMANDS)


def test_unknown_command_is_a_clear_error(capsys):
    assert main(["trian"]) == 2
    assert "unknown command 'trian'" in capsys.readouterr().err


def test_suggest_prints_words_with_probabilities(tiny_run, capsys):
    assert main(["suggest", "--model", str(tiny_run[0] / "best.pt"), "How are "]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].split("\t")[0] == "you" and len(lines) == 3


def test_suggest_with_a_missing_model_says_so(tmp_path, capsys):
    assert main(["suggest", "--model", str(tmp_path / "none.pt"), "hi"]) == 2
    assert "none.pt: checkpoint not found" in capsys.readouterr().err


def test_train_on_a_missing_file_gives_one_line_and_no_traceback(tmp_path):
    result = subprocess.run([sys.executable, "-m", "engine.cli", "train", "--data", str(tmp_path / "gone.txt"),
                             "--out-dir", str(tmp_path / "run")], capture_output=True, text=True)
    assert result.returncode == 2
    assert "gone.txt: file not found" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [["train", "--data", "corpus.txt", "--out-dir", "run"],
                                     ["export", "run/best.pt", "--out", "bundle"],
                                     ["unbundle", "bundle", "--out", "net.pt"],
                                     ["finetune", "mine.txt"]])
def test_a_torch_command_on_a_desktop_install_says_how_to_get_torch(command, tmp_path):
    # As on an install without the train extra: torch cannot be imported.
    code = BLOCK_TORCH + f"from engine.cli import main\nsys.exit(main({command!r}))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                            env={"PYTHONPATH": str(Path(__file__).resolve().parents[1]), "PATH": ""})
    assert result.returncode == 2, result.stderr
    assert f"nextword {command[0]}: this command needs PyTorch" in result.stderr
    assert TRAIN_EXTRA in result.stderr and "Traceback" not in result.stderr


def test_resume_without_a_run_says_what_to_do(tmp_path, capsys):
    assert main(["train", "--resume", "--out-dir", str(tmp_path / "empty")]) == 2
    assert "nothing to resume" in capsys.readouterr().err


def test_eval_reports_model_and_baseline_as_json(tiny_run, tiny_corpus, capsys):
    model = str(tiny_run[0] / "best.pt")
    assert main(["eval", str(tiny_corpus), "--model", model, "--n-topk", "40", "--n-ksr", "20", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    for side in ("model", "baseline"):
        assert set(report[side]) >= {"perplexity", "top1", "top3", "ksr", "p50_ms", "p95_ms"}
        assert 0 <= report[side]["top1"] <= report[side]["top3"] <= 1
    assert report["lines"]["topk"]["lines"] == 40 and report["lines"]["ksr"]["lines"] == 20
    # The tiny corpus is eight sentences repeated: the trained LSTM must predict most words.
    assert report["model"]["top3"] > 0.6 and report["model"]["ksr"] > 0.4


def test_eval_table_names_both_columns(tiny_run, tiny_corpus, capsys):
    assert main(["eval", str(tiny_corpus), "--model", str(tiny_run[0] / "best.pt"), "--n-topk", "10",
                 "--n-ksr", "5"]) == 0
    out = capsys.readouterr().out
    assert "KN trigram" in out and "perplexity" in out and "10 lines" in out


def test_eval_on_a_non_utf8_file_is_a_clear_error(tiny_run, tmp_path, capsys):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"\xff\xfe oops\n")
    assert main(["eval", str(path), "--model", str(tiny_run[0] / "best.pt")]) == 2
    assert "bad.txt: not UTF-8" in capsys.readouterr().err


def test_train_on_too_little_text_says_how_much_is_needed(tmp_path, capsys):
    path = tmp_path / "short.txt"
    path.write_text("just a few words\n")
    assert main(["train", "--data", str(path), "--valid", "--out-dir", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert "short.txt: only" in err and "tokens of training text" in err
