"""Small helpers shared by the Pilot tests: read a table cell, wait for workers, read
notifications."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.widgets import DataTable


def cell(app, key: str, column: str, table: str = "#items") -> str:
    value = app.screen.query_one(table, DataTable).get_cell(key, column)
    return getattr(value, "plain", str(value))


def text_of(app, selector: str) -> str:
    """The plain text a Static (or any widget) renders."""
    rendered = app.screen.query_one(selector).render()
    return getattr(rendered, "plain", str(rendered))


def notes(app) -> list[str]:
    return [n.message for n in app._notifications]


async def settle(pilot) -> None:
    """Let pending messages run, then wait for every worker (state writes, probe runs)."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def wait_until(pilot, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Yield to the app until `predicate` holds, then let the pages draw it.

    A predicate on the cockpit state (`not app.cockpit.running`) holds as soon as the state
    changed; the pages redraw on the CockpitChanged message that follows, hence the last pause.
    """
    deadline = time.monotonic() + timeout
    while not predicate() or not drawn(pilot.app):
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.02)


async def swept(pilot, timeout: float = 5.0) -> None:
    """Wait until the latest sweep has ended as the cockpit records it, and the pages drew it.

    `summary_shown` is set once the sweep's last results are saved (`Cockpit.ended`); "not
    sweeping and nothing running" already holds while they are being saved, before the summary
    line and the first-key-after-a-sweep behaviour (`f` = first failure) exist.
    """
    cockpit = pilot.app.cockpit
    await wait_until(
        pilot,
        lambda: (
            cockpit.sweep_run is not None
            and not cockpit.sweeping
            and not cockpit.running
            and cockpit.summary_shown
        ),
        timeout=timeout,
    )
    await pilot.pause()


def drawn(app) -> bool:
    """Every page on the stack has drawn the cockpit's latest state (its CockpitChanged is
    handled)."""
    from golive_tui.tui.screens.base import Page

    cockpit = getattr(app, "cockpit", None)
    return cockpit is None or all(
        screen.drawn == cockpit.version
        for screen in app.screen_stack
        if isinstance(screen, Page) and screen.is_mounted
    )


async def fill(pilot, selector: str, text: str) -> None:
    """Put text in an Input of the current screen (typing long strings key by key is slow)."""
    from textual.widgets import Input

    box = pilot.app.screen.query_one(selector, Input)
    box.focus()
    box.value = text
    await pilot.pause()


def screen_text(app) -> str:
    """Every character of the current screen (modals over their background), as the terminal shows
    it.

    Rendered the way `App.export_screenshot` renders, but kept as text: a control character in
    any segment would be here as itself.
    """
    import io

    from rich.console import Console

    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    console.print(
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    )
    return console.export_text(styles=False)


def footer(app) -> dict[str, str]:
    """What the current screen's footer offers: action -> key as shown."""
    from textual.widgets._footer import FooterKey

    return {key.action: key.key_display for key in app.screen.query(FooterKey)}


def footer_overflow(app) -> list[str]:
    """Footer keys that do not fit on the screen (they would leave stray characters)."""
    from textual.widgets._footer import FooterKey

    width = app.size.width
    return [
        key.action
        for key in app.screen.query(FooterKey)
        if key.region.right > width or key.region.width == 0
    ]
