"""The cockpit shows what time alone changes, with nobody touching a key: a waiver running out, a
probe verdict passing probe_valid_hours, a post-go-live task falling due. The clock is pinned and
moved by the test; the assertions are made after exactly one cockpit tick has run since it moved.

On the old code (no tick; pages redrew only when told) each of these stayed as it was drawn:
`~ waived` and GO on an open cockpit while `golive show` already said failed.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from datetime import datetime, timedelta

from golive_tui import actions
from golive_tui.engine import ItemResult
from golive_tui.model import Checklist
from golive_tui.probes.base import ProbeResult, Verdict
from golive_tui.tui.screens.signoff import SignoffScreen

from ..people import person
from .conftest import FIXED_NOW, MINI
from .helpers import cell, settle, text_of, wait_until

T = FIXED_NOW


def mini(**fields: dict[str, object]) -> Checklist:
    """The mini checklist with fields set on items named by key (`go-live.infra.cluster`)."""
    raw = tomllib.loads(MINI.read_text())

    def visit(section: dict, prefix: str) -> None:
        key = f"{prefix}.{section['id']}" if prefix else section["id"]
        for item in section.get("item", []):
            item.update(fields.get(f"{key}.{item['id']}", {}))
        for sub in section.get("subsection", []):
            visit(sub, key)

    for top in raw["section"]:
        visit(top, "")
    return Checklist.model_validate(raw)


def go(
    store,
    checklist: Checklist,
    at: datetime,
    *,
    rollback_until: datetime,
    skip: tuple[str, ...] = (),
) -> None:
    """Everything done or waived and both roles approved at `at`: GO."""
    carol = person("carol").at(at)
    items = checklist.item_map()
    for key in ("go-live.infra.cluster", "go-live.infra.on-call", "performance.p95"):
        if key not in skip:
            actions.mark(store, items[key], "done", actor=carol)
    actions.waive(
        store,
        items["go-live.infra.rollback"],
        reason="tested last quarter",
        until=rollback_until,
        actor=carol,
    )
    actions.approve(
        store, checklist, "eng", name="Erin", actor=person("erin").at(at + timedelta(seconds=1))
    )
    actions.approve(
        store, checklist, "sec", name="Sam", actor=person("sam").at(at + timedelta(seconds=2))
    )


async def one_tick_after(pilot, move: Callable[[], None]) -> None:
    """Move the clock, wait for the cockpit's next tick (no key pressed), let the pages draw it."""
    cockpit = pilot.app.cockpit
    ticks = cockpit.ticks
    move()
    await wait_until(pilot, lambda: cockpit.ticks > ticks)
    await pilot.pause()
    await pilot.pause()


async def test_a_waiver_running_out_shows_in_the_row_the_counts_and_the_badge(
    store, app_factory
) -> None:
    checklist = mini()
    go(store, checklist, T - timedelta(minutes=5), rollback_until=T + timedelta(minutes=2))
    now = [T]
    app = app_factory(checklist, clock=lambda: now[0])
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        assert cell(app, "go-live.infra.rollback", "status") == "~ waived"
        header = text_of(app, "#header")
        assert (
            header.startswith(" GO ") and "4/5" in header
        )  # the WAF is pending: no criterion needs it

        await one_tick_after(pilot, lambda: now.__setitem__(0, T + timedelta(minutes=2, seconds=1)))
        assert cell(app, "go-live.infra.rollback", "status") == "· pending*"
        header = text_of(app, "#header")
        assert header.startswith(" NO-GO ") and "3/5" in header


async def test_a_probe_verdict_past_probe_valid_hours_goes_from_go_to_pending(
    store, app_factory
) -> None:
    checklist = mini(**{"go-live.infra.cluster": {"probe_valid_hours": 1}})
    go(
        store,
        checklist,
        T - timedelta(minutes=5),
        rollback_until=T + timedelta(days=30),
        skip=("go-live.infra.cluster",),
    )
    cluster = checklist.item("go-live.infra.cluster")
    result = ProbeResult(Verdict.PASS, "nodes ready", checked_at=T - timedelta(minutes=59))
    actions.record_results(
        store, [ItemResult(cluster, result)], actor=person("carol").at(T - timedelta(minutes=59))
    )
    # The probe's done came after the approvals: approve again so the record is GO until the verdict
    # ages.
    actions.approve(
        store, checklist, "eng", name="Erin", actor=person("erin").at(T - timedelta(minutes=58))
    )
    actions.approve(
        store, checklist, "sec", name="Sam", actor=person("sam").at(T - timedelta(minutes=58))
    )
    now = [T]
    app = app_factory(checklist, clock=lambda: now[0])
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        assert cell(app, "go-live.infra.cluster", "status") == "✓ done"
        header = text_of(app, "#header")
        assert header.startswith(" GO ") and "4/5" in header

        await one_tick_after(pilot, lambda: now.__setitem__(0, T + timedelta(minutes=1)))
        assert cell(app, "go-live.infra.cluster", "status") == "· pending*"
        assert (
            cell(app, "go-live.infra.cluster", "verdict") == "✓ pass"
        )  # the verdict stays; it no longer counts
        header = text_of(app, "#header")
        assert header.startswith(" NO-GO ") and "3/5" in header


async def test_a_post_golive_task_becomes_overdue_on_the_header_and_the_signoff_page(
    store, app_factory
) -> None:
    checklist = mini(**{"security.waf": {"window": "24h"}})
    start = T - timedelta(hours=24) + timedelta(minutes=1)
    go(store, checklist, start - timedelta(minutes=5), rollback_until=T + timedelta(days=30))
    actions.go_live(store, checklist, actor=person("carol").at(start))
    now = [T]
    app = app_factory(checklist, clock=lambda: now[0])
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await pilot.pause()
        assert isinstance(app.screen, SignoffScreen)
        assert "next: WAF in 1m" in text_of(app, "#header")
        assert "OVERDUE" not in text_of(app, "#tasks")

        await one_tick_after(pilot, lambda: now.__setitem__(0, T + timedelta(minutes=1, seconds=1)))
        assert "OVERDUE: WAF 0m ago" in text_of(app, "#header")
        assert "! OVERDUE" in text_of(app, "#tasks")
