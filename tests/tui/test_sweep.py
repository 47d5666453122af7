"""Pilot tests of the sweep: never blocks, paging probes held for `p` (Cancel first), progress and a
summary with the sweep's own wall time until the next key, the first failure one key away, results
saved in batches, warm clients, cancel and quit."""

from __future__ import annotations

import re
import time

import pytest
from textual.widgets import Button, DataTable

from golive_tui.tui.modals.base import ConfirmModal
from golive_tui.tui.screens.main import MainScreen

from .conftest import RELEASE, mini_with_probes, with_test_probes
from .helpers import cell, footer, notes, settle, swept, text_of, wait_until

SIZES = pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
SUMMARY = re.compile(
    r"(\d+) probed in (\d+\.\d) s: (\d+) ✓ (?:(\d+) ≈ )?(\d+) ✗ (\d+) ⚠(?: (\d+) skipped)?"
)


def sweep_checklist():
    return mini_with_probes(
        {
            "go-live.infra.cluster": [
                {"kind": "test.slow", "params": {"seconds": 10.0, "held": True}}
            ],
            "go-live.infra.on-call": [{"kind": "test.page", "confirm": True}],
            "go-live.infra.rollback": [{"kind": "test.echo", "params": {"verdict": "fail"}}],
            "security.waf": [{"kind": "test.echo", "params": {"verdict": "error"}}],
            "performance.p95": [
                {"kind": "test.echo", "params": {"verdict": "acceptable", "value": 320.0}}
            ],
        }
    )


@SIZES
async def test_sweep_never_asks_holds_paging_probes_and_summarises(
    app_factory, probe_kinds, store, size
) -> None:
    app = app_factory(sweep_checklist())
    async with app.run_test(size=size) as pilot:
        await pilot.press("R")
        await wait_until(pilot, lambda: app.cockpit.sweep_run.done == 3)
        await pilot.press(
            "j", "j"
        )  # typing on while it runs: the keys move the cursor, no dialog eats them
        assert app.cockpit.sweeping
        RELEASE.set()  # the slow probe answers
        await swept(pilot)
        assert isinstance(app.screen, MainScreen) and probe_kinds == []  # nothing paged anyone
        assert app.screen.query_one(DataTable).cursor_row == 2
        summary = text_of(app, "#sweep")
        found = SUMMARY.search(summary)
        assert found, summary
        assert found.group(1) == "4" and found.groups()[2:] == ("1", "1", "1", "1", None)
        assert float(found.group(2)) == pytest.approx(app.cockpit.sweep_run.wall, abs=0.05)
        assert summary.endswith("· 1 to confirm (p)") and "next_failure" in footer(app)
        assert cell(app, "go-live.infra.on-call", "verdict") == "? confirm"
        assert store.read().item("go-live.infra.on-call").probe is None
        assert "⚠1" in text_of(app, "#header") and "✗1" in text_of(app, "#header")
        await pilot.press("f")  # the key that clears the summary also jumps to the first failure
        await pilot.pause()
        assert app.screen.current_item().key == "go-live.infra.rollback"
        assert not app.screen.query_one("#sweep").display
        await pilot.press("f")
        await pilot.pause()
        assert app.screen.current_item().key == "security.waf"  # then the next one


async def test_progress_line_while_running(app_factory, probe_kinds) -> None:
    checklist = mini_with_probes(
        {
            "go-live.infra.cluster": [{"kind": "test.echo"}],
            "security.waf": [{"kind": "test.slow", "params": {"seconds": 30}}],
        }
    )
    app = app_factory(checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("R")
        await wait_until(pilot, lambda: "probing 1/2 · ✓1" in text_of(app, "#sweep"))
        assert "running" in cell(app, "security.waf", "verdict")
        await pilot.press("escape")
        await swept(pilot)
        assert text_of(app, "#sweep").startswith("cancelled: 1 probed in")
        assert cell(app, "security.waf", "verdict") == ""


async def test_paging_probe_runs_only_from_p_with_cancel_as_default(
    app_factory, probe_kinds, store
) -> None:
    app = app_factory(sweep_checklist())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("j", "p")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, ConfirmModal) and modal.focused is modal.query_one(
            "#cancel", Button
        )
        await pilot.press("y")  # no single key confirms a page
        await pilot.press("enter")  # Enter is Cancel
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert probe_kinds == [] and store.read().item("go-live.infra.on-call").probe is None
        await pilot.press("p")
        await pilot.pause()
        await pilot.click("#ok")
        await wait_until(
            pilot, lambda: store.read().item("go-live.infra.on-call").probe is not None
        )
        assert probe_kinds == [True]
        assert store.read().item("go-live.infra.on-call").probe.summary == "paged (confirmed=True)"


async def test_results_are_saved_in_batches_and_clients_stay_warm(
    app_factory, shipped_checklist, probe_kinds, store
) -> None:
    """Every probed item of the shipped checklist answered by test.echo: one sweep, a few saves."""
    checklist = with_test_probes(shipped_checklist, "test.echo")
    probed = sum(1 for i in checklist.items() if i.probe and not any(s.confirm for s in i.probe))
    saves = []
    original = store.transact

    def counting(build, actor):
        saves.append(1)
        return original(build, actor)

    store.transact = counting
    app = app_factory(checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        clients = app.session.clients
        await pilot.press("R")
        await swept(pilot)
        assert len([k for k, v in store.read().items.items() if v.probe]) == probed
        assert len(saves) < probed / 4, (
            len(saves),
            probed,
        )  # results within ~100 ms share one transaction
        await pilot.press("R")
        await swept(pilot)
        assert app.session.clients is clients  # the second sweep reuses the first one's clients


async def test_escape_cancels_running_probes(app_factory, probe_kinds, store) -> None:
    checklist = mini_with_probes({"go-live.infra.cluster": [{"kind": "test.slow"}]})
    app = app_factory(checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("p")
        await pilot.pause(0.6)  # a couple of spinner frames
        assert "running" in cell(app, "go-live.infra.cluster", "verdict")
        started = time.monotonic()
        await pilot.press("escape")
        await wait_until(pilot, lambda: not app.cockpit.running)
        assert time.monotonic() - started < 3
        assert "probes cancelled" in notes(app)
        assert cell(app, "go-live.infra.cluster", "verdict") == ""
        assert not store.path.exists()


@pytest.mark.parametrize("key", ["q", "ctrl+c"])
async def test_quitting_during_a_sweep_asks_then_cancels_and_says_so(
    app_factory, probe_kinds, key
) -> None:
    checklist = mini_with_probes(
        {"go-live.infra.cluster": [{"kind": "test.slow"}], "security.waf": [{"kind": "test.echo"}]}
    )
    app = app_factory(checklist)
    started = time.monotonic()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("R")
        await wait_until(
            pilot, lambda: app.cockpit.sweep_run is not None and app.cockpit.sweep_run.done == 1
        )
        engines = set(app.cockpit.engines)
        await pilot.press(key)
        await pilot.pause()
        assert isinstance(
            app.screen, ConfirmModal
        ) and "A sweep is running (1/2 probed)" in text_of(app, ".dialog-title")
        await pilot.press("escape")  # stay
        await pilot.pause()
        assert app.is_running and app.cockpit.sweeping
        await pilot.press(key, "y")
        await pilot.pause()
    assert all(engine.cancel_event.is_set() for engine in engines)
    assert app.quit_note.startswith("golive: sweep cancelled (1/2 probed)")
    assert app.session.store.read().item("security.waf").probe is not None  # what arrived was saved
    assert time.monotonic() - started < 10


async def test_ctrl_c_quits_at_once_when_nothing_runs(app_factory, probed_checklist) -> None:
    app = app_factory(probed_checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+c")
        await pilot.pause()
    assert not app.is_running and app.quit_note == ""


async def test_monochrome_spinner_is_static_and_words_carry_meaning(
    app_factory, probe_kinds
) -> None:
    checklist = mini_with_probes({"go-live.infra.cluster": [{"kind": "test.slow"}]})
    app = app_factory(checklist, monochrome=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("j", "x")
        await settle(pilot)
        await pilot.press("k", "p")
        await pilot.pause(0.6)
        table = app.screen.query_one("#items", DataTable)
        assert table.get_cell("go-live.infra.cluster", "verdict").plain == "… running"
        assert table.get_cell("go-live.infra.on-call", "status").plain == "✗ failed"
        assert any(type(f).__name__ == "Monochrome" for f in app.get_line_filters())
        await pilot.press("escape")
        await settle(pilot)


async def test_keys_typed_on_the_first_frame_reach_the_cockpit(
    store, probe_kinds, tmp_path
) -> None:
    """R pressed while the preview shows (the session still loading) sweeps once the cockpit is
    there."""
    import threading

    from golive_tui.actor import Actor
    from golive_tui.profile import Profile
    from golive_tui.session import Session
    from golive_tui.tui.app import GoliveApp
    from golive_tui.tui.preview import PreviewScreen

    from .conftest import FIXED_NOW, MINI

    checklist, release = sweep_checklist(), threading.Event()

    def slow_loader() -> Session:  # validating a big checklist on a loaded bastion
        assert release.wait(10)
        return Session(
            checklist, Profile(), store, Actor.current("captain", clock=lambda: FIXED_NOW)
        )

    app = GoliveApp(
        loader=slow_loader,
        preview=(str(MINI), str(tmp_path / "none.toml")),
        clock=lambda: FIXED_NOW,
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("j", "R")
        assert isinstance(app.screen, PreviewScreen) and app.session is None
        release.set()
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))
        await wait_until(pilot, lambda: app.cockpit.sweep_run is not None)
        RELEASE.set()
        await swept(pilot)
        assert (
            app.screen.query_one(DataTable).cursor_row == 1
        )  # the j, then the R, in the order typed
        assert SUMMARY.search(text_of(app, "#sweep")), text_of(app, "#sweep")
