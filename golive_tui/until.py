"""When a waiver ends, as a captain says it on a call: `+2h`, `18:30`, a date, or an ISO time (UTC).

"Until the end of the call" is a time today, not a date: the cockpit's dialog and `golive waive
--until` read the same forms. A bare date runs to the end of that day; a bare time is today's
(refused once it has passed, rather than silently meaning tomorrow); offsets count from now.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

from .errors import GoliveError

FORMS = "+2h, +90m, +1d, 18:30, 2026-12-31 or 2026-12-31 18:30 (UTC)"
_OFFSET = re.compile(r"^\+\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?$", re.IGNORECASE)
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


def parse_until(raw: str, now: datetime) -> datetime:
    """The moment `raw` names, in UTC; GoliveError saying which forms are understood."""
    text = raw.strip()
    if not text:
        raise GoliveError(f"give an end: {FORMS}")
    offset = _OFFSET.match(text)
    if offset and any(offset.groups()):
        days, hours, minutes = (int(g or 0) for g in offset.groups())
        return now.astimezone(UTC) + timedelta(days=days, hours=hours, minutes=minutes)
    clock = _CLOCK.match(text)
    if clock:
        hour, minute = int(clock.group(1)), int(clock.group(2))
        if hour > 23 or minute > 59:
            raise GoliveError(f"{text!r} is not a time of day: {FORMS}")
        today = now.astimezone(UTC)
        moment = datetime.combine(today.date(), time(hour, minute), tzinfo=UTC)
        if moment <= today:
            raise GoliveError(
                f"{text} UTC today has passed ({today:%H:%M} UTC now): give a date, e.g. "
                f"{(today + timedelta(days=1)):%Y-%m-%d} {text}"
            )
        return moment
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise GoliveError(f"{text!r}: use {FORMS}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if len(text) == 10:  # a bare date: to the end of that day
        parsed = parsed.replace(hour=23, minute=59, second=59)
    return parsed.astimezone(UTC)
