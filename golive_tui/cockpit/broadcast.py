"""How the cockpit tells what changed: its subscribers (one per app) are called on every change,
and each page asks `changes_since` its last drawing which rows to redraw; notices are toasts.

The log of changes is short (LOG_LENGTH): a page further behind than that redraws everything,
which is always right, only slower.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

Keys = frozenset[str] | None
"""What changed: these items' rows (empty: only the header and the sweep line), None: everything."""
LOG_LENGTH = 64
"""Changes remembered for `changes_since`; a page further behind redraws everything."""


@dataclass(frozen=True, kw_only=True)
class Notice:
    """Something to tell the captain once (a toast): a regression, a save that failed."""

    text: str
    severity: Literal["information", "warning", "error"] = "information"
    timeout: float = 3.0


class Broadcaster:
    """The telling half of `Cockpit`: versions, the log of what changed, the subscribers."""

    def __init__(self) -> None:
        self.version = 0
        self._log: list[tuple[int, Keys]] = []
        self._on_change: list[Callable[[], None]] = []
        self._on_notice: list[Callable[[Notice], None]] = []

    def subscribe(self, on_change: Callable[[], None], on_notice: Callable[[Notice], None]) -> None:
        self._on_change.append(on_change)
        self._on_notice.append(on_notice)

    def changed(self, keys: Iterable[str] | None = None) -> None:
        """Something shown changed: these items (None: anything; empty: the header and sweep line
        only)."""
        self.version += 1
        self._log = [
            *self._log[-(LOG_LENGTH - 1) :],
            (self.version, None if keys is None else frozenset(keys)),
        ]
        for listener in self._on_change:
            listener()

    def changes_since(self, version: int) -> Keys:
        """What changed after `version` (a page's last drawing): keys, empty, or None for
        everything."""
        if version >= self.version:
            return frozenset()
        if not self._log or self._log[0][0] > version + 1:
            return None
        keys: set[str] = set()
        for seen, changed in self._log:
            if seen > version:
                if changed is None:
                    return None
                keys |= changed
        return frozenset(keys)

    def notice(
        self,
        text: str,
        *,
        severity: Literal["information", "warning", "error"] = "information",
        timeout: float = 3.0,
    ) -> None:
        for listener in self._on_notice:
            listener(Notice(text=text, severity=severity, timeout=timeout))
