"""A waiver's end as a captain says it: offsets, a time today, dates and ISO times, all UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from golive_tui.errors import GoliveError
from golive_tui.until import parse_until

NOW = datetime(2026, 12, 7, 10, 42, 7, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+2h", NOW + timedelta(hours=2)),
        ("+90m", NOW + timedelta(minutes=90)),
        ("+1d", NOW + timedelta(days=1)),
        ("+1h30m", NOW + timedelta(hours=1, minutes=30)),
        ("18:30", datetime(2026, 12, 7, 18, 30, tzinfo=UTC)),
        ("2026-12-08", datetime(2026, 12, 8, 23, 59, 59, tzinfo=UTC)),
        ("2026-12-08 18:30", datetime(2026, 12, 8, 18, 30, tzinfo=UTC)),
        ("2026-12-08T18:30+01:00", datetime(2026, 12, 8, 17, 30, tzinfo=UTC)),
    ],
)
def test_forms(raw: str, expected: datetime) -> None:
    assert parse_until(raw, NOW) == expected


@pytest.mark.parametrize(
    ("raw", "said"),
    [
        ("09:00", "has passed"),
        ("25:00", "not a time of day"),
        ("tomorrow", r"use \+2h"),
        ("", "give an end"),
        ("+", r"use \+2h"),
    ],
)
def test_refusals_say_which_forms_work(raw: str, said: str) -> None:
    with pytest.raises(GoliveError, match=said):
        parse_until(raw, NOW)


def test_now_in_another_zone_is_read_in_utc() -> None:
    local = NOW.astimezone(timezone(timedelta(hours=-5)))
    assert parse_until("18:30", local) == datetime(2026, 12, 7, 18, 30, tzinfo=UTC)
