"""The waive dialog takes a time, as a waiver "until the end of the call" needs: +2h, 18:30, a date
and time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from golive_tui.tui.modals.record import WaiveModal

from .conftest import FIXED_NOW
from .helpers import fill, notes, settle, text_of


async def waive(pilot, until: str) -> None:
    await pilot.press("w")
    await pilot.pause()
    assert isinstance(pilot.app.screen, WaiveModal)
    await fill(pilot, "#reason", "until the end of the call")
    await fill(pilot, "#until", until)
    await pilot.press("enter")
    await settle(pilot)


async def test_the_waive_dialog_takes_a_time(app_factory, probed_checklist, store) -> None:
    app = app_factory(probed_checklist)
    keys = [i.key for i in probed_checklist.items()]
    async with app.run_test(size=(80, 24)) as pilot:
        await waive(pilot, "+2h")
        assert store.read().item(keys[0]).waiver.until == FIXED_NOW + timedelta(hours=2)
        assert "waived until 2026-11-28 14:00 UTC" in notes(app)
        await pilot.press("j")
        await waive(pilot, "09:30")  # 09:30 today has passed at 12:00: said, and the dialog stays
        assert isinstance(app.screen, WaiveModal) and "has passed" in text_of(app, "#error")
        await fill(pilot, "#until", "18:30")
        await pilot.press("enter")
        await settle(pilot)
        assert store.read().item(keys[1]).waiver.until == datetime(2026, 11, 28, 18, 30, tzinfo=UTC)
        await pilot.press("j")
        await waive(pilot, "2026-11-29 07:15")
        assert store.read().item(keys[2]).waiver.until == datetime(2026, 11, 29, 7, 15, tzinfo=UTC)
        await pilot.press("j")
        await waive(pilot, "2026-12-01")  # a bare date still runs to the end of that day
        assert store.read().item(keys[3]).waiver.until == datetime(
            2026, 12, 1, 23, 59, 59, tzinfo=UTC
        )


async def test_a_waived_row_says_who_granted_it_not_the_probe(
    app_factory, probed_checklist, store
) -> None:
    from golive_tui import actions
    from golive_tui.actor import Actor
    from golive_tui.engine import ItemResult
    from golive_tui.probes.base import ProbeResult, Verdict

    item = probed_checklist.item("go-live.infra.cluster")
    actions.record_results(
        store,
        [ItemResult(item, ProbeResult(Verdict.FAIL, "down", checked_at=FIXED_NOW))],
        actor=Actor.current("captain"),
    )
    actions.waive(
        store,
        item,
        reason="vendor fix tonight",
        until=FIXED_NOW + timedelta(hours=6),
        actor=Actor.current("ciso", clock=lambda: FIXED_NOW),
    )
    app = app_factory(probed_checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        detail = text_of(app, "#detail")
        status = next(line for line in detail.splitlines() if line.startswith("Status:"))
        assert "waived — ciso" in status and "(probe)" not in status, status
