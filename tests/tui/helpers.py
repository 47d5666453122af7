"""Small helpers shared by the Pilot tests: read a table cell, wait for workers, read notifications."""

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
    """Yield to the app until `predicate` holds (results arrive as messages after the worker ends)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.02)


async def fill(pilot, selector: str, text: str) -> None:
    """Put text in an Input of the current screen (typing long strings key by key is slow)."""
    from textual.widgets import Input

    box = pilot.app.screen.query_one(selector, Input)
    box.focus()
    box.value = text
    await pilot.pause()
