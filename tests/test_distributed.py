import json
import subprocess
import sys

from conftest import tiny_config


def test_two_cpu_processes_train_together_under_torchrun(tiny_corpus, tmp_path):
    config = tiny_config(tiny_corpus, tmp_path / "ddp")
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
               "-m", "engine.training.train", "--data", str(tiny_corpus), "--valid", "--out-dir", config.out_dir,
               "--embed-dim", "16", "--hidden-size", "32", "--num-layers", "1", "--min-count", "1",
               "--batch-size", "2", "--seq-len", "8", "--max-steps", "6", "--eval-every", "3", "--threads", "1"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    record = json.loads((tmp_path / "ddp" / "run.json").read_text())
    assert record["world_size"] == 2 and record["steps"] == 6
    # Both workers' tokens are counted: 2 workers x 2 streams x 8 tokens x 6 steps.
    assert record["tokens_seen"] == 2 * 2 * 8 * 6
