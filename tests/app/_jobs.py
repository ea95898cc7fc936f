"""Extraction jobs that misbehave, for the worker-pool tests (importable by spawned workers)."""

from __future__ import annotations

import os
import time

from importers import extract
from importers.base import Extracted, ImportFailure


def sleepy_or_fine(data: bytes, name: str, password: str | None) -> Extracted | ImportFailure:
    if name.startswith("hang"):
        time.sleep(60)
    return extract(data, name)


def crash_or_fine(data: bytes, name: str, password: str | None) -> Extracted | ImportFailure:
    if name.startswith("crash"):
        os._exit(3)
    return extract(data, name)
