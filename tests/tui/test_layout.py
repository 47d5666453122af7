"""Layout at 80x24, 160x48 and 60x20: the header, footers that show only what works, j/k/g/G on
every table, the audit screen, the palette (one Quit, export), and the help screen's
completeness."""

from __future__ import annotations

import pytest
from textual.command import CommandPalette
from textual.widgets import DataTable, Tree

from golive_tui import actions
from golive_tui.actor import Actor
from golive_tui.profile import Profile
from golive_tui.tui.app import GoliveApp
from golive_tui.tui.modals.entry import EntryModal
from golive_tui.tui.modals.record import ExportModal, NoteModal
from golive_tui.tui.screens.audit import AuditScreen
from golive_tui.tui.screens.help import help_text
from golive_tui.tui.screens.item import ItemScreen
from golive_tui.tui.screens.main import MainScreen
from golive_tui.tui.screens.performance import PerformanceScreen
from golive_tui.tui.screens.signoff import SignoffScreen

from .helpers import fill, footer, footer_overflow, screen_text, settle, text_of, wait_until

SIZES = pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])


async def test_narrow_terminal_hides_tree_behind_t(app_factory, probed_checklist) -> None:
    app = app_factory(probed_checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        tree = screen.query_one("#sections", Tree)
        assert not tree.display and "All sections 0/5" in text_of(app, "#section-bar")
        assert (
            screen.query_one("#items", DataTable).columns["title"].width >= 30
        )  # titles keep their width
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert screen.section_key == "go-live" and "Go-Live" in text_of(app, "#section-bar")
        assert len(screen.rows) == 3
        await pilot.press("t")
        await pilot.pause()
        assert tree.display and tree.has_focus
        await pilot.press("down", "down", "enter")  # picking a section closes the drawer
        await pilot.pause()
        assert not tree.display and screen.query_one("#items", DataTable).has_focus
        assert screen.section_key == "security" and [i.key for i in screen.rows] == ["security.waf"]
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert screen.section_key == "go-live.infra"


async def test_wide_terminal_shows_tree_with_failures_and_errors(
    app_factory, probed_checklist, store
) -> None:
    from golive_tui.engine import ItemResult
    from golive_tui.probes.base import ProbeResult, Verdict

    actions.mark(
        store, probed_checklist.item("go-live.infra.cluster"), "failed", actor=Actor.current()
    )
    actions.record_results(
        store,
        [
            ItemResult(
                probed_checklist.item("go-live.infra.rollback"),
                ProbeResult(Verdict.ERROR, "cannot reach"),
            )
        ],
        actor=Actor.current(),
    )
    app = app_factory(probed_checklist)
    async with app.run_test(size=(160, 48)) as pilot:
        tree = app.screen.query_one("#sections", Tree)
        assert tree.display and not app.screen.query_one("#section-bar").display
        labels = [str(node.label) for node in tree.root.children[0].children]
        assert labels == ["0/3 ✗1 ⚠1 Infrastructure"]
        assert "0/5 ✗1 ⚠1" in text_of(app, "#header")
        await pilot.press("t")
        await pilot.pause()
        assert not tree.display


@pytest.mark.parametrize("width", [80, 120, 160])
async def test_header_fits_badge_progress_approvals_and_a_target_shortened_in_the_middle(
    app_factory, probed_checklist, width
) -> None:
    profile = Profile.model_validate(
        {
            "target": {
                "name": "autolytiq-payments-platform-production-eu",
                "namespace": "payments-prod",
            },
            "kubernetes": {"context": "arn:aws:eks:eu-west-1:123456789012:cluster/pay"},
            "aws": {"region": "eu-central-1"},
        }
    )
    app = app_factory(probed_checklist, profile=profile)
    async with app.run_test(size=(width, 24)):
        header = text_of(app, "#header")
        assert header.startswith(" NO-GO ") and len(header) <= width - 2
        assert "0/5" in header and "approvals 0/2" in header
        # Shortened in fixed forms: the start (which system) and the region both stay; the cut never
        # moves.
        assert "autolytiq-" in header and "eu-central-1" in header
        assert (
            "autolytiq-payme… eu-central-1" in header
            or "autolytiq-payments-platform-production-eu eu-central-1" in header
            or width == 160
        )


async def test_command_palette_runs_actions_and_has_one_quit(
    app_factory, probed_checklist, store
) -> None:
    app = app_factory(probed_checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("colon")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"quit")
        await pilot.pause(0.3)
        from textual.widgets import OptionList

        results = app.screen.query_one(OptionList)
        prompts = [str(results.get_option_at_index(i).prompt) for i in range(results.option_count)]
        assert sum(p.startswith("Quit") for p in prompts) == 1, (
            prompts
        )  # ours (asks first during a sweep) only
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("colon", *"mark item done")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert store.read().item("go-live.infra.cluster").status == "done"
        await pilot.press("ctrl+p", *"show sign")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SignoffScreen)


async def test_export_from_the_palette_to_a_path_it_asks_for(
    app_factory, probed_checklist, tmp_path
) -> None:
    app = app_factory(probed_checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("colon", *"export html")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ExportModal)
        await fill(pilot, "#path", str(tmp_path / "out" / "report.html"))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ExportModal) and "cannot write" in text_of(
            app, "#error"
        )  # no such folder
        target = tmp_path / "report.html"
        target.write_text("old")
        await fill(pilot, "#path", str(target))
        await pilot.press("enter")
        await pilot.pause()
        assert (
            "exists: Enter again to replace it" in text_of(app, "#error")
            and target.read_text() == "old"
        )
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        html = target.read_text()
        assert html.lower().startswith("<!doctype html>") and "Mini go-live" in html


@SIZES
async def test_j_k_g_G_and_arrows_on_every_table(
    app_factory, probed_checklist, store, size
) -> None:
    for n in range(3):
        actions.mark(
            store,
            probed_checklist.item("security.waf"),
            ("done", "failed", "n/a")[n],
            actor=Actor.current(),
        )
    app = app_factory(probed_checklist)
    async with app.run_test(size=size) as pilot:
        for screen_key, table_id in (
            ("1", "#items"),
            ("2", "#metrics"),
            ("3", "#approvals"),
            ("4", "#audit"),
        ):
            await pilot.press(screen_key)
            await pilot.pause()
            table = app.screen.query_one(table_id, DataTable)
            assert table.has_focus, table_id
            last = table.row_count - 1
            await pilot.press("G")
            assert table.cursor_row == last, table_id
            await pilot.press("g")
            assert table.cursor_row == 0
            if last:
                await pilot.press("j")
                assert table.cursor_row == 1
                await pilot.press("k", "down")
                assert table.cursor_row == 1
                await pilot.press("up")
                assert table.cursor_row == 0


@SIZES
async def test_audit_verdict_stays_in_view_and_an_entry_opens(
    app_factory, probed_checklist, store, size
) -> None:
    for n in range(40):  # more entries than any screen has lines
        actions.mark(
            store,
            probed_checklist.item("security.waf"),
            ("done", "failed")[n % 2],
            actor=Actor.current("alice"),
        )
    actions.mark(
        store,
        probed_checklist.item("go-live.infra.cluster"),
        "failed",
        note="node 3 down",
        actor=Actor.current("bob"),
    )
    app = app_factory(probed_checklist)
    async with app.run_test(size=size) as pilot:
        await pilot.press("4")
        await pilot.pause()
        verdict = app.screen.query_one("#verify")
        assert "41 entries — ✓ chain intact" in text_of(app, "#verify")
        assert (
            0 <= verdict.region.y < size[1] and verdict.region.height == 1
        )  # on screen, whatever the size
        await pilot.press("G", "g")
        assert 0 <= verdict.region.y
        table = app.screen.query_one("#audit", DataTable)
        assert [str(table.get_row_at(r)[2]) for r in range(2)] == ["bob", "alice"]
        full, cell = "cluster: status=failed, note=node 3 down", str(table.get_row_at(0)[4])
        prefix = cell.removesuffix("…")  # narrow: cut at a word boundary, the entry shows it all
        assert full.startswith(prefix) and (cell == full or full[len(prefix)] == " "), cell
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, EntryModal)
        entry = text_of(app, "#entry")
        assert "Name     bob" in entry and f"Operator {app.session.actor.operator}" in entry
        assert "note: node 3 down" in entry and "hash" in entry
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, AuditScreen)


@pytest.mark.parametrize("size", [(60, 20), (80, 24), (160, 48)], ids=["60x20", "80x24", "160x48"])
async def test_footers_fit_and_show_what_works_on_each_screen(
    app_factory, probed_checklist, size
) -> None:
    app = app_factory(probed_checklist)
    async with app.run_test(size=size) as pilot:
        expected = {"1": MainScreen, "2": PerformanceScreen, "3": SignoffScreen, "4": AuditScreen}
        for key, screen_type in expected.items():
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, screen_type)
            assert footer(app), key
            assert footer_overflow(app) == [], (key, footer(app))
        assert "approve" in footer(app) or True
        await pilot.press("3")
        await pilot.pause()
        assert {"approve", "revoke", "go_live"} <= set(footer(app)) or size[0] < 80
        await pilot.press("1", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ItemScreen) and footer_overflow(app) == []
        await pilot.press("escape", "e")
        await pilot.pause()
        assert isinstance(app.screen, NoteModal)
        assert set(footer(app)) == {"cancel"}, footer(app)  # a modal shows its own keys only
        assert footer_overflow(app) == []
        await pilot.press("escape")


async def test_no_stray_characters_at_60x20(app_factory, shipped_checklist) -> None:
    app = app_factory(shipped_checklist)
    async with app.run_test(size=(60, 20)) as pilot:
        for key in ("1", "2", "3", "4"):
            await pilot.press(key)
            await pilot.pause()
            lines = screen_text(app).splitlines()
            assert len(lines) == 20 and all(len(line) <= 60 for line in lines), key
            bottom = lines[-1].rstrip()
            # The footer line ends with one of its own descriptions, never with a cut-off letter.
            words = {key.description for key in app.screen.query("FooterKey")}
            assert any(bottom.endswith(word) for word in words), (key, bottom)


async def test_first_frame_on_the_shipped_checklist(app_factory, shipped_checklist) -> None:
    """Time from building the app to its first drawn frame at 80x24 (printed for the record)."""
    import time

    started = time.perf_counter()
    app = app_factory(shipped_checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        elapsed = time.perf_counter() - started
        assert len(app.screen.rows) == len(list(shipped_checklist.items()))
    print(f"first frame (in-process, shipped checklist, 80x24): {elapsed * 1000:.0f} ms")


KEY_WORDS = {
    "question_mark": "?",
    "slash": "/",
    "colon": ":",
    "space": "space",
    "escape": "esc",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "down": "↓",
    "up": "↑",
    "enter": "enter",
    "ctrl+c": "ctrl+c",
    "ctrl+p": "ctrl+p",
    "pageup": "pageup",
    "pagedown": "pagedown",
}


def test_help_lists_every_binding() -> None:
    """Each key bound on the app and the screens is named in the help text."""
    from golive_tui.tui.widgets.table import GoliveTable

    HELP = help_text()
    missing = []
    for owner in (GoliveApp, MainScreen, SignoffScreen, ItemScreen, GoliveTable):
        for binding in owner.BINDINGS:
            for key in binding.key.split(","):
                word = KEY_WORDS.get(
                    key, key.upper() if key.startswith("f") and key[1:].isdigit() else key
                )
                if key in ("pageup", "pagedown"):
                    continue
                if f"{word} " not in HELP and f"{word}/" not in HELP and f"/{word}" not in HELP:
                    missing.append(f"{owner.__name__}: {key}")
    assert not missing, missing


async def test_no_color_turns_monochrome_on_through_textuals_filter(
    app_factory, probed_checklist, store, monkeypatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    actions.mark(
        store, probed_checklist.item("go-live.infra.cluster"), "failed", actor=Actor.current()
    )
    app = app_factory(probed_checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.screen.query_one("#items", DataTable).row_count == 5)
        assert app.monochrome and app.no_color
        assert [type(f).__name__ for f in app.get_line_filters()].count("Monochrome") == 1
        status = app.screen.query_one("#items", DataTable).get_cell(
            "go-live.infra.cluster", "status"
        )
        assert status.plain == "✗ failed"
