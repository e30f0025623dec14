"""A `Progress` backed by Rich progress bars, shown on stderr."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class RichProgress:
    def __init__(self, console: Console) -> None:
        self._bars = Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self._tasks: dict[str, int] = {}

    def __enter__(self) -> RichProgress:
        self._bars.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bars.stop()

    def step(self, description: str, advance: float = 1, total: float | None = None) -> None:
        task = self._tasks.get(description)
        if task is None:
            task = self._bars.add_task(description, total=total)
            self._tasks[description] = task
        elif total is not None:
            self._bars.update(task, total=total)
        self._bars.advance(task, advance)
