"""Pilot tests of waivers, approvals, revocation and the go-live moment."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta

from textual.widgets import DataTable, Input, Select

from golive_tui import actions
from golive_tui.actor import Actor
from golive_tui.decision import decide
from golive_tui.model import Checklist
from golive_tui.tui.modals import ApproveModal, GoLiveModal, RevokeModal, WaiveModal
from golive_tui.tui.screens import SignoffScreen
from tests.people import person

from .conftest import MINI
from .helpers import cell, fill, settle, text_of


async def test_waive_refuses_an_empty_reason_then_waives(app_factory, probed_checklist, store) -> None:
    app = app_factory(probed_checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("w")
        await pilot.pause()
        await pilot.press("enter")  # empty reason: refused, the modal stays
        await pilot.pause()
        assert isinstance(app.screen, WaiveModal)
        assert "needs a reason" in text_of(app, "#error")
        await fill(pilot, "#reason", "known gap, fixed next sprint")
        await fill(pilot, "#until", "2099-01-31")
        await pilot.press("enter")
        await settle(pilot)
        waiver = store.read().item("go-live.infra.cluster").waiver
        assert waiver.reason == "known gap, fixed next sprint" and waiver.until.date().isoformat() == "2099-01-31"
        assert cell(app, "go-live.infra.cluster", "status") == "~ waived"


async def test_approve_shows_role_name_and_digest_then_signs(app_factory, probed_checklist, store) -> None:
    app = app_factory(probed_checklist, by="erin")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3", "down", "a")  # highlight the second role, then approve it
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, ApproveModal)
        expected = decide(probed_checklist, store.read(), datetime.now(UTC)).signature
        assert expected in text_of(app, ".signature")
        assert modal.query_one("#role", Select).value == "sec"
        assert modal.query_one("#name", Input).value == "erin"
        await fill(pilot, "#name", "Erin Example")
        await pilot.press("enter")
        await settle(pilot)
        approval = store.read().approvals["sec"]
        assert approval.name == "Erin Example" and approval.signature == expected
        assert isinstance(app.screen, SignoffScreen)
        assert cell(app, "sec", "state", "#approvals") == "✓ approved"
        assert "1/2 approvals" in text_of(app, "#decision")


async def test_stale_approval_lists_changed_items(app_factory, probed_checklist, store) -> None:
    actions.approve(store, probed_checklist, "eng", name="Erin", actor=person("erin"))
    actions.mark(store, probed_checklist.item("security.waf"), "failed", actor=Actor.current())
    app = app_factory(probed_checklist)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        assert cell(app, "eng", "state", "#approvals") == "! stale"
        assert cell(app, "eng", "changed since", "#approvals") == "waf"
        assert "Approval stale: Engineering Manager" in text_of(app, "#reasons")


async def test_revoke_needs_a_reason(app_factory, probed_checklist, store) -> None:
    actions.approve(store, probed_checklist, "eng", name="Erin", actor=person("erin"))
    app = app_factory(probed_checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3", "r")
        await pilot.pause()
        assert isinstance(app.screen, RevokeModal)
        await pilot.press("enter")
        await pilot.pause()
        assert "needs a reason" in text_of(app, "#error")
        await pilot.press(*"wrong build", "enter")
        await settle(pilot)
        assert store.read().approvals["eng"].revoke_reason == "wrong build"
        assert cell(app, "eng", "state", "#approvals") == "✗ revoked"


def _with_window() -> Checklist:
    raw = tomllib.loads(MINI.read_text())
    raw["section"][1]["item"][0]["window"] = "24h"  # security.waf becomes a first-24-hours task
    return Checklist.model_validate(raw)


async def test_forced_go_live_needs_a_typed_reason_and_shows_overdue_tasks(app_factory, store) -> None:
    checklist = _with_window()
    clock = [datetime.now(UTC)]
    app = app_factory(checklist, clock=lambda: clock[0])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        assert "NO-GO" in text_of(app, "#decision")
        await pilot.press("G")
        await pilot.pause()
        assert isinstance(app.screen, GoLiveModal)
        assert "Approval missing: Engineering Manager" in text_of(app, ".reasons Static")
        await pilot.press("enter")
        await pilot.pause()
        assert "needs a reason" in text_of(app, "#error")
        assert store.read().meta.golive_at is None
        await pilot.press(*"CEO call", "enter")
        await settle(pilot)
        meta = store.read().meta
        assert meta.golive_at == clock[0] and meta.golive_forced_reason == "CEO call"
        clock[0] += timedelta(days=3)  # the clock runs past the 24 h window
        app.refresh_screens()
        await pilot.pause()
        tasks = text_of(app, "#tasks")
        assert "Went live" in tasks and "! OVERDUE" in tasks and "WAF" in tasks
        await pilot.press("G")  # a second time: refused, no modal
        await pilot.pause()
        assert isinstance(app.screen, SignoffScreen)


async def test_signoff_criteria_fit_one_line_each(app_factory, shipped_checklist) -> None:
    app = app_factory(shipped_checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        criteria = app.screen.query_one("#criteria")
        assert criteria.size.height == 1 + len(shipped_checklist.criterion)
        assert app.screen.query_one("#approvals", DataTable).row_count == len(shipped_checklist.approval)
