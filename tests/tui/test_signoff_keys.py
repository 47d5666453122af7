"""The sign-off screen from the keyboard: the Why NO-GO entries take focus, move with j/k, and enter
opens the item — the flow the README describes (`3`, tab to the list, enter), at 80x24."""

from __future__ import annotations

import pytest

from golive_tui.tui.screens.item import ItemScreen
from golive_tui.tui.screens.signoff import BlockerList, SignoffScreen

from .helpers import settle

SIZES = pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])


def blocker_keys(app) -> list[str]:
    blockers = app.screen.query_one(BlockerList)
    return [blockers.get_option_at_index(i).id or "" for i in range(blockers.option_count)]


@SIZES
async def test_why_no_go_entries_focus_move_and_open_their_item(
    app_factory, probed_checklist, store, size
) -> None:
    app = app_factory(probed_checklist)
    async with app.run_test(size=size) as pilot:
        await pilot.press("3")
        await settle(pilot)
        assert isinstance(app.screen, SignoffScreen)
        ids = blocker_keys(app)
        items = [i for i in ids if i.startswith("item:")]
        assert len(items) >= 2, ids
        await pilot.press("tab")  # from the approvals table to the Why NO-GO list
        await settle(pilot)
        blockers = app.screen.query_one(BlockerList)
        assert blockers.has_focus, app.focused
        assert blockers.highlighted == 0
        await pilot.press("j")
        assert blockers.highlighted == 1
        await pilot.press("k", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ItemScreen)
        assert app.screen.item.key == items[0].split(":")[1]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, SignoffScreen)
        assert blockers.has_focus  # back where it was
        await pilot.press("j", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ItemScreen) and app.screen.item.key == items[1].split(":")[1]
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press(
            "tab", "tab"
        )  # two stops, the approvals and the list: tab tab comes back to the list
        assert app.screen.query_one(BlockerList).has_focus, app.focused
        await pilot.press(
            "tab", "enter"
        )  # enter on the approvals goes to the list, the next enter opens
        assert app.screen.query_one(BlockerList).has_focus, app.focused
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ItemScreen)
