"""Pilot tests of the main screen: navigate, record, annotate, filter, live reload, read-only, errors."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input

from golive_tui import actions
from golive_tui.actor import Actor
from golive_tui.tui.main_screen import MainScreen
from golive_tui.tui.modals import NoteModal
from golive_tui.tui.screens import AuditScreen, HelpScreen, PerformanceScreen, SignoffScreen

from .helpers import cell, fill, notes, settle, text_of


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
async def test_navigate_mark_done_and_cycle(app_factory, probed_checklist, store, size) -> None:
    app = app_factory(probed_checklist)
    async with app.run_test(size=size) as pilot:
        await pilot.press("j", "d")
        await settle(pilot)
        assert store.read().item("go-live.infra.on-call").status == "done"
        assert cell(app, "go-live.infra.on-call", "status") == "✓ done"
        assert "On-Call Schedule" in text_of(app, "#detail") and "tester@ci" in text_of(app, "#detail")
        await pilot.press("space")
        await settle(pilot)
        assert store.read().item("go-live.infra.on-call").status == "failed"
        assert "0/5 ✗1" in text_of(app, "#header")
        await pilot.press("k", "b")
        await settle(pilot)
        assert cell(app, "go-live.infra.cluster", "status") == "! blocked"
        await pilot.press("down", "down", "n")
        await settle(pilot)
        assert store.read().item("go-live.infra.rollback").status == "n/a"


async def test_edit_note_and_evidence_in_modal(app_factory, probed_checklist, store, tmp_path) -> None:
    report = tmp_path / "report.txt"
    report.write_text("kubectl get nodes: 3 Ready\n")
    app = app_factory(probed_checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, NoteModal)
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


async def test_filter_by_text_owner_status_and_priority(app_factory, probed_checklist) -> None:
    app = app_factory(probed_checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await pilot.press("slash", *"owner:ops")
        await pilot.pause()
        assert [i.key for i in screen.rows] == ["go-live.infra.on-call", "go-live.infra.rollback"]
        await pilot.press("enter", "x")  # enter keeps the filter and returns to the table
        await settle(pilot)
        await pilot.press("slash")
        await fill(pilot, "#filter", "status:failed")
        assert [i.key for i in screen.rows] == ["go-live.infra.on-call"]
        await fill(pilot, "#filter", "priority:p1")
        assert [i.key for i in screen.rows] == ["go-live.infra.cluster", "go-live.infra.on-call"]
        await fill(pilot, "#filter", "waf")
        assert [i.key for i in screen.rows] == ["security.waf"]
        await pilot.press("escape")
        await pilot.pause()
        assert len(screen.rows) == 5 and not screen.query_one("#filter", Input).display


async def test_every_screen_opens_by_digit_and_function_key(app_factory, probed_checklist) -> None:
    app = app_factory(probed_checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        for key, screen_type in (("2", PerformanceScreen), ("3", SignoffScreen), ("4", AuditScreen), ("1", MainScreen),
                                 ("f2", PerformanceScreen), ("f3", SignoffScreen), ("f4", AuditScreen), ("f1", MainScreen)):
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


async def test_audit_screen_lists_changes_newest_first_and_verifies(app_factory, probed_checklist, store) -> None:
    actions.mark(store, probed_checklist.item("security.waf"), "done", actor=Actor.current("alice"))
    actions.mark(store, probed_checklist.item("go-live.infra.cluster"), "failed", actor=Actor.current("bob"))
    app = app_factory(probed_checklist)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("4")
        await pilot.pause()
        table = app.screen.query_one("#audit", DataTable)
        assert [table.get_row_at(r)[2] for r in range(table.row_count)] == ["bob", "alice"]
        assert "2 entries — ✓ chain intact" in text_of(app, "#verify")


async def test_read_only_refuses_every_change(app_factory, probed_checklist, store) -> None:
    app = app_factory(probed_checklist, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        assert "READ-ONLY" in text_of(app, "#header")
        for key in ("d", "space", "p", "e", "w", "G"):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, MainScreen), key  # no modal opened
        await pilot.press("3", "a", "r")
        await settle(pilot)
        assert isinstance(app.screen, SignoffScreen)
        assert not store.path.exists()
        assert any("read-only" in n for n in notes(app))


async def test_live_reload_keeps_an_open_modal(app_factory, probed_checklist, store) -> None:
    app = app_factory(probed_checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e", *"half-typed")
        await pilot.pause()
        actions.mark(store, probed_checklist.item("security.waf"), "failed", actor=Actor.current("other-captain"))
        await pilot.pause(1.3)  # one poll period
        assert isinstance(app.screen, NoteModal)
        assert app.screen.query_one("#note", Input).value == "half-typed"
        assert app.state.item("security.waf").status == "failed"
        await pilot.press("escape")
        await pilot.pause()
        assert cell(app, "security.waf", "status") == "✗ failed"


async def test_unparsable_state_keeps_last_view_and_file(app_factory, probed_checklist, store) -> None:
    actions.mark(store, probed_checklist.item("security.waf"), "done", actor=Actor.current())
    app = app_factory(probed_checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        store.path.write_text("this is = = not toml")
        await pilot.pause(1.3)
        assert cell(app, "security.waf", "status") == "✓ done"
        assert any("unreadable" in n for n in notes(app))
        await pilot.press("x")
        await settle(pilot)
        assert store.path.read_text() == "this is = = not toml"


async def test_shipped_checklist_at_80x24_and_160x48(app_factory, shipped_checklist, store) -> None:
    total = len(list(shipped_checklist.items()))
    for size in ((80, 24), (160, 48)):
        app = app_factory(shipped_checklist)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            assert len(app.screen.rows) == total
            assert shipped_checklist.title in text_of(app, "#header")
            first = app.screen.rows[0]
            await pilot.press("d")
            await settle(pilot)
            assert store.read().item(first.key).status == "done"
            await pilot.press("slash", *"node")
            await pilot.pause()
            assert "go-live.infrastructure.node-groups" in [i.key for i in app.screen.rows]
