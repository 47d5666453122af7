"""Issue 18 in the cockpit: text from a person or a remote server never reaches the terminal with
its control characters, in read-only too; a record that fails verification says TAMPERED in the
header."""

from __future__ import annotations

import tomllib

import pytest

from golive_tui import actions
from golive_tui.actor import Actor
from golive_tui.engine import ItemResult
from golive_tui.probes.base import ProbeResult, Verdict
from golive_tui.tui.modals.entry import EntryModal
from golive_tui.tui.screens.item import ItemScreen

from .helpers import screen_text, text_of

HOSTILE = (
    "fine\x1b[2J\x1b]0;pwned title\x07 see \x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\ "
    "bell\x07 back\x08\x08 over\rwritten\x9b31m"
)
FORBIDDEN = ("\x1b", "\x07", "\x08", "\r", "\x9b")


def assert_clean(text: str, where: str) -> None:
    found = [repr(c) for c in FORBIDDEN if c in text]
    assert not found, f"{where}: {found} reached the screen"


@pytest.fixture
def hostile_store(store, probed_checklist):
    item = probed_checklist.item("go-live.infra.cluster")
    evil = Actor.current("mallory")
    actions.annotate(store, item, note=HOSTILE, evidence="https://x\x1b[2J", actor=evil)
    actions.record_results(
        store,
        [
            ItemResult(
                item, ProbeResult(Verdict.FAIL, "remote said " + HOSTILE, "evidence " + HOSTILE)
            )
        ],
        actor=evil,
    )
    return store


@pytest.mark.parametrize("read_only", [False, True], ids=["writable", "read-only"])
async def test_hostile_text_never_reaches_the_screen(
    app_factory, probed_checklist, hostile_store, read_only
) -> None:
    app = app_factory(probed_checklist, read_only=read_only)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for where in ("main", "item", "audit", "entry", "signoff", "performance"):
            if where == "item":
                await pilot.press("1", "enter")
            elif where == "audit":
                await pilot.press("4")
            elif where == "entry":
                await pilot.press("enter")
            elif where == "signoff":
                await pilot.press("escape", "3")
            elif where == "performance":
                await pilot.press("2")
            await pilot.pause()
            shown = screen_text(app)
            assert_clean(shown, where)
            assert_clean(app.export_screenshot(), where + " (svg)")
            if where == "item":
                assert isinstance(app.screen, ItemScreen)
                assert "fine␛[2J␛]0;pwned title␇ see ␛]8;;https://evil.example␛\\link" in text_of(
                    app, "#item-detail"
                )
                assert "back␈␈ over␍written" in text_of(app, "#item-detail")
            if where == "entry":
                assert isinstance(app.screen, EntryModal)
                assert "␛[2J" in text_of(app, "#entry")


async def test_a_hostile_title_from_an_imported_checklist_is_shown_not_sent(
    app_factory, store
) -> None:
    from golive_tui.model import Checklist

    from .conftest import MINI

    raw = tomllib.loads(MINI.read_text())
    raw["section"][0]["subsection"][0]["item"][0]["title"] = (
        "Cluster\x1b]0;owned\x07 [bold]markup[/bold]"
    )
    raw["section"][0]["subsection"][0]["item"][0]["owner"] = "Ops\x1b[31m"
    app = app_factory(Checklist.model_validate(raw))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        shown = screen_text(app)
        assert_clean(shown, "main")
        assert "Cluster␛]0;owned␇ [bold]markup[/bold]" in shown  # and markup is text, not style


async def test_a_tampered_record_says_so_in_place_of_the_badge(
    app_factory, probed_checklist, store
) -> None:
    actions.mark(store, probed_checklist.item("security.waf"), "failed", actor=Actor.current())
    text = store.path.read_text().replace(
        'status = "failed"', 'status = "done"', 1
    )  # edited by hand
    store.path.write_text(text)
    app = app_factory(probed_checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        header = text_of(app, "#header")
        assert header.startswith(" TAMPERED: ") and "GO" not in header.split("TAMPERED", 1)[0]
        await pilot.press("4")
        await pilot.pause()
        assert "✗ TAMPERED" in text_of(app, "#verify")
