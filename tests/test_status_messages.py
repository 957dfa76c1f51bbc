"""Messages said at once are shown one after another, each long enough to read."""

from PySide6.QtWidgets import QStatusBar

from desktop.gui import status_messages
from desktop.gui.status_messages import StatusMessages


def test_a_burst_of_messages_is_shown_in_turn_and_the_last_stays(qtbot, monkeypatch):
    monkeypatch.setattr(status_messages, "READ_MS", 200)
    monkeypatch.setattr(status_messages, "SHOW_MS", 600)
    bar = QStatusBar()
    qtbot.addWidget(bar)
    shown = []
    bar.messageChanged.connect(lambda text: shown.append(text))
    messages = StatusMessages(bar)
    for text in ("settings read-only", "log kept aside", "cache kept aside"):
        messages.say(text)
    assert bar.currentMessage() == "settings read-only"
    qtbot.waitUntil(lambda: bar.currentMessage() == "cache kept aside", timeout=2000)
    assert [text for text in shown if text] == ["settings read-only", "log kept aside", "cache kept aside"]
    assert messages.said == ["settings read-only", "log kept aside", "cache kept aside"]
    qtbot.waitUntil(lambda: bar.currentMessage() == "", timeout=2000)  # the last one stays SHOW_MS, then goes


def test_a_message_after_a_quiet_while_is_shown_at_once_and_another_ones_message_is_not_cleared(qtbot, monkeypatch):
    monkeypatch.setattr(status_messages, "READ_MS", 100)
    monkeypatch.setattr(status_messages, "SHOW_MS", 300)
    bar = QStatusBar()
    qtbot.addWidget(bar)
    messages = StatusMessages(bar)
    messages.say("first")
    qtbot.wait(150)
    messages.say("second")
    assert bar.currentMessage() == "second"
    bar.showMessage('"word" not found')  # the find bar's own message
    qtbot.wait(450)
    assert bar.currentMessage() == '"word" not found'
