"""The main window: wires the editor, the suggestion bar, the prediction worker, menus and status bar."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QMainWindow, QMessageBox, QVBoxLayout, QWidget

from desktop.core.settings import OFF_THE_RECORD_KEY, Preferences, writable
from desktop.core.worker import Request, Result, WorkerThread
from desktop.document import long_lines
from desktop.document.autosave import Autosaver
from desktop.document.document import Document
from desktop.gui.chips import SuggestionBar
from desktop.gui.editor import SuggestingEditor
from desktop.gui.spellcheck import SpellChecker
from desktop.gui.status_messages import StatusMessages
from engine.core.bundle import ARCHITECTURE_NAMES

DELETE_MY_DATA_QUESTION = "Delete everything Nextword keeps about you?"
DELETE_MY_DATA_LIST = ("• the acceptance log: which suggestions you took and which you passed over\n"
                       "• the words and phrases learned from your writing, and your spellings\n"
                       "• the text kept from your typing for learning\n"
                       "• the models learned from your writing: Nextword goes back to the model it came with\n\n"
                       "Your documents and your preferences stay. This cannot be undone.")
LATENCY = "suggested in {:.1f} ms"  # the status bar's figure, said with what it measures
DEBOUNCE_MS = 4  # coalesces keys queued together (a burst, a slow frame); far below one frame (16 ms)


def forget_what_is_kept() -> None:
    """Delete My Data's part on the disk (run on a pool thread): the models learned from the person's writing,
    the kept text, the personal cache's file (`nextword models forget` does the same), and the copies of the
    acceptance log kept aside as damaged, which hold its rows too."""
    from desktop.log.events import LOG_FILE
    from engine.core.damaged import remove_kept_aside
    from engine.core.model_store import ModelStore
    from engine.core.paths import user_data_dir
    from engine.models_cli import forget_everything

    forget_everything(ModelStore())
    remove_kept_aside(user_data_dir() / LOG_FILE)


class MainWindow(QMainWindow):
    prediction_requested = Signal(object)  # Request, to the worker thread
    model_requested = Signal(str, str)  # bundle path (empty: the store's active model), provider
    blocked_words_changed = Signal(object)
    suggestions_shown = Signal(object)  # Result, once the chips and ghost text show it
    # Learning, to the worker thread (desktop/core/worker.py owns the personal cache)
    sentence_to_learn = Signal(str, bool)  # a finished sentence; whether to keep it for the next fine-tune
    learning_paused_changed = Signal(bool)
    learned_words_requested = Signal()  # answered by worker.learned_words_ready
    learned_words_removed = Signal(object)  # words: forgotten and never learned again
    learned_forget_requested = Signal()  # everything the personal cache learned
    files_to_learn = Signal(object)  # paths: their lines taught to the personal cache (worker.files_learned)
    # Typos, to the worker thread
    correction_mode_changed = Signal(str)  # Preferences.corrections
    spelling_taught = Signal(str)  # never corrected or underlined again (an autocorrection undone, Add to Dictionary)
    spellings_removed = Signal(object)  # words: corrected and underlined again

    def __init__(self, settings, preferences: Preferences):
        super().__init__()
        self.settings, self.preferences = settings, preferences
        self.editor = SuggestingEditor()
        self.document = Document(self.editor.document(), self)  # its file: desktop/document/document.py
        self.suggestion_bar = SuggestionBar(preferences.chip_count)
        self.spellcheck = SpellChecker(self.editor)  # desktop/gui/spellcheck.py
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.editor)
        layout.addWidget(self.suggestion_bar)
        self.setCentralWidget(central)
        self.model_label, self.provider_label, self.latency_label = QLabel("loading model…"), QLabel(""), QLabel("")
        # Shown while off the record (Tools > Off the Record, Ctrl+Shift+P): the person sees it without looking for it
        self.off_record_label = QLabel("Off the record: nothing is learned, kept or logged")
        for label in (self.off_record_label, self.model_label, self.provider_label, self.latency_label):
            self.statusBar().addPermanentWidget(label)
        # As wide as a slow keystroke's figure from the start (and a little more: digits are not all equally
        # wide in every font), so that the labels beside it stay put while the figure changes with every key.
        self.latency_label.setMinimumWidth(self.latency_label.fontMetrics().horizontalAdvance(LATENCY.format(9999.9)))
        self.latency_label.setToolTip("How long the suggestions took to come after your last key")
        self.latency_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.messages = StatusMessages(self.statusBar())  # what goes wrong, said one message after another
        self.model_error = ""
        self._model_before_preferences: tuple[str, str] | None = None  # (folder, provider) while one is tried
        # Tools > Learned Words…, Learn from My Writing… (while open) and Models…: desktop/gui/learned_words.py,
        # learn_dialog.py, models_dialog.py
        self.learned_words_dialog = self.learn_dialog = self.models_dialog = None
        self.shortcuts_dialog = None  # Help > Keyboard Shortcuts
        self.recorder = None  # the acceptance log's recorder, attached by build_window
        self.tuned_confidence: float | None = None  # from the log; shown in preferences
        self.last_result: Result | None = None
        self.recovered_windows: list[MainWindow] = []  # restored documents (desktop/document/recovery.py)
        self._request_id = 0
        self._request_position = -1  # the cursor position the latest request was made at
        self.find_dialog = None  # Edit > Find and Replace (desktop/gui/find_replace.py), made when first asked for
        self._debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MS, timeout=self._request_suggestions)
        self._start_worker()
        self._build_menus()
        self._return_focus_after_menus()
        self._apply_preferences()
        self.editor.textChanged.connect(self._debounce.start)
        self.editor.cursorPositionChanged.connect(self._debounce.start)
        self.document.title_changed.connect(self._update_title)
        self.editor.sentence_finished.connect(self._on_sentence_finished)
        self.editor.shown_in_pieces.connect(self._say_long_lines_in_pieces)
        self.suggestion_bar.chip_clicked.connect(self.editor.insert_word)
        self.suggestion_bar.block_requested.connect(self.block_word)
        self.editor.hint.connect(lambda text: self.statusBar().showMessage(text, 4000))
        for key in range(1, 6):  # Alt+1: the best guess, whatever the number of chips (each chip shows its key)
            shortcut = QShortcut(QKeySequence(f"Alt+{key}"), self)
            shortcut.activated.connect(lambda key=key: self.suggestion_bar.accept_key(key))
        self.autosaver = Autosaver(self)  # desktop/document/autosave.py: a crash costs a few seconds of typing at most
        self._update_title()

    # The worker
    def _start_worker(self) -> None:
        self.worker_thread = WorkerThread()
        worker = self.worker_thread.worker
        self.prediction_requested.connect(worker.predict)
        self.model_requested.connect(worker.load)
        self.blocked_words_changed.connect(worker.set_blocked_words)
        worker.suggestions_ready.connect(self._on_suggestions_ready)
        worker.model_loaded.connect(self._on_model_loaded)
        worker.model_failed.connect(self._on_model_failed)
        self.sentence_to_learn.connect(worker.learn_sentence)
        self.learning_paused_changed.connect(worker.set_learning_paused)
        self.learned_words_requested.connect(worker.send_learned_words)
        self.learned_words_removed.connect(worker.remove_learned_words)
        self.learned_forget_requested.connect(worker.forget_learned)
        self.files_to_learn.connect(worker.learn_files)
        self._connect_typos(worker)
        worker.learning_problem.connect(self.messages.say)  # queued: the worker emits on its own thread
        self.blocked_words_changed.emit(list(self.preferences.blocked_words))
        self.learning_paused_changed.emit(self.preferences.learning_paused)
        self.load_model()  # the worker opens the personal cache first

    def _connect_typos(self, worker) -> None:
        """Autocorrect and spell-check ask the worker and show its answers (autocorrect.py, spellcheck.py)."""
        autocorrector, spellcheck = self.editor.autocorrector, self.spellcheck
        autocorrector.asked.connect(worker.autocorrect)
        worker.autocorrection_ready.connect(autocorrector.apply)
        autocorrector.settled.connect(self._on_autocorrection_settled)
        spellcheck.check_wanted.connect(lambda ask: setattr(worker, "latest_spelling", ask.serial))  # first: direct
        spellcheck.check_wanted.connect(worker.check_spelling)
        worker.spelling_checked.connect(spellcheck.show)
        spellcheck.corrections_wanted.connect(worker.find_corrections)
        worker.corrections_found.connect(spellcheck.show_corrections)
        spellcheck.spelling_added.connect(self.spelling_taught)
        self.spelling_taught.connect(worker.add_spelling)
        self.spellings_removed.connect(worker.remove_spellings)
        self.correction_mode_changed.connect(worker.set_correction_mode)
        worker.spellings_ready.connect(spellcheck.schedule)  # a spelling taught or removed: checked again

    def _on_autocorrection_settled(self, made, undone: bool) -> None:
        if undone:  # the person meant what they typed: never corrected again
            self.spelling_taught.emit(made.ask.word)

    def load_model(self) -> None:
        """The model in preferences, or the store's active one: loaded on the worker thread (the editor goes on)."""
        self.model_requested.emit(self.preferences.model_path, self.preferences.provider)

    def _on_model_loaded(self, loaded) -> None:
        """loaded: the worker's LoadedModel (engine/runtime/model_opening.py), a plain description of its model."""
        self.model_error = ""
        self._model_before_preferences = None  # the model chosen in Preferences loaded: nothing to put back
        self.model_label.setText(f"Model: {loaded.name}")
        runs_on = "CUDA" if loaded.provider.startswith("CUDA") else "CPU"
        self.provider_label.setText(f"{ARCHITECTURE_NAMES[loaded.architecture]} on {runs_on}")
        self._debounce.start()
        self.spellcheck.schedule()

    def _on_model_failed(self, reason: str) -> None:
        if self._model_before_preferences is not None:
            self._put_back_model(reason)
            return
        self.model_error = reason
        self.model_label.setText("No suggestions: model not loaded")
        self.messages.say(f"Suggestions are off: {reason}")  # said once; the editor works as usual
        self.last_result = None  # the old model's chips and grey text are gone with it
        self.suggestion_bar.show_words([])
        self.editor.clear_ghost()
        self.editor.set_best_guess("", -1)

    def _put_back_model(self, reason: str) -> None:
        """The model chosen in Preferences could not be loaded: the one before it is chosen and loaded again."""
        self.preferences.model_path, self.preferences.provider = self._model_before_preferences
        self._model_before_preferences = None
        self.preferences.save(self.settings)
        self.load_model()
        self.show_message("Model not changed", f"The model chosen in Preferences could not be loaded: {reason}\n\n"
                                               "The model used before is in use again.")

    def _request_suggestions(self) -> None:
        self._request_id += 1
        self.worker_thread.worker.latest_request = self._request_id
        self.editor.clear_ghost()
        self.editor.set_best_guess("", -1)
        preferences = self.preferences
        self.prediction_requested.emit(Request(self._request_id, self.editor.left_text(), preferences.chip_count,
                                               preferences.inline_enabled, preferences.inline_min_confidence,
                                               preferences.corrections != "off"))
        self._request_position = self.editor.textCursor().position()

    def _on_suggestions_ready(self, result: Result) -> None:
        if result.request_id != self._request_id or result.left_text != self.editor.left_text():
            return  # stale: the text changed since (a change may not have reached the debounce yet)
        self.last_result = result
        self.suggestion_bar.show_words(result.words, result.corrections, result.partial)
        self.editor.set_best_guess(self.suggestion_bar.best_word(), self._request_position)
        if result.inline_text and not self.editor.textCursor().hasSelection():
            self.editor.set_ghost(result.inline_text, self._request_position)
        self.latency_label.setText(LATENCY.format(result.latency_ms))
        self.suggestions_shown.emit(result)

    def _say_long_lines_in_pieces(self) -> None:
        """Once per window: with word wrap off, the pieces of a long line show as lines of their own."""
        if long_lines.NOTE not in self.messages.said:
            self.messages.say(long_lines.NOTE)

    def _on_sentence_finished(self, text: str) -> None:
        if not self.preferences.learning_paused:  # paused: nothing learned, nothing kept
            self.sentence_to_learn.emit(text, self.preferences.keep_typed_text)

    def block_word(self, word: str) -> None:
        if word.lower() not in self.preferences.blocked_words:
            self.preferences.blocked_words.append(word.lower())
            self.preferences.save(self.settings)
        self.blocked_words_changed.emit(list(self.preferences.blocked_words))
        self._debounce.start()

    # Menus
    def _build_menus(self) -> None:
        from desktop.document import files

        file_menu = self.menuBar().addMenu("&File")
        self._add(file_menu, "&New", QKeySequence.StandardKey.New, lambda: files.new(self))
        self._add(file_menu, "&Open…", QKeySequence.StandardKey.Open, lambda: files.open_dialog(self))
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self._add(file_menu, "&Save", QKeySequence.StandardKey.Save, lambda: files.save(self))
        self._add(file_menu, "Save &As…", QKeySequence.StandardKey.SaveAs, lambda: files.save_as(self))
        file_menu.addSeparator()
        self._add(file_menu, "&Quit", QKeySequence.StandardKey.Quit, self.close)
        edit_menu = self.menuBar().addMenu("&Edit")
        self._add(edit_menu, "&Undo", QKeySequence.StandardKey.Undo, self.editor.undo)
        self._add(edit_menu, "&Redo", QKeySequence.StandardKey.Redo, self.editor.redo)
        edit_menu.addSeparator()
        # The editor's own: copying joins the pieces of a long line, pasting makes them (desktop/gui/editor.py)
        self._add(edit_menu, "Cu&t", QKeySequence.StandardKey.Cut, self.editor.cut)
        self._add(edit_menu, "&Copy", QKeySequence.StandardKey.Copy, self.editor.copy)
        self._add(edit_menu, "&Paste", QKeySequence.StandardKey.Paste, self.editor.paste)
        self._add(edit_menu, "Select &All", QKeySequence.StandardKey.SelectAll, self.editor.selectAll)
        edit_menu.addSeparator()
        # Ctrl+H too, as most editors have it: Linux desktops name no key for Replace
        self._add(edit_menu, "&Find and Replace…",
                  [QKeySequence.StandardKey.Find, QKeySequence.StandardKey.Replace, "Ctrl+H"], self.find)
        self._add(edit_menu, "Find &Next", QKeySequence.StandardKey.FindNext, self.find_next)
        self._add(edit_menu, "Find Pre&vious", QKeySequence.StandardKey.FindPrevious, self.find_previous)
        edit_menu.addSeparator()
        # Ctrl+, as most desktop programs have it where the platform names no key for preferences (Linux)
        self._add(edit_menu, "Pr&eferences…", [QKeySequence.StandardKey.Preferences, "Ctrl+,"], self.show_preferences)
        self._add(edit_menu, "&Delete My Data…", None, self.delete_my_data)
        view_menu = self.menuBar().addMenu("&View")
        self.wrap_action = self._add(view_menu, "&Word Wrap", None, self._toggle_wrap)
        self.wrap_action.setCheckable(True)
        # Ctrl+= too: Ctrl++ needs Shift on most keyboards
        self._add(view_menu, "&Bigger Text", [QKeySequence.StandardKey.ZoomIn, "Ctrl+="],
                  lambda: self.change_font_size(1))
        self._add(view_menu, "&Smaller Text", QKeySequence.StandardKey.ZoomOut, lambda: self.change_font_size(-1))
        self._add(view_menu, "&Normal Text Size", "Ctrl+0", self.reset_font_size)
        tools_menu = self.menuBar().addMenu("&Tools")
        self._add(tools_menu, "&Analytics…", None, self.show_analytics)
        self._add(tools_menu, "&Learned Words…", None, self.show_learned_words)
        self._add(tools_menu, "Learn from My &Writing…", None, self.learn_from_writing)
        self._add(tools_menu, "&Models…", None, self.show_models)
        tools_menu.addSeparator()
        self.off_record_action = self._add(tools_menu, "Off the &Record", OFF_THE_RECORD_KEY,
                                           self._toggle_off_the_record)
        self.off_record_action.setCheckable(True)
        self.recent_menu.aboutToShow.connect(lambda: files.fill_recent_menu(self))
        help_menu = self.menuBar().addMenu("&Help")
        self._add(help_menu, "&Keyboard Shortcuts", QKeySequence.StandardKey.HelpContents, self.show_shortcuts)

    def show_shortcuts(self):
        """Help > Keyboard Shortcuts (F1): every key of the editor, in a window Esc closes."""
        from desktop.gui.shortcuts import ShortcutsDialog

        if self.shortcuts_dialog is None:
            self.shortcuts_dialog = ShortcutsDialog(self)
        return self._present(self.shortcuts_dialog)

    def _add(self, menu, text: str, shortcut, slot) -> QAction:
        """A menu item; `shortcut` is a key, a standard key, or a list of them (the first is the one shown)."""
        action = menu.addAction(text)
        keys = []
        for key in shortcut if isinstance(shortcut, list) else [shortcut]:
            if isinstance(key, QKeySequence.StandardKey):
                keys += QKeySequence.keyBindings(key)  # all the platform's keys for it (Copy: Ctrl+C and Ctrl+Ins)
            elif key is not None:
                keys.append(QKeySequence(key))
        action.setShortcuts(list(dict.fromkeys(keys)))  # a key the platform has already is not added twice
        action.triggered.connect(slot)
        return action

    def _return_focus_after_menus(self) -> None:
        """A menu closed with Esc leaves the menu bar with the keyboard: the next letters typed would open menus.
        Once no menu is open any more, the keyboard goes back to the text."""
        for action in self.menuBar().actions():
            if action.menu() is not None:
                action.menu().aboutToHide.connect(lambda: QTimer.singleShot(0, self._focus_text_after_menu))

    def _focus_text_after_menu(self) -> None:
        if QApplication.activePopupWidget() is None and QApplication.focusWidget() is self.menuBar():
            self.editor.setFocus(Qt.FocusReason.PopupFocusReason)

    def _apply_preferences(self) -> None:
        wrap = SuggestingEditor.LineWrapMode.WidgetWidth if self.preferences.word_wrap else \
            SuggestingEditor.LineWrapMode.NoWrap
        self.editor.setLineWrapMode(wrap)
        self.wrap_action.setChecked(self.preferences.word_wrap)
        font = QFont(self.editor.font())
        font.setPointSize(self.preferences.font_size)
        self.editor.setFont(font)
        self.suggestion_bar.set_count(self.preferences.chip_count)
        if not self.preferences.inline_enabled:
            self.editor.clear_ghost()
        self.editor.autocorrector.enabled = self.preferences.corrections == "autocorrect"
        self.correction_mode_changed.emit(self.preferences.corrections)
        self.spellcheck.set_enabled(self.preferences.spell_check)
        self.editor.auto_capitalize = self.preferences.auto_capitalize
        self.off_record_action.setChecked(self.preferences.learning_paused)
        self.off_record_label.setVisible(self.preferences.learning_paused)

    def _toggle_off_the_record(self) -> None:
        """Nothing learned, kept or logged while on (the preference "learning paused"), until switched off again."""
        self.preferences.learning_paused = self.off_record_action.isChecked()
        self.editor.pass_over_typing_so_far()  # a sentence typed partly off the record is never learned
        self.preferences.save(self.settings)
        self._apply_preferences()
        if self.recorder is not None:
            self.recorder.apply_preferences(self.preferences)
        self.learning_paused_changed.emit(self.preferences.learning_paused)

    def _toggle_wrap(self) -> None:
        self.preferences.word_wrap = self.wrap_action.isChecked()
        self._apply_preferences()
        self.preferences.save(self.settings)

    def change_font_size(self, step: int) -> None:
        self.preferences.font_size = max(6, min(48, self.preferences.font_size + step))
        self._apply_preferences()
        self.preferences.save(self.settings)

    def reset_font_size(self) -> None:
        self.preferences.font_size = Preferences().font_size
        self._apply_preferences()
        self.preferences.save(self.settings)

    # Edit > Find and Replace (desktop/gui/find_replace.py): one dialog per window, beside the text
    def find(self):
        from desktop.gui.find_replace import FindReplaceDialog

        if self.find_dialog is None:
            self.find_dialog = FindReplaceDialog(self)
        self.find_dialog.present()
        return self.find_dialog

    def find_next(self) -> None:
        self._find_again(backwards=False)

    def find_previous(self) -> None:
        self._find_again(backwards=True)

    def _find_again(self, backwards: bool) -> None:
        """What the dialog last looked for, again, from the cursor; the dialog opens if nothing was looked for."""
        dialog = self.find_dialog
        if dialog is None or not dialog.needle():
            self.find()
            return
        dialog.find_previous() if backwards else dialog.find_next()
        if dialog.result.text() and not dialog.isVisible():  # not found, or went round the end: said here
            self.statusBar().showMessage(dialog.result.text(), 3000)

    def show_preferences(self) -> None:
        from desktop.gui.preferences import PreferencesDialog

        dialog = PreferencesDialog(self.preferences, self, tuned_confidence=self.tuned_confidence)
        if dialog.exec():
            old_model = (self.preferences.model_path, self.preferences.provider)
            was_off_the_record = self.preferences.learning_paused
            self.preferences = dialog.result_preferences()
            if self.preferences.learning_paused != was_off_the_record:
                self.editor.pass_over_typing_so_far()  # as Tools > Off the Record does
            self.preferences.save(self.settings)
            self._apply_preferences()
            if self.recorder is not None:
                self.recorder.apply_preferences(self.preferences)
            self.blocked_words_changed.emit(list(self.preferences.blocked_words))
            self.learning_paused_changed.emit(self.preferences.learning_paused)
            if (self.preferences.model_path, self.preferences.provider) != old_model:
                self._model_before_preferences = old_model  # put back if the new one cannot be loaded
                self.load_model()
            self._debounce.start()

    def show_analytics(self):
        from desktop.gui.analytics import AnalyticsWindow
        from desktop.log.events import LOG_FILE
        from engine.core.paths import user_data_dir

        flush = self.recorder.log.flush if self.recorder is not None else None  # run on the pool thread
        window = AnalyticsWindow(user_data_dir() / LOG_FILE, self, before_read=flush)
        window.show()
        return window

    # Learning (desktop/gui/learned_words.py, learn_dialog.py, models_dialog.py): one dialog of each kind per
    # window, shown again when asked for again
    def show_learned_words(self):
        from desktop.gui.learned_words import LearnedWordsDialog

        return self._show_refreshed("learned_words_dialog", LearnedWordsDialog)

    def learn_from_writing(self):
        from desktop.gui.learn_dialog import LearnDialog

        if self.learn_dialog is None:
            self.learn_dialog = LearnDialog(self)
            self.learn_dialog.finished.connect(self._on_learn_dialog_closed)
        return self._present(self.learn_dialog)

    def _on_learn_dialog_closed(self, _result=None) -> None:
        """A closed dialog that is not running goes: the next one starts afresh."""
        dialog = self.learn_dialog
        if dialog is not None and not dialog.running:
            self.worker_thread.worker.files_learned.disconnect(dialog._on_files_learned)
            dialog.deleteLater()
            self.learn_dialog = None

    def show_models(self):
        from desktop.gui.models_dialog import ModelsDialog

        return self._show_refreshed("models_dialog", ModelsDialog)

    def _show_refreshed(self, attribute: str, dialog_class):
        """The window's dialog of that kind, made the first time and refreshed after."""
        dialog = getattr(self, attribute)
        if dialog is None:
            dialog = dialog_class(self)
            setattr(self, attribute, dialog)
        else:
            dialog.refresh()
        return self._present(dialog)

    @staticmethod
    def _present(dialog):
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def attach_recorder(self, recorder) -> None:
        self.recorder = recorder
        if recorder is not None:
            recorder.tuned.connect(self._on_confidence_tuned)
            recorder.tune_inline_confidence()

    def _on_confidence_tuned(self, threshold) -> None:
        self.tuned_confidence = threshold
        if threshold is not None and self.preferences.inline_confidence_auto:
            self.preferences.inline_min_confidence = threshold

    def delete_my_data(self, confirmed: bool = False) -> None:
        """Everything Nextword keeps about the person, after asking: the acceptance log (emptied on its writer
        thread; the recorder says how it went), the words learned (the worker's cache, saved empty), the kept
        text and the models learned from their writing (on a pool thread); then the bundled model is loaded
        again unless Preferences name a folder. Their documents and preferences stay."""
        from desktop.gui.dialog_parts import ask, in_background

        if not confirmed and not ask(self, "Delete my data", DELETE_MY_DATA_QUESTION, "Delete My Data",
                                     DELETE_MY_DATA_LIST):
            return
        if self.learn_dialog is not None and self.learn_dialog.running:
            self.learn_dialog.cancel()  # a fine-tune on the person's writing would install a model after
        if self.recorder is not None:
            self.statusBar().showMessage("Deleting your data…")
            self.recorder.delete_all()
        self.learned_forget_requested.emit()  # the cache in the worker's memory, which it saves empty
        in_background(self, forget_what_is_kept, self._on_my_data_deleted)

    def _on_my_data_deleted(self, _result, problem: str) -> None:
        if problem:
            self.messages.say(f"Not all of your data could be deleted ({problem}); try Edit > Delete My Data again")
        else:
            self.messages.say("Deleted what Nextword learned from you, the kept text and your models")
        self.load_model()  # the store's active model is the bundled one now (or the folder Preferences name)
        for dialog in (self.models_dialog, self.learned_words_dialog):
            if dialog is not None:
                dialog.refresh()

    # Title, closing
    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.document.title} — Nextword")

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        from desktop.document import files

        if not files.may_discard(self):
            event.ignore()
            return
        self.autosaver.close()  # closed on purpose, saved or discarded: nothing to offer back
        if writable(self.settings):  # a read-only file stays as it is (as root, Qt would write it all the same)
            self.settings.setValue("window/geometry", self.saveGeometry())
        self.preferences.save(self.settings)
        if self.learn_dialog is not None:
            self.learn_dialog.stop_for_exit()  # a fine-tune under way is cancelled: the model in use stays
        self.editor.autocorrector.settle()  # the last autocorrection is kept (and logged so)
        self.worker_thread.stop()  # the worker saves the personal cache on its thread first
        if self.recorder is not None:
            self.recorder.close()
            self.recorder = None
        event.accept()

    def show_message(self, title: str, text: str) -> None:
        QMessageBox.warning(self, title, text)

    def ask_path(self, save: bool) -> str:
        from desktop.document import files

        dialog = QFileDialog.getSaveFileName if save else QFileDialog.getOpenFileName
        path, chosen_filter = dialog(self, "Save As" if save else "Open", str(self.document.path or Path.home()),
                                     files.SAVE_FILTERS)
        return files.with_default_suffix(self, path, chosen_filter) if save else path
