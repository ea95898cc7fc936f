"""The semantic stage in the window: a status-bar indicator and sentence vectors kept up to date.

``ws.semantic`` embeds every sentence of the workspace (paraphrase matching). That is slow
(a few hundred sentences a second), so ``SemanticController`` runs ``ws.semantic.update`` on the
task helper's background lane (``TaskManager.run(background=True)``): after the workspace opens,
after every import batch, and after other changes brought new sentences (a colleague's import, a
re-import). It never runs on a read-only workspace, and it steps aside while an import runs (the
import's end starts it again; vectors computed before a cancel are kept). Progress and Cancel sit
in the status bar next to the indicator, which says "Semantic matching: on", "on — indexing 1,234
of 5,000 sentences" or "off", with the reason as its tooltip. Every query of the stage's state
runs off the GUI thread.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QToolButton, QWidget

from ui.errors import describe
from ui.importer import ImportProgress
from ui.session import WorkspaceSession
from ui.tasks import Task, TaskContext

INDEX_LABEL = "Indexing sentences for semantic matching"
CHECK_LABEL = "Checking semantic matching"
QUIET_LABELS = frozenset({INDEX_LABEL, CHECK_LABEL})  # the indicator says it; the busy label need not
START_DELAY_MS = 1500  # after a workspace opens, before the stage is looked at
CHECK_DELAY_MS = 1500  # changes arriving in a burst (a colleague's import) are looked at once
NO_STAGE = "semantic matching is off: this version of the core has no semantic stage"

STAGE_WORDS = {"lexical": "words", "semantic": "meaning", "both": "both"}


def stage_tag(explanation: dict[str, Any] | None) -> str:
    """"words", "meaning" or "both": which stage of the matcher found a result ("" if unknown)."""
    stage = (explanation or {}).get("stage")
    return STAGE_WORDS.get(str(stage), "") if stage else ""


def stage_tooltip(explanation: dict[str, Any] | None) -> str:
    expl = explanation or {}
    tag = stage_tag(expl)
    if not tag:
        return ""
    cos, lex = expl.get("cosine"), expl.get("lexical_score")
    parts = []
    if cos is not None:
        parts.append(f"similarity of meaning (cosine) {float(cos):.2f}")
    if lex is not None:
        parts.append(f"word-match score {float(lex):.0f}")
    head = {"words": "Found by its words", "meaning": "Found by its meaning (a paraphrase)",
            "both": "Found by its words and by its meaning"}[tag]
    return head + (": " + ", ".join(parts) if parts else "")


def sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


@dataclass(frozen=True)
class SemanticState:
    """What the indicator shows. ``known`` is False until the core answered."""

    known: bool = False
    on: bool = False
    reason: str = ""
    model: str = ""
    embedded: int = 0
    sentences: int = 0
    pending: int = 0
    indexing: tuple[int, int] | None = None  # (done, total) while a run is going
    readonly: bool = False
    waiting_for_import: bool = False
    cancelled: bool = False
    error: str = ""


def describe_state(state: SemanticState) -> tuple[str, str]:
    """The indicator's text and tooltip."""
    if not state.known:
        return "Semantic matching: …", "Checking whether semantic matching (paraphrases) can run here…"
    if not state.on and state.error:
        return "Semantic matching: unknown", f"Could not read the state of semantic matching: {state.error}"
    if not state.on:
        return ("Semantic matching: off",
                f"{sentence_case(state.reason or 'semantic matching is off')}.\n"
                "Searches and candidates use word matching only.")
    about = sentence_case(state.reason or "semantic matching on")
    lag = "Sentences not indexed yet are still found by their words."
    if state.indexing is not None:
        done, total = state.indexing
        return (f"Semantic matching: on — indexing {done:,} of {total:,} sentences",
                f"{about}.\nNew sentences are being indexed in the background (Cancel keeps the work done). "
                + lag)
    if state.pending > 0:
        n = state.pending
        noun = "sentence" if n == 1 else "sentences"
        if state.readonly:
            why = "This workspace is open read-only, so its new sentences are not indexed here."
        elif state.waiting_for_import:
            why = "Indexing resumes when the import has finished."
        elif state.error:
            why = f"Indexing failed: {state.error}\nClick to try again."
        elif state.cancelled:
            why = "Indexing was cancelled. Click to resume it; it also resumes after the next import."
        else:
            why = "Click to index them now."
        return f"Semantic matching: on — {n:,} {noun} not indexed", f"{about}.\n{why}\n{lag}"
    return ("Semantic matching: on",
            f"{about}.\n{state.embedded:,} sentence{'s' if state.embedded != 1 else ''} indexed: "
            "searches find paraphrases as well as shared words.")


class SemanticIndicator(QToolButton):
    """The permanent status-bar indicator; a click indexes what is left (when something is)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("semanticIndicator")
        self.setAutoRaise(True)
        self.state = SemanticState()
        self.show_state(None)

    def show_state(self, state: SemanticState | None) -> None:
        self.setVisible(state is not None)
        self.state = state or SemanticState()
        text, tip = describe_state(self.state)
        self.setText(text)
        self.setToolTip(tip)


class IndexProgress(ImportProgress):
    """Progress bar + Cancel for the sentence indexing (the indicator carries the words)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label.hide()
        self.bar.setObjectName("semanticProgress")
        self.bar.setFixedWidth(120)
        self.bar.setFormat("%p%")
        self.cancel.setObjectName("cancelSemantic")
        self.cancel.setToolTip("Stop indexing sentences for semantic matching; what is done is kept")


def read_state(ws: Any) -> dict[str, Any]:
    """Worker thread: the stage's state (``status()`` reconciles the vectors with the
    database first, so ``pending`` counts exactly the sentences without a vector)."""
    return dict(ws.semantic.status())


class SemanticController(QObject):
    """Keeps one session's sentence vectors up to date in the background; feeds the indicator."""

    # fires whenever what the indicator shows changed; the SemanticState
    stateChanged = Signal(object)
    # fires after an indexing run ended (finished, cancelled or failed); sentences embedded by it
    indexingFinished = Signal(int)
    # a line for the status bar (text, milliseconds)
    message = Signal(str, int)

    def __init__(self, session: WorkspaceSession, indicator: SemanticIndicator, progress: IndexProgress,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.indicator = indicator
        self.progress = progress
        self.task: Task | None = None
        self.state = SemanticState(readonly=session.readonly)
        self._importing = False
        self._again = False  # new sentences arrived while a run was going: look again when it ends
        self._user_cancelled = False
        self._closed = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(CHECK_DELAY_MS)
        self._timer.timeout.connect(lambda: self.check(run=True))
        self.progress.cancel.clicked.connect(self.cancel)
        self.indicator.clicked.connect(self._indicator_clicked)
        session.documentsChanged.connect(self._documents_changed)
        session.documentsRemoved.connect(self._documents_changed)
        session.reloadRequested.connect(self._documents_changed)
        self.stateChanged.connect(self.indicator.show_state)
        self._set(self.state)

    # ------------------------------------------------------------------ state
    @property
    def available(self) -> bool:
        return self.session.has("semantic", "status") and self.session.has("semantic", "update")

    @property
    def running(self) -> bool:
        return self.task is not None

    def _set(self, state: SemanticState) -> None:
        self.state = state
        if not self._closed:
            self.stateChanged.emit(state)

    def check(self, *, run: bool = True) -> None:
        """Ask the core for the stage's state (off the GUI thread); with ``run``, then index
        the sentences that have no vector yet."""
        self._timer.stop()
        if self._closed:
            return
        if not self.available:
            self._set(replace(self.state, known=True, on=False, reason=NO_STAGE))
            return
        if run and self.task is not None:
            self._again = True
            return
        ws = self.session.ws
        self.session.read(lambda: read_state(ws), lambda st: self._got_state(st, run), self._check_failed,
                          label=CHECK_LABEL)

    def _got_state(self, st: dict[str, Any], run: bool) -> None:
        if self._closed:
            return
        self._set(replace(self.state, known=True, on=bool(st.get("on")), reason=str(st.get("reason") or ""),
                          model=str(st.get("model") or ""), embedded=int(st.get("embedded") or 0),
                          sentences=int(st.get("sentences") or 0), pending=int(st.get("pending") or 0)))
        if run and self.state.on and self.state.pending > 0:
            self.index()

    def _check_failed(self, exc: BaseException) -> None:
        text, _details = describe(exc)
        self._set(replace(self.state, known=True, error=text))

    # ------------------------------------------------------------------ indexing
    def index(self) -> bool:
        """Start embedding the sentences without a vector; False when it cannot run now."""
        if self._closed or self.session.readonly or not self.available or not self.state.on:
            return False
        if self._importing or self.task is not None:
            self._again = True
            return False
        ws = self.session.ws

        def work(ctx: TaskContext) -> int:
            return int(ws.semantic.update(progress=ctx.progress, cancel=ctx.cancel) or 0)

        self._again = False
        self._user_cancelled = False
        self.progress.bar.setRange(0, 0)
        self.progress.cancel.setEnabled(True)
        self.progress.show()
        self._set(replace(self.state, indexing=(0, self.state.pending), cancelled=False, error="",
                          waiting_for_import=False))
        self.task = self.session.tasks.run(work, self._done, self._failed, background=True, context=True,
                                           progress=self._on_progress, label=INDEX_LABEL)
        return True

    def cancel(self) -> None:
        """The user's Cancel: stop after the batch being embedded (its vectors are kept)."""
        if self.task is not None:
            self._user_cancelled = True
            self._again = False
            self.task.request_cancel()
            self.progress.cancel.setEnabled(False)

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.bar.setRange(0, max(total, 1))
        self.progress.bar.setValue(done)
        self._set(replace(self.state, indexing=(done, total)))

    def _ended(self) -> None:
        self.task = None
        self.progress.hide()

    def _done(self, embedded: int) -> None:
        self._ended()
        self._set(replace(self.state, indexing=None, cancelled=self._user_cancelled,
                          waiting_for_import=self._importing))
        self.indexingFinished.emit(embedded)
        again, self._again = self._again, False
        self.check(run=again and not self._importing)

    def _failed(self, exc: BaseException) -> None:
        self._ended()
        text, _details = describe(exc)
        self._set(replace(self.state, indexing=None, error=text))
        self.message.emit(f"Indexing sentences for semantic matching failed: {text}", 10000)
        self.indexingFinished.emit(0)
        self._again = False
        self.check(run=False)

    def _indicator_clicked(self) -> None:
        st = self.state
        if st.on and st.pending > 0 and self.task is None and not st.readonly:
            self.check(run=True)

    # ------------------------------------------------------------------ what starts it
    def start(self) -> None:
        """The workspace just opened: show the state, index what has no vector yet. Asked a
        moment later, so that the library and the reader load first (reading the vector cache
        and the model competes with them for the two cores)."""
        QTimer.singleShot(START_DELAY_MS, self._start_now)

    def _start_now(self) -> None:
        if not self._closed:
            self.check(run=True)

    def import_started(self, _count: int = 0) -> None:
        """An import holds the CPU: step aside (vectors done so far are kept); its end resumes."""
        self._importing = True
        self._timer.stop()
        if self.task is not None:
            self._again = True
            self.task.request_cancel()
            self.progress.cancel.setEnabled(False)

    def import_finished(self, _outcomes: list[Any] | None = None) -> None:
        self._importing = False
        self._set(replace(self.state, waiting_for_import=False))
        self.check(run=True)

    def _documents_changed(self, *_args: Any) -> None:
        # imports are handled at their end; anything else (a colleague's import, a re-import, a
        # deletion) is looked at once the burst of changes is over
        if not self._importing and not self._closed:
            self._timer.start()

    def close(self) -> None:
        """The session is closing (its task helper cancels and waits for the run)."""
        self._closed = True
        self._timer.stop()
        self.progress.hide()
        try:
            self.session.documentsChanged.disconnect(self._documents_changed)
            self.session.documentsRemoved.disconnect(self._documents_changed)
            self.session.reloadRequested.disconnect(self._documents_changed)
            self.progress.cancel.clicked.disconnect(self.cancel)
            self.indicator.clicked.disconnect(self._indicator_clicked)
        except (RuntimeError, TypeError):
            pass
        self.indicator.show_state(None)
