"""Pilot tests of waivers, approvals, revocation, blockers that open their item, and the go-live
moment."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta

import pytest
from textual.widgets import Input, Select

from golive_tui import actions
from golive_tui.actor import Actor
from golive_tui.decision import decide
from golive_tui.model import Checklist
from golive_tui.tui.modals.base import ConfirmModal
from golive_tui.tui.modals.record import WaiveModal
from golive_tui.tui.modals.signoff import ApproveModal, GoLiveModal, RevokeModal
from golive_tui.tui.screens.item import ItemScreen
from golive_tui.tui.screens.signoff import BlockerList, SignoffScreen
from tests.people import person

from .conftest import MINI
from .helpers import cell, fill, footer, settle, text_of, wait_until

SIZES = pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])


@SIZES
async def test_waiver_date_is_checked_in_the_modal_which_stays_open(
    app_factory, probed_checklist, store, size
) -> None:
    app = app_factory(probed_checklist)
    async with app.run_test(size=size) as pilot:
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, WaiveModal)
        assert (
            app.screen.query_one("#until", Input).value == "2026-12-05"
        )  # a week from the (fixed) clock
        await pilot.press("enter")  # empty reason: refused, the modal stays
        await pilot.pause()
        assert "needs a reason" in text_of(app, "#error")
        await fill(pilot, "#reason", "known gap, fixed next sprint")
        await fill(pilot, "#until", "2026-01-31")  # in the past: the core refuses it
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, WaiveModal), "a refused date must not close the dialog"
        assert "in the past" in text_of(app, "#error")
        assert app.screen.query_one("#reason", Input).value == "known gap, fixed next sprint"
        await pilot.press(
            *"d", "x"
        )  # keys typed now land in the dialog, not on the main screen's shortcuts
        assert store.read().item("go-live.infra.cluster").status == "pending"
        await fill(pilot, "#until", "2099-01-31")
        await pilot.press("enter")
        await settle(pilot)
        waiver = store.read().item("go-live.infra.cluster").waiver
        assert (
            waiver.reason == "known gap, fixed next sprint"
            and waiver.until.date().isoformat() == "2099-01-31"
        )
        assert cell(app, "go-live.infra.cluster", "status") == "~ waived"


@SIZES
async def test_j_k_choose_the_role_that_a_approves(
    app_factory, probed_checklist, store, size
) -> None:
    app = app_factory(probed_checklist)
    async with app.run_test(size=size) as pilot:
        await pilot.press("3", "j", "a")  # j moves the sign-off cursor to the second role
        await wait_until(pilot, lambda: isinstance(app.screen, ApproveModal))
        modal = app.screen
        expected = decide(probed_checklist, store.read(), datetime.now(UTC)).signature
        assert expected in text_of(app, "#digest")
        operator = app.session.actor.operator
        # Who is at the keyboard, and that approving under their own login is their own approval.
        assert modal.query_one("#name", Input).value == operator.user
        assert text_of(app, "#recorded") == f"Your own approval, recorded by {operator}"
        assert modal.query_one("#role", Select).value == "sec"
        await pilot.press("enter")
        await settle(pilot)
        approval = store.read().approvals["sec"]
        assert (
            approval.name == operator.user and approval.signature == expected and not approval.proxy
        )
        assert isinstance(app.screen, SignoffScreen)
        assert cell(app, "sec", "state", "#approvals") == "✓ approved"
        assert "1/2 approvals" in text_of(app, "#decision")
        assert "approvals 1/2" in text_of(app, "#header")
        await pilot.press("k", "a")
        await wait_until(pilot, lambda: isinstance(app.screen, ApproveModal))
        assert app.screen.query_one("#role", Select).value == "eng"


async def test_stale_approval_lists_changed_items(app_factory, probed_checklist, store) -> None:
    actions.approve(store, probed_checklist, "eng", name="Erin", actor=person("erin"))
    actions.mark(store, probed_checklist.item("security.waf"), "failed", actor=Actor.current())
    app = app_factory(probed_checklist)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        assert cell(app, "eng", "state", "#approvals") == "! stale"
        assert cell(app, "eng", "changed", "#approvals") == "waf"
        options = app.screen.query_one(BlockerList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any("approval: Engineering Manager" in p and "security.waf" in p for p in prompts), (
            prompts
        )


@SIZES
async def test_blockers_open_their_item(app_factory, probed_checklist, store, size) -> None:
    actions.mark(store, probed_checklist.item("security.waf"), "failed", actor=Actor.current())
    app = app_factory(probed_checklist)
    async with app.run_test(size=size) as pilot:
        await pilot.press("3", "tab")
        await pilot.pause()
        blockers = app.screen.query_one(BlockerList)
        assert blockers.has_focus
        prompts = [
            str(blockers.get_option_at_index(i).prompt) for i in range(blockers.option_count)
        ]
        waf = next(i for i, p in enumerate(prompts) if p.startswith("✗ WAF (failed)"))
        assert "No critical security issues" in prompts[waf]
        blockers.highlighted = waf
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ItemScreen) and app.screen.item.key == "security.waf"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SignoffScreen)


async def test_the_lists_stay_visible_after_the_command_palette_was_opened(
    app_factory, probed_checklist, store
) -> None:
    """Textual's command palette styles a widget named `CommandList` `visibility: hidden`; the
    cockpit's runbook list was named so (and Why NO-GO subclasses it): after one `:` both lists were
    blank for the rest of the call."""
    from golive_tui.tui.screens.item import RunbookList

    actions.mark(store, probed_checklist.item("security.waf"), "failed", actor=Actor.current())
    app = app_factory(probed_checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(":")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CommandPalette")
        await pilot.press("escape")
        await pilot.press("3", "tab")
        await pilot.pause()
        blockers = app.screen.query_one(BlockerList)
        assert blockers.option_count and blockers.visible and blockers.size.height > 0
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ItemScreen))
        commands = app.screen.query_one(RunbookList)
        assert commands.visible


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


async def test_forced_go_live_needs_a_reason_and_a_second_operator_then_the_header_runs_the_clock(
    app_factory, store
) -> None:
    checklist = _with_window()
    clock = [datetime(2026, 11, 28, 12, 0, tzinfo=UTC)]
    app = app_factory(checklist, clock=lambda: clock[0])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        assert "NO-GO" in text_of(app, "#decision") and "go_live" in footer(app)
        await pilot.press("L")
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
        assert (
            meta.golive_at is None and meta.force_request.reason == "CEO call"
        )  # asked for, not live yet
        assert "FORCE REQUESTED by tester@ci" in text_of(app, "#header")
        await pilot.press("L")  # the same operator cannot confirm their own request
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal) and "Confirm it as" in text_of(
            app, ".dialog-title"
        )
        await pilot.click("#ok")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal) and "a second operator must confirm" in text_of(
            app, "#error"
        )
        await pilot.press("escape")
        actions.confirm_forced_go_live(
            store, checklist, actor=person("second-captain").at(clock[0])
        )
        clock[0] += timedelta(hours=2, minutes=14, seconds=7)
        await wait_until(pilot, lambda: app.session.state.meta.golive_at is not None)
        app.cockpit.changed()
        await pilot.pause()
        header = text_of(app, "#header")
        assert (
            "LIVE (forced) 02:14:07" in header
            and "next: WAF in 21h45m" in header
            and "appr 0/2" in header
        )
        clock[0] += timedelta(days=3)  # the clock runs past the 24 h window
        app.cockpit.changed()
        await pilot.pause()
        tasks = text_of(app, "#tasks")
        assert "Went live" in tasks and "! OVERDUE" in tasks and "WAF" in tasks
        assert "OVERDUE: WAF 2d2h ago" in text_of(app, "#header")
        await pilot.press("L")  # a second time: refused, no modal
        await pilot.pause()
        assert isinstance(app.screen, SignoffScreen)


async def test_signoff_criteria_fit_one_line_each(app_factory, shipped_checklist) -> None:
    app = app_factory(shipped_checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        criteria = app.screen.query_one("#criteria")
        assert criteria.size.height == 1 + len(shipped_checklist.criterion)
        assert app.screen.query_one("#approvals").row_count == len(shipped_checklist.approval)
