"""The moments at which what the cockpit shows changes with time alone.

A waiver's end, an attestation's or a probe verdict's expiry (probe_valid_hours), a post-go-live
task's due time: past any of them an item counts differently, so go/no-go, the header counts and
the rows must be derived again. Between two of these moments nothing but clocks and ages moves,
so a once-a-second tick costs one bisect when nothing changed.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import datetime, timedelta

from ..model import WINDOW_HOURS, Checklist
from ..state import State


class Timeline:
    """The sorted moments of one record; `epoch(now)` counts those already past."""

    def __init__(self, checklist: Checklist, state: State) -> None:
        moments: set[datetime] = set()
        for istate in state.items.values():
            if istate.waiver is not None:
                moments.add(istate.waiver.until)
            if istate.expires_at is not None:
                moments.add(istate.expires_at)
        start = state.meta.golive_at
        if start is not None:
            # Overdue is `now > due`: the first instant it holds is one microsecond past the due
            # time.
            moments.update(
                start + timedelta(hours=WINDOW_HOURS[item.window], microseconds=1)
                for item in checklist.items()
                if item.window is not None
            )
        self.moments: list[datetime] = sorted(moments)

    def epoch(self, now: datetime) -> int:
        """How many moments are past: outcomes (and everything derived from them) change only with
        it.

        `outcome` treats a waiver as over at `until <= now` and an expiry at `expires_at <= now`,
        the moments themselves; a task's moment is the first instant past its due time.
        """
        return bisect_right(self.moments, now)

    def next_moment(self, now: datetime) -> datetime | None:
        index = bisect_right(self.moments, now)
        return self.moments[index] if index < len(self.moments) else None
