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
            "from engine.runtime.model_opening import open_bundle\n"
            "predictor, calls, started = open_bundle(), 0, time.monotonic()\n"
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
    from desktop.core.settings import Preferences, open_settings

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
    from desktop.log.events import LOG_FILE, EventLog

    log = EventLog(tmp_path / "data" / LOG_FILE)
    log.start_session("bundled model", "CPUExecutionProvider")
    assert log.close()
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
    assert {stat.S_IMODE(path.stat().st_mode) for path in (tmp_path / "data").iterdir()} == {0o600}


SESSION_SENTENCES = [
    "The quokka juggled seven turquoise marmalade jars at breakfast.",
    "My cousin Thaddeus paints lighthouses with a borrowed toothbrush.",
    "Please remind Ottoline that the zeppelin tickets arrive on Thursday.",
]


def private_files(root: Path) -> list[str]:
    """Everything under root that someone other than its owner could read or enter."""
    loose = []
    for path in [root, *root.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        if path.is_symlink():
            continue
        if mode & 0o077 or (path.is_dir() and mode != 0o700) or (path.is_file() and mode != 0o600):
            loose.append(f"{path.relative_to(root)} {oct(mode)}")
    return loose


def files_holding(root: Path, needles: list[bytes]) -> dict[str, list[bytes]]:
    found = {}
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            hits = [needle for needle in needles if needle in data or needle.lower() in data.lower()]
            if hits:
                found[str(path.relative_to(root))] = hits
    return found


def four_word_runs(sentence: str) -> list[bytes]:
    words = sentence.rstrip(".").split()
    return [" ".join(words[start:start + 4]).encode() for start in range(len(words) - 3)]


@pytest.mark.skipif(not no_network.supported(), reason="the socket filter needs Linux on x86_64 or aarch64")
def test_a_whole_session_needs_no_network_keeps_no_typed_sentence_but_the_autosave_and_is_private(
        tmp_path, tiny_bundle, tiny_corpus):
    home, settings = tmp_path / "home", tmp_path / "config" / "settings.ini"
    sentences, writing = tmp_path / "typed.txt", tmp_path / "writing.txt"
    sentences.write_text("\n".join(SESSION_SENTENCES), encoding="utf-8")
    writing.write_text(tiny_corpus.read_text(encoding="utf-8") * 2, encoding="utf-8")  # the person's own file
    environment = {name: value for name, value in os.environ.items() if name != "ORT_DISABLE_TELEMETRY"}
    environment.update(NEXTWORD_HOME=str(home), HOME=str(tmp_path / "user"), XDG_CACHE_HOME=str(tmp_path / "cache"),
                       XDG_CONFIG_HOME=str(tmp_path / "config"), QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, str(TESTS / "whole_session.py"), str(settings), str(sentences),
                             str(writing), str(tiny_bundle), str(tiny_corpus)], capture_output=True, text=True,
                            timeout=300, env=environment)
    assert result.returncode == 0 and "session done" in result.stdout, result.stdout + result.stderr[-3000:]
    runs = [run for sentence in SESSION_SENTENCES for run in four_word_runs(sentence)]
    kept = files_holding(tmp_path, runs)
    autosaves = {name for name in kept if name.startswith("home/autosave/")}
    assert autosaves and set(kept[next(iter(autosaves))]) == set(runs)  # the grep finds what is there
    assert set(kept) - autosaves <= {"typed.txt"}, kept  # and nowhere else but the test's own input file
    unusual = [word.encode() for word in ("quokka", "turquoise", "Thaddeus", "toothbrush", "Ottoline", "zeppelin")]
    in_log = {name: hits for name, hits in files_holding(home, unusual).items() if name.startswith("nextword.db")}
    assert in_log == {}  # no typed word in the acceptance log
    assert (home / "personal_cache.json").is_file() and (home / "models").is_dir()
    assert private_files(home) + private_files(settings.parent) == []  # 0600 files, 0700 folders
