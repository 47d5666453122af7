"""Errors with a place: file, line (where known) and key path. The CLI exits 2 on them."""

from __future__ import annotations

from pathlib import Path


class GoliveError(Exception):
    """A user-facing error: the CLI prints it in one line (no traceback) and exits 2."""

    exit_code = 2


class LoadError(GoliveError):
    """A checklist, profile or state file that cannot be used as it is."""

    def __init__(
        self, path: Path | str, message: str, *, line: int | None = None, key: str = ""
    ) -> None:
        self.path = str(path)
        self.line = line
        self.key = key
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path + (f":{self.line}" if self.line else "")
        key = f" [{self.key}]" if self.key else ""
        return f"{where}:{key} {self.message}"


class UnknownItem(GoliveError):
    def __init__(self, key: str, suggestions: list[str]) -> None:
        hint = f" — did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown item {key!r}{hint}")
        self.key = key
        self.suggestions = suggestions
