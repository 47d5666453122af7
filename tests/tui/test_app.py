"""Pilot tests driving the real app: assertions on the state file and the widgets."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Input

from golive_tui.tui.main_screen import MainScreen
from golive_tui.tui.screens import AuditScreen, HelpScreen, PerformanceScreen, SignoffScreen

SHIPPED = Path(__file__).resolve().parents[2] / "checklists" / "production.toml"


def cell(app, key: str, column: str) -> str:
    table = app.screen.query_one("#items", DataTable)
    value = table.get_cell(key, column)
    return getattr(value, "plain", str(value))


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_navigate_mark_done_and_cycle(app_factory, probed_checklist, store, size) -> None:
    app = app_factory(probed_checklist)
    async with app.run_test(size=size) as pilot:
        await pilot.press("j", "d")
        await settle(pilot)
        assert store.read().item("go-live.infra.on-call").status == "done"
        assert cell(app, "go-live.infra.on-call", "status") == "✓ done"
        await pilot.press("space")
        await settle(pilot)
        assert store.read().item("go-live.infra.on-call").status == "failed"
        assert "✗1" in str(app.screen.query_one("#header").render())


async def test_edit_note_and_evidence_in_modal(app_factory, probed_checklist, store) -> None:
    app = app_factory(probed_checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e")
        await pilot.pause()
        note = app.screen.query_one("#note", Input)
        note.value = "checked with kubectl on bastion-2"
        app.screen.query_one("#evidence", Input).value = "https://wiki/INC-1"
        await pilot.press("enter")
        await settle(pilot)
        state = store.read().item("go-live.infra.cluster")
        assert state.note == "checked with kubectl on bastion-2" and state.evidence == "https://wiki/INC-1"
        assert store.read().audit[-1].action == "annotate"


async def test_filter_by_owner_and_status(app_factory, probed_checklist, store) -> None:
    app = app_factory(probed_checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash")
        await pilot.press(*"owner:ops")
        await pilot.pause()
        screen = app.screen
        assert [i.key for i in screen.rows] == ["go-live.infra.on-call", "go-live.infra.rollback"]
        await pilot.press("enter", "x")
        await settle(pilot)
        await pilot.press("slash", "ctrl+u", *"status:failed")
        await pilot.pause()
        assert [i.key for i in screen.rows] == ["go-live.infra.on-call"]
        await pilot.press("escape")
        await pilot.pause()
        assert len(screen.rows) == 5


async def test_every_screen_opens(app_factory, probed_checklist) -> None:
    app = app_factory(probed_checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        for key, screen_type in (("2", PerformanceScreen), ("3", SignoffScreen), ("4", AuditScreen), ("1", MainScreen)):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, screen_type)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "command palette" in str(app.screen.query_one("#help").render())


async def test_probe_worker_result_lands_in_state_file(app_factory, probed_checklist, store) -> None:
    app = app_factory(probed_checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("p")
        await settle(pilot)
        for _ in range(20):
            if store.read().item("go-live.infra.cluster").probe is not None and not app.running:
                break
            await pilot.pause(0.05)
        record = store.read().item("go-live.infra.cluster")
        assert record.probe.verdict == "pass" and record.status == "done"
        assert cell(app, "go-live.infra.cluster", "verdict") == "✓ pass"
        await pilot.press("R")
        await settle(pilot)
        for _ in range(20):
            if store.read().item("performance.p95").probe is not None and not app.running:
                break
            await pilot.pause(0.05)
        assert store.read().item("performance.p95").probe.value == 320.0
        await pilot.press("2")
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        assert table.get_cell("performance.p95", "current") == "320ms"


async def test_waive_and_approve(app_factory, probed_checklist, store) -> None:
    app = app_factory(probed_checklist)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("w")
        await pilot.pause()
        await pilot.press("enter")  # empty reason: refused, modal stays
        await pilot.pause()
        assert "needs a reason" in str(app.screen.query_one("#error").render())
        app.screen.query_one("#reason", Input).value = "known gap, fixed next sprint"
        app.screen.query_one("#until", Input).value = "2099-01-31"
        await pilot.press("enter")
        await settle(pilot)
        assert store.read().item("go-live.infra.cluster").waiver.reason == "known gap, fixed next sprint"
        await pilot.press("3", "a")
        await pilot.pause()
        app.screen.query_one("#name", Input).value = "Erin Example"
        await pilot.press("enter")
        await settle(pilot)
        approval = store.read().approvals["eng"]
        assert approval.name == "Erin Example" and len(approval.signature) == 64
        assert "approved" in app.screen.query_one("#approvals", DataTable).get_cell("eng", "state").plain


async def test_read_only_refuses_changes(app_factory, probed_checklist, store) -> None:
    app = app_factory(probed_checklist, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        assert "READ-ONLY" in str(app.screen.query_one("#header").render())
        await pilot.press("d", "p", "e")
        await settle(pilot)
        assert not store.path.exists()


async def test_live_reload_of_another_captains_change(app_factory, probed_checklist, store) -> None:
    from golive_tui import actions

    app = app_factory(probed_checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        actions.mark(store, probed_checklist.item("security.waf"), "failed", by="other-captain")
        await pilot.pause(1.3)
        await pilot.pause()
        assert cell(app, "security.waf", "status") == "✗ failed"


async def test_unparsable_state_keeps_last_view_and_file(app_factory, probed_checklist, store) -> None:
    from golive_tui import actions

    actions.mark(store, probed_checklist.item("security.waf"), "done")
    app = app_factory(probed_checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        store.path.write_text("this is = = not toml")
        await pilot.pause(1.3)
        assert cell(app, "security.waf", "status") == "✓ done"
        await pilot.press("x")
        await settle(pilot)
        assert store.path.read_text() == "this is = = not toml"


@pytest.mark.skipif(not SHIPPED.exists(), reason="shipped checklist missing")
async def test_shipped_checklist_opens_at_80x24(app_factory, store) -> None:
    import tomllib

    from golive_tui.model import Checklist

    checklist = Checklist.model_validate(tomllib.loads(SHIPPED.read_text()))
    app = app_factory(checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert len(app.screen.rows) == 129
        assert "Autolytiq production go-live" in str(app.screen.query_one("#header").render())
        await pilot.press("slash", *"node")
        await pilot.pause()
        assert [i.key for i in app.screen.rows] == ["go-live.infrastructure.node-groups"]
