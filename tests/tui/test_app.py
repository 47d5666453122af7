"""Pilot tests of the main screen: navigate, record, annotate, filter, live reload, read-only,
errors."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from golive_tui import actions
from golive_tui.actor import Actor
from golive_tui.tui.modals.record import NoteModal
from golive_tui.tui.screens.audit import AuditScreen
from golive_tui.tui.screens.help import HelpScreen
from golive_tui.tui.screens.main import MainScreen
from golive_tui.tui.screens.performance import PerformanceScreen
from golive_tui.tui.screens.signoff import SignoffScreen

from .conftest import mini_with_probes
from .helpers import cell, fill, footer, notes, settle, text_of, wait_until

SIZES = pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])


@SIZES
async def test_navigate_mark_done_and_cycle(app_factory, probed_checklist, store, size) -> None:
    app = app_factory(probed_checklist)
    async with app.run_test(size=size) as pilot:
        await pilot.press("j", "d")
        await settle(pilot)
        assert store.read().item("go-live.infra.on-call").status == "done"
        assert cell(app, "go-live.infra.on-call", "status") == "✓ done"
        assert "On-Call Schedule" in text_of(app, "#detail") and "tester@ci" in text_of(
            app, "#detail"
        )
        await pilot.press("space")
        await settle(pilot)
        assert store.read().item("go-live.infra.on-call").status == "failed"
        assert "0/5 ✗1" in text_of(app, "#header")
        await pilot.press("k", "b")
        await settle(pilot)
        assert cell(app, "go-live.infra.cluster", "status") == "! blocked"
        await pilot.press("G", "n")  # G: the last row (performance.p95)
        await settle(pilot)
        assert store.read().item("performance.p95").status == "n/a"
        await pilot.press("g", "x")
        await settle(pilot)
        assert store.read().item("go-live.infra.cluster").status == "failed"


async def test_edit_note_and_evidence_in_modal(
    app_factory, probed_checklist, store, tmp_path
) -> None:
    report = tmp_path / "report.txt"
    report.write_text("kubectl get nodes: 3 Ready\n")
    app = app_factory(probed_checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, NoteModal)
        # The modal's footer shows the modal's keys, not the main screen's.
        assert "mark('done')" not in footer(app) and footer(app).get("cancel") == "esc"
        await pilot.press(*"on bastion-2")  # typed into the focused note field
        await fill(pilot, "#evidence", str(report))
        await pilot.press("enter")
        await settle(pilot)
        state = store.read().item("go-live.infra.cluster")
        assert state.note == "on bastion-2" and state.evidence == str(report)
        assert len(state.evidence_sha256) == 64  # a file path records the file's digest
        assert store.read().audit[-1].action == "annotate"
        assert "Note: on bastion-2" in text_of(app, "#detail")
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("escape")  # cancel: nothing written
        await settle(pilot)
        assert len(store.read().audit) == 1


async def test_filter_by_text_owner_status_verdict_and_priority(
    app_factory, probe_kinds, store
) -> None:
    checklist = mini_with_probes(
        {"security.waf": [{"kind": "test.echo", "params": {"verdict": "error"}}]}
    )
    app = app_factory(checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await pilot.press("slash", *"owner:ops")
        await pilot.pause()
        assert [i.key for i in screen.rows] == ["go-live.infra.on-call", "go-live.infra.rollback"]
        await pilot.press("enter", "x")  # enter keeps the filter and returns to the table
        await settle(pilot)
        actions.waive(
            store,
            checklist.item("go-live.infra.rollback"),
            reason="r",
            until=app.now().replace(year=2099),
            actor=Actor.current(),
        )
        actions.mark(
            store, checklist.item("go-live.infra.rollback"), "failed", actor=Actor.current()
        )
        await pilot.press("slash")
        await fill(pilot, "#filter", "status:failed")
        # A waived item whose status is failed shows as waived, and status:failed is the status
        # only.
        assert [i.key for i in screen.rows] == ["go-live.infra.on-call"]
        await fill(pilot, "#filter", "priority:p1")
        assert [i.key for i in screen.rows] == ["go-live.infra.cluster", "go-live.infra.on-call"]
        await fill(pilot, "#filter", "waf")
        assert [i.key for i in screen.rows] == ["security.waf"]
        await pilot.press("escape")
        await pilot.press("slash")
        await fill(
            pilot, "#filter", "status:error"
        )  # a verdict word under status: said, not silently empty
        assert "status:error" in text_of(app, "#section-bar") and "verdict:" in text_of(
            app, "#section-bar"
        )
        await pilot.press("escape", "p", "j", "j", "j")
        await settle(pilot)
        await wait_until(pilot, lambda: not app.cockpit.running)
        await pilot.press("slash")
        await fill(pilot, "#filter", "verdict:error")
        assert [i.key for i in screen.rows] == ["security.waf"]
        await pilot.press("escape")
        await pilot.pause()
        assert len(screen.rows) == 5 and not screen.query_one("#filter", Input).display


async def test_every_screen_opens_by_digit_and_function_key(app_factory, probed_checklist) -> None:
    app = app_factory(probed_checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        for key, screen_type in (
            ("2", PerformanceScreen),
            ("3", SignoffScreen),
            ("4", AuditScreen),
            ("1", MainScreen),
            ("f2", PerformanceScreen),
            ("f3", SignoffScreen),
            ("f4", AuditScreen),
            ("f1", MainScreen),
        ):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, screen_type), key
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "command palette" in text_of(app, "#help")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)


@SIZES
async def test_read_only_refuses_every_change_and_does_not_offer_it(
    app_factory, probed_checklist, store, size
) -> None:
    app = app_factory(probed_checklist, read_only=True)
    async with app.run_test(size=size) as pilot:
        assert "READ-ONLY" in text_of(app, "#header")
        await pilot.pause()
        offered = footer(app)
        assert not {"mark('done')", "edit", "probe_item", "probe_all"} & set(offered), offered
        assert "help" in offered and "quit" in offered
        for key in ("d", "space", "p", "e", "w", "R", "W"):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, MainScreen), key  # no modal opened
        await pilot.press("3")
        await pilot.pause()
        assert not {"approve", "revoke", "go_live"} & set(footer(app))
        await pilot.press("a", "r", "L")
        await settle(pilot)
        assert isinstance(app.screen, SignoffScreen)
        assert not store.path.exists()
        assert any("read-only" in n for n in notes(app))


async def test_live_reload_keeps_an_open_modal(app_factory, probed_checklist, store) -> None:
    app = app_factory(probed_checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e", *"half-typed")
        await pilot.pause()
        actions.mark(
            store,
            probed_checklist.item("security.waf"),
            "failed",
            actor=Actor.current("other-captain"),
        )
        await wait_until(pilot, lambda: app.session.state.item("security.waf").status == "failed")
        assert isinstance(app.screen, NoteModal)
        assert app.screen.query_one("#note", Input).value == "half-typed"
        await pilot.press("escape")
        await pilot.pause()
        assert cell(app, "security.waf", "status") == "✗ failed"


async def test_unparsable_state_keeps_last_view_and_file(
    app_factory, probed_checklist, store
) -> None:
    actions.mark(store, probed_checklist.item("security.waf"), "done", actor=Actor.current())
    app = app_factory(probed_checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        store.path.write_text("this is = = not toml")
        await wait_until(pilot, lambda: any("unreadable" in n for n in notes(app)))
        assert cell(app, "security.waf", "status") == "✓ done"
        await pilot.press("x")
        await settle(pilot)
        assert store.path.read_text() == "this is = = not toml"
        assert sum("unreadable" in n for n in notes(app)) == 1  # told once, not every second


@SIZES
async def test_shipped_checklist(app_factory, shipped_checklist, store, size) -> None:
    total = len(list(shipped_checklist.items()))
    app = app_factory(shipped_checklist)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert len(app.screen.rows) == total
        assert "approvals 0/6" in text_of(app, "#header")
        first = app.screen.rows[0]
        await pilot.press("d")
        await settle(pilot)
        assert store.read().item(first.key).status == "done"
        await pilot.press("slash", *"node")
        await pilot.pause()
        assert "go-live.infrastructure.node-groups" in [i.key for i in app.screen.rows]
