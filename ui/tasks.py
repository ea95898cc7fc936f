"""The one background-task helper: every database and matching call goes through here.

Three lanes:

* ``read``: a small thread pool for queries (listing, searching, candidates, lineage).
* ``write``: one worker thread, so writes run one at a time and in the order they were asked for
  (an undo queued after an accept runs after it).
* ``background``: one worker thread for long, cancellable upkeep that writes nothing to the
  database (computing sentence vectors): queued one after another, it neither holds up writes
  for minutes nor takes a reader away from searches.

``fn`` runs on a worker thread and must only touch the ``Workspace`` (its services open their
own short sessions), never widgets. Its return value (or exception) is delivered on the GUI
thread, to ``on_success`` (or ``on_failure``), through a queued signal. Progress reported with
``ctx.progress(...)`` arrives on the GUI thread too, coalesced to at most one call per
``PROGRESS_INTERVAL_MS`` plus the last one, so a thousand-file import cannot flood the event loop.
"""

from __future__ import annotations

import itertools
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal, Slot

PROGRESS_INTERVAL_MS = 50

SuccessFn = Callable[[Any], None]
FailureFn = Callable[[BaseException], None]
ProgressFn = Callable[..., None]


class CancelToken:
    """What ``import_paths(cancel=...)`` and other long operations poll."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()


class TaskContext:
    """Handed to a task function started with ``context=True``: progress and cancellation."""

    def __init__(self, task: Task, relay: _Relay) -> None:
        self._task = task
        self._relay = relay
        self._last = 0.0
        self.cancel = task.cancel

    @property
    def cancelled(self) -> bool:
        return self.cancel.is_set()

    def progress(self, *args: Any) -> None:
        """Report progress; safe to call from the worker thread as often as you like."""
        with self._task._lock:
            first = self._task._pending_progress is None
            self._task._pending_progress = args
        now = time.monotonic()
        if first and now - self._last >= PROGRESS_INTERVAL_MS / 1000:
            self._last = now
            self._relay.progress.emit(self._task.id)


@dataclass(eq=False)
class Task:
    id: int
    label: str
    lane: str
    on_success: SuccessFn | None
    on_failure: FailureFn | None
    on_progress: ProgressFn | None
    cancel: CancelToken = field(default_factory=CancelToken)
    started_at: float = field(default_factory=time.monotonic)
    done: bool = False
    _pending_progress: tuple[Any, ...] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def request_cancel(self) -> None:
        self.cancel.set()


class _Relay(QObject):
    """Lives on the GUI thread; worker threads emit its signals (delivered queued)."""

    finished = Signal(int, bool, object)  # task id, ok, result or (exception, formatted traceback)
    progress = Signal(int)  # task id: a progress report is waiting in the task


class _Runnable(QRunnable):
    def __init__(self, task: Task, fn: Callable[..., Any], relay: _Relay, context: bool) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._task, self._fn, self._relay, self._context = task, fn, relay, context

    def run(self) -> None:  # worker thread
        try:
            result = self._fn(TaskContext(self._task, self._relay)) if self._context else self._fn()
        except BaseException as exc:
            exc.__dict__.setdefault("ui_traceback", traceback.format_exc())
            self._relay.finished.emit(self._task.id, False, exc)
        else:
            self._relay.finished.emit(self._task.id, True, result)


class TaskManager(QObject):
    """Runs functions off the GUI thread and hands their results back on it."""

    # fires on the GUI thread whenever a task starts or ends; the count of unfinished tasks
    activeChanged = Signal(int)
    # fires on the GUI thread when the last unfinished task has delivered its result
    idle = Signal()
    # fires for a failure nobody handled (no on_failure); the session turns it into a dialog
    unhandledError = Signal(object, str)  # exception, task label

    def __init__(self, parent: QObject | None = None, *, readers: int = 2) -> None:
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._tasks: dict[int, Task] = {}
        self._relay = _Relay()
        self._relay.finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)
        self._relay.progress.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        self._read_pool = QThreadPool(self)
        self._read_pool.setMaxThreadCount(readers)
        self._read_pool.setExpiryTimeout(-1)
        self._write_pool = QThreadPool(self)
        self._write_pool.setMaxThreadCount(1)
        self._write_pool.setExpiryTimeout(-1)
        self._background_pool = QThreadPool(self)
        self._background_pool.setMaxThreadCount(1)
        self._background_pool.setExpiryTimeout(-1)
        self._pools = {"read": self._read_pool, "write": self._write_pool, "background": self._background_pool}
        # pending progress reports not yet delivered by the throttled signal are flushed here
        self._flush = QTimer(self)
        self._flush.setInterval(PROGRESS_INTERVAL_MS)
        self._flush.timeout.connect(self._flush_progress)
        self._closed = False

    # ------------------------------------------------------------------ starting
    def run(
        self,
        fn: Callable[..., Any],
        on_success: SuccessFn | None = None,
        on_failure: FailureFn | None = None,
        *,
        write: bool = False,
        background: bool = False,
        label: str = "",
        progress: ProgressFn | None = None,
        context: bool = False,
    ) -> Task:
        """Run ``fn()`` (or ``fn(ctx)`` with ``context=True``) on a worker thread.

        ``write=True`` puts it on the single writer thread, ``background=True`` on the single
        upkeep thread. Returns the ``Task`` (``request_cancel()``).
        """
        if write and background:
            raise ValueError("a task runs on the write lane or the background lane, not both")
        lane = "write" if write else "background" if background else "read"
        task = Task(next(self._ids), label, lane, on_success, on_failure, progress)
        if self._closed:
            return task
        self._tasks[task.id] = task
        runnable = _Runnable(task, fn, self._relay, context or progress is not None)
        self._pools[lane].start(runnable)
        if progress is not None and not self._flush.isActive():
            self._flush.start()
        self.activeChanged.emit(len(self._tasks))
        return task

    def read(self, fn: Callable[[], Any], on_success: SuccessFn | None = None,
             on_failure: FailureFn | None = None, *, label: str = "") -> Task:
        return self.run(fn, on_success, on_failure, label=label)

    def write(self, fn: Callable[[], Any], on_success: SuccessFn | None = None,
              on_failure: FailureFn | None = None, *, label: str = "") -> Task:
        return self.run(fn, on_success, on_failure, write=True, label=label)

    # ------------------------------------------------------------------ state
    @property
    def active(self) -> int:
        return len(self._tasks)

    def tasks(self) -> list[Task]:
        return list(self._tasks.values())

    def busy_writing(self) -> bool:
        return any(t.lane == "write" for t in self._tasks.values())

    def cancel_all(self) -> None:
        for t in self._tasks.values():
            t.request_cancel()

    def shutdown(self, timeout_ms: int = 30000) -> bool:
        """Cancel what can be cancelled and wait for the workers; no callbacks run afterwards."""
        self._closed = True
        self.cancel_all()
        self._flush.stop()
        ok = self._write_pool.waitForDone(timeout_ms)
        ok = self._background_pool.waitForDone(timeout_ms) and ok
        ok = self._read_pool.waitForDone(timeout_ms) and ok
        self._tasks.clear()
        return ok

    # ------------------------------------------------------------------ delivery (GUI thread)
    @Slot(int)
    def _on_progress(self, task_id: int) -> None:
        task = self._tasks.get(task_id)
        if task is not None:
            self._deliver_progress(task)

    def _deliver_progress(self, task: Task) -> None:
        with task._lock:
            args, task._pending_progress = task._pending_progress, None
        if args is not None and task.on_progress is not None and not task.done:
            self._call(task, task.on_progress, *args)

    @Slot()
    def _flush_progress(self) -> None:
        waiting = False
        for task in list(self._tasks.values()):
            if task.on_progress is not None:
                waiting = True
                self._deliver_progress(task)
        if not waiting:
            self._flush.stop()

    @Slot(int, bool, object)
    def _on_finished(self, task_id: int, ok: bool, payload: object) -> None:
        task = self._tasks.get(task_id)
        if task is None:  # shut down meanwhile
            return
        self._deliver_progress(task)
        task.done = True
        try:
            if ok:
                if task.on_success is not None:
                    self._call(task, task.on_success, payload)
            else:
                assert isinstance(payload, BaseException)
                if task.on_failure is not None:
                    self._call(task, task.on_failure, payload)
                else:
                    self.unhandledError.emit(payload, task.label)
        finally:
            self._tasks.pop(task_id, None)
            self.activeChanged.emit(len(self._tasks))
            if not self._tasks:
                self.idle.emit()

    def _call(self, task: Task, fn: Callable[..., None], *args: Any) -> None:
        """Run a callback; an exception in it is reported, never lost or fatal."""
        try:
            fn(*args)
        except Exception as exc:
            exc.__dict__.setdefault("ui_traceback", traceback.format_exc())
            self.unhandledError.emit(exc, task.label)
