"""Layout at 80x24 vs wide, the command palette, the header's target and the help screen's completeness."""

from __future__ import annotations

from textual.command import CommandPalette
from textual.widgets import DataTable, Tree

from golive_tui.actor import Actor
from golive_tui.profile import Profile
from golive_tui.tui.app import GoliveApp
from golive_tui.tui.main_screen import MainScreen
from golive_tui.tui.screens import HELP, SignoffScreen

from .helpers import settle, text_of


async def test_narrow_terminal_hides_tree_behind_t(app_factory, probed_checklist) -> None:
    app = app_factory(probed_checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        tree = screen.query_one("#sections", Tree)
        assert not tree.display and "All sections 0/5" in text_of(app, "#section-bar")
        assert screen.query_one("#items", DataTable).columns["title"].width >= 30  # titles keep their width
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert screen.section_key == "go-live" and "Go-Live 0/3" in text_of(app, "#section-bar")
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


async def test_wide_terminal_shows_tree_with_section_progress(app_factory, probed_checklist, store) -> None:
    from golive_tui import actions

    actions.mark(store, probed_checklist.item("go-live.infra.cluster"), "failed", actor=Actor.current())
    app = app_factory(probed_checklist)
    async with app.run_test(size=(160, 48)) as pilot:
        tree = app.screen.query_one("#sections", Tree)
        assert tree.display and not app.screen.query_one("#section-bar").display
        labels = [str(node.label) for node in tree.root.children[0].children]
        assert labels == ["0/3 ✗1 Infrastructure"]
        await pilot.press("t")
        await pilot.pause()
        assert not tree.display


async def test_command_palette_runs_actions(app_factory, probed_checklist, store) -> None:
    app = app_factory(probed_checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("colon")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"mark item done")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert store.read().item("go-live.infra.cluster").status == "done"
        await pilot.press("ctrl+p", *"show sign")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SignoffScreen)


async def test_header_names_the_target(app_factory, probed_checklist) -> None:
    profile = Profile.model_validate({"target": {"name": "shop", "namespace": "shop-prod"},
                                      "kubernetes": {"context": "prod-eu"}, "aws": {"region": "eu-central-1"}})
    app = app_factory(probed_checklist, profile=profile)
    async with app.run_test(size=(160, 48)):
        header = text_of(app, "#header")
        assert header.startswith(" NO-GO ") and "Mini go-live" in header
        assert "shop ctx:prod-eu ns:shop-prod eu-central-1" in header


KEY_WORDS = {"question_mark": "?", "slash": "/", "colon": ":", "space": "space", "escape": "esc",
             "left_square_bracket": "[", "right_square_bracket": "]", "down": "↓", "up": "↑"}


def test_help_lists_every_binding() -> None:
    """Each key bound on the app, the main screen and the sign-off screen is named in the help text."""
    missing = []
    for owner in (GoliveApp, MainScreen, SignoffScreen):
        for binding in owner.BINDINGS:
            for key in binding.key.split(","):
                word = KEY_WORDS.get(key, key.upper() if key.startswith("f") and key[1:].isdigit() else key)
                if f"{word} " not in HELP and f"{word}/" not in HELP and f"/{word}" not in HELP:
                    missing.append(f"{owner.__name__}: {key}")
    assert not missing, missing


async def test_no_color_turns_monochrome_on(app_factory, probed_checklist, store, monkeypatch) -> None:
    from golive_tui import actions

    monkeypatch.setenv("NO_COLOR", "1")
    actions.mark(store, probed_checklist.item("go-live.infra.cluster"), "failed", actor=Actor.current())
    app = app_factory(probed_checklist)
    async with app.run_test(size=(80, 24)):
        assert app.monochrome
        status = app.screen.query_one("#items", DataTable).get_cell("go-live.infra.cluster", "status")
        assert status.plain == "✗ failed" and not status.style


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
    assert elapsed < 5
