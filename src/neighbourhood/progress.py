"""Progress reporting that long-running work accepts without knowing who shows it.

Library code takes a `Progress` and calls `step(description, advance, total)`; the command line
passes one backed by Rich progress bars, tests and library callers get `SILENT`.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def step(self, description: str, advance: float = 1, total: float | None = None) -> None:
        """Record `advance` units of work done on the task `description` (out of `total`)."""


class _Silent:
    def step(self, description: str, advance: float = 1, total: float | None = None) -> None:
        return None


SILENT: Progress = _Silent()
