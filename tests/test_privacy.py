"""Nothing leaves the machine, and what Nextword keeps is readable by the user alone."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import no_network
import pytest

TESTS = Path(__file__).resolve().parent


@pytest.mark.skipif(not no_network.supported(), reason="the socket filter needs Linux on x86_64 or aarch64")
def test_twenty_seconds_of_suggestions_need_no_network_and_leave_no_telemetry(tmp_path):
    # onnxruntime's telemetry, when on, writes a device id under ~/.cache/Microsoft about 10 s after
    # start and tries to reach Microsoft's servers; here any internet socket fails at the system call.
    code = ("import socket, sys, time\n"
            f"sys.path.insert(0, {str(TESTS)!r})\n"
            "import no_network\n"
            "no_network.forbid_internet_sockets()\n"
            "try:\n"
            "    socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            "    sys.exit('the socket filter is not working')\n"
            "except PermissionError:\n"
            "    pass\n"
            "from engine.runtime.predictor import Predictor\n"
            "predictor, calls, started = Predictor.load(), 0, time.monotonic()\n"
            "while time.monotonic() - started < 20:\n"
            "    assert predictor.suggest('how are yo'[: calls % 11], 3) is not None\n"
            "    calls += 1\n"
            "    time.sleep(0.005)\n"
            "print(calls)")
    environment = {name: value for name, value in os.environ.items() if name != "ORT_DISABLE_TELEMETRY"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            env={**environment, "HOME": str(tmp_path)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert int(result.stdout.split()[-1]) > 1000
    assert not (tmp_path / ".cache" / "Microsoft").exists(), sorted(tmp_path.rglob("*"))


def test_the_settings_file_is_created_readable_by_the_user_alone(tmp_path):
    from desktop.settings import Preferences, open_settings

    path = tmp_path / "settings" / "nextword.ini"
    settings = open_settings(str(path))
    preferences = Preferences.load(settings)
    preferences.blocked_words = ["secret"]
    preferences.save(settings)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and "secret" in path.read_text()
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    path.chmod(0o644)  # left readable by an older version
    open_settings(str(path))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_acceptance_log_and_its_folder_are_created_for_the_user_alone(tmp_path):
    from desktop.events import LOG_FILE, EventLog

    log = EventLog(tmp_path / "data" / LOG_FILE)
    log.start_session("bundled model", "CPUExecutionProvider")
    assert log.close()
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
    assert {stat.S_IMODE(path.stat().st_mode) for path in (tmp_path / "data").iterdir()} == {0o600}
