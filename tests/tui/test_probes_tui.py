"""Pilot tests of probe workers: results land in the state file, confirmation, cancel, quit."""

from __future__ import annotations

import time

from textual.widgets import DataTable

from golive_tui.tui.modals import ConfirmModal

from .conftest import mini_with_probes
from .helpers import cell, notes, settle, wait_until


async def test_probe_results_land_in_state_file_and_table(app_factory, probed_checklist, store) -> None:
    app = app_factory(probed_checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("p")
        await settle(pilot)
        await wait_until(pilot, lambda: not app.running)
        record = store.read().item("go-live.infra.cluster")
        assert record.probe.verdict == "pass" and record.status == "done"
        assert record.by == "tester@ci (probe)"
        assert cell(app, "go-live.infra.cluster", "verdict") == "✓ pass"
        assert cell(app, "go-live.infra.cluster", "age") == "0s"  # checked at the injected clock's now
        await pilot.press("R")
        await settle(pilot)
        await wait_until(pilot, lambda: store.read().item("performance.p95").probe is not None and not app.running)
        assert store.read().item("performance.p95").probe.value == 320.0
        await pilot.press("2")
        await pilot.pause()
        assert app.screen.query_one(DataTable).get_cell("performance.p95", "current") == "320ms"
        assert app.screen.query_one(DataTable).get_cell("performance.p95", "verdict").plain == "≈ accept."


async def test_probe_section_runs_only_that_section(app_factory, probed_checklist, store) -> None:
    app = app_factory(probed_checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("right_square_bracket", "right_square_bracket")  # All -> Go-Live -> Infrastructure
        await pilot.pause()
        assert app.screen.section_key == "go-live.infra"
        await pilot.press("P")
        await settle(pilot)
        await wait_until(pilot, lambda: not app.running)
        state = store.read()
        assert state.item("go-live.infra.cluster").probe is not None
        assert state.item("performance.p95").probe is None


async def test_paging_probe_asks_first(app_factory, probe_kinds, store) -> None:
    checklist = mini_with_probes({"go-live.infra.on-call": [{"kind": "test.page", "confirm": True}]})
    app = app_factory(checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("j", "p")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")  # declined: nothing sent
        await settle(pilot)
        assert probe_kinds == [] and store.read().item("go-live.infra.on-call").probe is None
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        await wait_until(pilot, lambda: not app.running)
        assert probe_kinds == [True]
        assert store.read().item("go-live.infra.on-call").probe.summary == "paged (confirmed=True)"


async def test_escape_cancels_running_probes(app_factory, probe_kinds, store) -> None:
    checklist = mini_with_probes({"go-live.infra.cluster": [{"kind": "test.slow"}]})
    app = app_factory(checklist)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("p")
        await pilot.pause(0.6)  # a couple of spinner frames
        assert "running" in cell(app, "go-live.infra.cluster", "verdict")
        assert "probing 1" in str(app.screen.query_one("#header").render())
        started = time.monotonic()
        await pilot.press("escape")
        await settle(pilot)
        await wait_until(pilot, lambda: not app.running)
        assert time.monotonic() - started < 3
        assert "probes cancelled" in notes(app)
        assert cell(app, "go-live.infra.cluster", "verdict") == ""
        assert not store.path.exists()


async def test_quit_cancels_running_probes(app_factory, probe_kinds) -> None:
    checklist = mini_with_probes({"go-live.infra.cluster": [{"kind": "test.slow"}]})
    app = app_factory(checklist)
    started = time.monotonic()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("p")
        await pilot.pause()
        engines = set(app.engines)
        assert engines
        await pilot.press("q")
        await pilot.pause()
    assert all(engine.cancel_event.is_set() for engine in engines)
    assert time.monotonic() - started < 5


async def test_monochrome_spinner_is_static_and_words_carry_meaning(app_factory, probe_kinds) -> None:
    checklist = mini_with_probes({"go-live.infra.cluster": [{"kind": "test.slow"}]})
    app = app_factory(checklist, monochrome=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("j", "x")
        await settle(pilot)
        await pilot.press("k", "p")
        await pilot.pause(0.6)
        table = app.screen.query_one("#items", DataTable)
        assert table.get_cell("go-live.infra.cluster", "verdict").plain == "… running"
        status = table.get_cell("go-live.infra.on-call", "status")
        assert status.plain == "✗ failed" and not status.style and not status.spans
        await pilot.press("escape")
        await settle(pilot)
