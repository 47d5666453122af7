"""What a store says about itself: the outcome of a sync, and where the record lives and how it is.

Both kinds of store (store.py, offline.py) answer with these; the CLI and the TUI header
show them without knowing which kind they asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .schema import AuditEntry


@dataclass
class SyncReport:
    """What a sync did: pushed entries, entries set aside as conflicts, entries still queued."""

    pushed: int = 0
    conflicts: list[str] = field(default_factory=list)
    remaining: int = 0
    offline: bool = False
    committed: list[AuditEntry] = field(default_factory=list)
    """The entries the pushed changes became, with their real numbers."""


@dataclass
class StoreStatus:
    """What a view says about where the record lives (the TUI header, `golive status`)."""

    location: str
    kind: str
    """`local` or `s3`."""
    offline: bool = False
    reason: str = ""
    """Why it is offline (one line)."""
    queued: int = 0
    conflicts: list[str] = field(default_factory=list)
    summary: str | None = None
    """One line when something needs attention (offline, queued, conflicts); None when all is
    well."""
    facts: dict[str, Any] = field(default_factory=dict)
    """Storage facts: encryption, bucket versioning, journal path."""

    def record(self) -> dict[str, Any]:
        return {
            "location": self.location,
            "kind": self.kind,
            **self.facts,
            "offline": self.offline,
            "reason": self.reason,
            "queued": self.queued,
            "conflicts": list(self.conflicts),
            "summary": self.summary,
        }
