"""Short versions of the long reliability runs in bench/: the same scripts, a few kills and keys instead of
a hundred kills and 100,000 keys (bench/kill_finetune.py, bench/soak.py, bench/kill_editor.py), and small
hostile files (bench/hostile_bundle.py)."""

import json
import random

from bench import hostile_bundle, kill_editor, kill_finetune, soak

STORY = ["The wizard casts a spell on the dragon.", "Merlin the wizard reads his spellbook by candlelight.",
         "The dragon guards the golden treasure in the cave.", "A young apprentice studies the ancient spellbook."]


def test_finetunes_killed_at_random_moments_leave_a_model_that_loads_and_the_next_one_runs(tiny_bundle, tiny_corpus,
                                                                                         tmp_path, capsys):
    rng = random.Random(3)
    text = tmp_path / "stories.txt"
    text.write_text("".join(rng.choice(STORY) + "\n" for _ in range(260)), encoding="utf-8")
    code = kill_finetune.main([str(text), "--model", str(tiny_bundle), "--general", str(tiny_corpus), "--kills", "3",
                               "--minutes", "0.05", "--general-lines", "50", "--json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0, result
    assert result["summary"]["failures"] == 0 and result["final"]["exit"] == 0
    assert all(row["suggests"] for row in result["rows"])
    assert result["final"]["scratch_left"] == 0


def test_a_soak_types_through_the_window_with_the_log_and_cache_on_and_reports_every_stretch(tiny_corpus, capsys):
    code = soak.main(["--keys", "600", "--every", "200", "--text", str(tiny_corpus), "--json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0
    reports = result["reports"]
    assert [item["keys"] for item in reports] == [0, 200, 400, 600]
    assert result["summary"]["missed"] == 0
    logged = [item["log_mb"] + item["log_wal_mb"] for item in reports]  # the rows are in the journal at first
    assert logged[-1] > logged[0] and reports[-1]["learned_words"] > 0
    assert all(item["p95_ms"] > 0 for item in reports[1:])


def test_the_editor_killed_while_it_types_and_logs_leaves_a_sound_log_and_an_autosave_of_the_text(capsys):
    # Killed after 6.5-8 s of typing: the autosave must hold what was typed up to 6 s before the kill.
    code = kill_editor.main(["--kills", "2", "--least", "6.5", "--most", "8", "--json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0, result
    for row in result["rows"]:
        assert row["integrity"] == "ok" and row["committed_rows_there"] and row["stats_exit"] == 0
        assert 0 < row["autosaved"] <= row["typed"] and row["autosave_is_what_was_typed"]


def test_hostile_files_are_each_refused_within_a_second_and_300_mb_naming_the_file(capsys):
    code = hostile_bundle.main(["--bomb-gb", "0.1", "--rare-words", "600000", "--depth", "5000", "--json"])
    results = json.loads(capsys.readouterr().out)
    assert code == 0, results
    assert len(results) == 10 and all(hostile_bundle.fits(result) for result in results)
    autosave = next(result["message"] for result in results if "autosave" in result["case"])
    assert autosave.startswith("offered ['my unsaved draft\\nsecond line']; ") and "kept aside" in autosave
