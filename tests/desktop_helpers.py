"""Helpers for the editor's tests: type as a person does and wait for the suggestions that follow."""


def type_and_wait(qtbot, window, text):
    qtbot.keyClicks(window.editor, text)
    expected_left = window.editor.left_text()
    qtbot.waitUntil(lambda: window.last_result is not None and window.last_result.left_text == expected_left
                    and window._request_id == window.last_result.request_id, timeout=5000)


def chips(window):
    return [word for word in window.suggestion_bar.words_by_position() if word]


def capitalising(window):
    """Capitals where a sentence starts and for "i" (the default; the `window` fixture turns it off)."""
    window.preferences.auto_capitalize = True
    window._apply_preferences()
    return window
