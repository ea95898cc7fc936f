"""Reading files for import: which files a folder holds, their names as text, and extraction in
worker processes (one file's hang or crash fails that file alone). No database access."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from importers import extract
from importers.base import Extracted, ImportFailure


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def iter_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    """Files named directly, and every non-hidden file under named folders, in stable order."""
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith("."):
                        yield Path(root) / name
        else:
            yield p


def no_text_reason(ex: Extracted) -> str:
    """Why an extraction gave no text: the importer's own explanation (e.g. a scanned PDF
    without a text layer) when it gave one."""
    return ex.warnings[-1] if ex.warnings else "no text could be extracted from the file"


def is_workspace_file(path: Path, workspace: Path) -> bool:
    """The workspace's own file, its journal and backups are never imported into it."""
    try:
        resolved = path.resolve()
    except OSError:
        return False
    if resolved.parent == workspace.parent and resolved.name.startswith(workspace.name):
        return True
    return workspace.name + ".backups" in resolved.parts


def extract_job(data: bytes, filename: str, password: str | None) -> Extracted | ImportFailure:
    """Runs in a worker process. Failures come back as values so the pool never breaks."""
    try:
        ex = extract(data, filename, password=password)
        if "\x00" in ex.text:  # PostgreSQL text cannot hold NUL; U+FFFD keeps every offset
            ex.text = ex.text.replace("\x00", "\ufffd")
        return ex
    except ImportFailure as exc:
        return exc
    except MemoryError:
        return ImportFailure("the file is too large to extract in memory")
    except RecursionError:
        return ImportFailure("the file's structure is too deeply nested to read (damaged or malicious?)")
    except Exception as exc:  # an importer bug must fail this file only
        return ImportFailure(f"unexpected error while reading the file: {type(exc).__name__}: {exc}")


EXTRACT_TIMEOUT_S = 120.0  # one file's extraction in a worker; a pathological file fails alone


def readable_name(name: str) -> str:
    """A file name as text that can be stored and printed. Names that are not valid UTF-8 (old
    zips, Windows shares) reach Python with lone surrogates; their bytes are read as UTF-8 when
    they are, else as Windows-1252 (the usual origin), unknown bytes as U+FFFD."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        raw = name.encode("utf-8", "surrogateescape")
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode("cp1252", "replace")


@dataclass
class Pending:
    path: Path
    data: bytes
    sha: str
    seq: int = 0
    future: Future[Extracted | ImportFailure] | None = None
    result: Extracted | ImportFailure | None = None

    @property
    def name(self) -> str:
        """The file's name as stored and shown (``readable_name``)."""
        return readable_name(self.path.name)

    @property
    def shown(self) -> str:
        """The file's path as shown in outcomes."""
        return readable_name(str(self.path))


def is_heavy(path: Path) -> bool:
    """Files whose extraction takes long enough to be worth a worker process."""
    if path.suffix.lower() in (".pdf", ".docx", ".doc", ".odt"):
        return True
    try:
        return path.stat().st_size > 2_000_000
    except OSError:
        return False


class ExtractorPool:
    """Extraction worker processes with a per-file time limit. A file that hangs or crashes
    its worker fails alone: the workers are replaced and the other files are resubmitted."""

    def __init__(self, workers: int, password: str | None, timeout: float = EXTRACT_TIMEOUT_S,
                 job: Callable[[bytes, str, str | None], Extracted | ImportFailure] = extract_job) -> None:
        self.workers, self.password, self.timeout, self.job = workers, password, timeout, job
        self.pool = self._new()

    def _new(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=get_context("spawn"))

    def submit(self, item: Pending) -> None:
        try:
            item.future = self.pool.submit(self.job, item.data, item.name, self.password)
        except BrokenProcessPool as exc:
            # a file submitted just before broke the workers: this one's result() sees the
            # broken pool and reruns it alone, like any file in flight when a worker died
            failed: Future[Extracted | ImportFailure] = Future()
            failed.set_exception(exc)
            item.future = failed

    def _restart(self, others: list[Pending]) -> None:
        self._dispose()
        self.pool = self._new()
        self._resubmit(others)

    def _resubmit(self, others: list[Pending]) -> None:
        for other in others:
            if other.result is None:  # extracted here already: nothing to redo
                self.submit(other)

    def _dispose(self) -> None:
        """Stop the current workers for good. The processes are killed before the executor is
        shut down: a pool broken by a crash can otherwise wait forever on an idle worker."""
        procs = list(getattr(self.pool, "_processes", {}).values())
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.join(5)
            if proc.is_alive():
                proc.kill()
                proc.join(5)
        self.pool.shutdown(wait=True, cancel_futures=True)

    def result(self, item: Pending, others: list[Pending]) -> Extracted | ImportFailure:
        assert item.future is not None
        try:
            return item.future.result(timeout=self.timeout)
        except FutureTimeout:
            self._restart(others)
            return ImportFailure(f"reading the file took longer than {self.timeout:.0f} s and was stopped "
                                 "(a damaged or pathological file?)")
        except BrokenProcessPool:
            # Any file in flight may have killed the worker. Run this one alone on fresh
            # workers, so that its verdict is its own; the others are resubmitted afterwards.
            self._restart([])
            self.submit(item)
            alone = item.future
            assert alone is not None
            try:
                return alone.result(timeout=self.timeout)
            except FutureTimeout:
                return ImportFailure(f"reading the file took longer than {self.timeout:.0f} s and was stopped "
                                     "(a damaged or pathological file?)")
            except BrokenProcessPool:
                return ImportFailure("the reader crashed on this file (a damaged or malicious file?)")
            finally:
                if not alone.done() or self._broken():
                    self._restart(others)
                else:
                    self._resubmit(others)

    def _broken(self) -> bool:
        return bool(getattr(self.pool, "_broken", False))

    def close(self) -> None:
        # Also the way out of a cancelled batch: a worker busy on a slow file is not waited for.
        self._dispose()
