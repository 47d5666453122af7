"""The action registry is the only list of keys: footer, palette, help and read-only gating all
follow it.

Old code: a writing key was declared in a screen's BINDINGS, in commands.py, in WRITES/WRITE_KEYS
or APP_WRITES and in the help text; an action added in one place was missing from the others.
"""

from __future__ import annotations

import pytest
from textual.command import CommandPalette

from golive_tui.tui import keymap
from golive_tui.tui.commands import GoliveCommands
from golive_tui.tui.screens.base import Page
from golive_tui.tui.screens.help import HelpScreen
from golive_tui.tui.screens.main import MainScreen

from .helpers import footer, notes, settle, text_of

ZAP = keymap.Action(
    action="zap",
    keys="z",
    label="Zap",
    title="Zap the selected item",
    help="zap the item",
    group="Record",
    scope="main",
    show=True,
    writes=True,
)


async def palette_titles(app) -> list[str]:
    provider = GoliveCommands(app.screen)
    return [str(hit.text) async for hit in provider.discover()]


async def test_an_action_added_to_the_registry_is_in_the_footer_the_palette_and_help(
    app_factory, probed_checklist, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(keymap, "REGISTRY", [*keymap.REGISTRY, ZAP])

    class ZapScreen(MainScreen):  # what importing main.py does, with the action registered first
        BINDINGS = keymap.bindings("main")

        def action_zap(self) -> None:
            self.app.notify("zapped")

    app = app_factory(probed_checklist)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        app.push_screen(ZapScreen())
        await pilot.pause()
        assert footer(app)["zap"] == "z"
        assert "Zap the selected item" in await palette_titles(app)
        await pilot.press("z")
        await pilot.pause()
        assert "zapped" in notes(app)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "z        zap the item" in text_of(app, "#help")


async def test_read_only_the_registry_alone_decides_what_writes(
    app_factory, probed_checklist, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Marked `writes` in the registry: out of the footer and the palette, refused with a word —
    nothing else to edit."""
    monkeypatch.setattr(keymap, "REGISTRY", [*keymap.REGISTRY, ZAP])

    class ZapScreen(MainScreen):
        BINDINGS = keymap.bindings("main")

        def action_zap(self) -> None:  # pragma: no cover - must never run read-only
            raise AssertionError("a writing action ran in a read-only session")

    app = app_factory(probed_checklist, read_only=True)
    async with app.run_test(size=(160, 48)) as pilot:
        app.push_screen(ZapScreen())
        await pilot.pause()
        assert "zap" not in footer(app)
        assert "Zap the selected item" not in await palette_titles(app)
        await pilot.press("z")
        await settle(pilot)
        assert any("read-only" in n for n in notes(app))


@pytest.mark.parametrize("scope", ["app", "main", "item", "signoff", "performance"])
async def test_every_writing_key_of_the_registry_is_refused_read_only(
    app_factory, probed_checklist, store, scope
) -> None:
    """Walks the registry (not a list of keys): each writing key, pressed where it applies, writes
    nothing."""
    scopes = ("app",) if scope == "app" else keymap.SCOPES_OF_SCREEN[scope]
    writers = [a for a in keymap.REGISTRY if a.writes and a.keys and a.scope in scopes]
    assert writers
    app = app_factory(probed_checklist, read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        opened = {"item": "enter", "signoff": "3", "performance": "2"}.get(scope)
        if opened:
            await pilot.press(opened)
            await pilot.pause()
        screen = app.screen
        assert isinstance(screen, Page)
        for action in writers:
            node = app if action.scope == "app" else screen
            assert node.check_action(action.name, ()) is False, action
            for key in action.keys.split(","):
                await pilot.press(key)
                await settle(pilot)
                assert app.screen is screen, (action, key)  # no dialog, no other page
                assert not isinstance(app.screen, CommandPalette)
        assert not store.path.exists()
        assert not app.cockpit.running and app.cockpit.sweep_run is None
