"""Watch mode: a sweep every N seconds, what changed since the sweep before marked (▼ worse, ▲
better), a regression announced the moment it arrives and counted in the header; the performance
screen's sparklines from a real Prometheus."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from golive_tui.profile import Profile

from .conftest import FLIP, mini_with_probes
from .helpers import cell, notes, swept, text_of, wait_until

SIZES = pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])


def watched():
    return mini_with_probes(
        {
            "go-live.infra.cluster": [{"kind": "test.flip"}],
            "security.waf": [{"kind": "test.flip"}],
            "performance.p95": [{"kind": "test.flip"}],
        }
    )


@SIZES
async def test_watch_resweeps_and_marks_what_changed(app_factory, probe_kinds, store, size) -> None:
    FLIP.update(
        {"go-live.infra.cluster": "pass", "security.waf": "fail", "performance.p95": "pass"}
    )
    app = app_factory(watched(), watch=5.0)  # as `golive --watch 5s`
    async with app.run_test(size=size) as pilot:
        await swept(pilot)
        first = app.cockpit.sweep_run
        assert "⟳ watch 5s" in text_of(app, "#header") or "⟳ 5s" in text_of(app, "#header")
        FLIP.update(
            {"go-live.infra.cluster": "error", "security.waf": "pass"}
        )  # one worse, one better
        await wait_until(pilot, lambda: app.cockpit.sweep_run is not first, timeout=15)
        await swept(pilot, timeout=15)
        assert cell(app, "go-live.infra.cluster", "verdict") == "▼⚠ error"
        assert cell(app, "security.waf", "verdict") == "▲✓ pass"
        assert cell(app, "performance.p95", "verdict") == "✓ pass"  # unchanged: no mark
        assert "▼1 regressed" in text_of(app, "#header") or "▼1" in text_of(app, "#header")
        assert any("▼ regression: Cluster went pass → error" in n for n in notes(app))
        assert "▼1 regressed" in text_of(app, "#sweep")
        await pilot.press("W")  # the key stops it
        await pilot.pause()
        assert app.cockpit.watch_every is None and "watch" not in text_of(app, "#header")


async def test_the_watch_key_starts_it_with_the_default_interval(app_factory, probe_kinds) -> None:
    app = app_factory(watched())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("W")
        await wait_until(pilot, lambda: app.cockpit.sweep_run is not None)
        assert app.cockpit.watch_every == 30.0


def test_watch_option_parses_durations() -> None:
    import click
    from click.testing import CliRunner

    from golive_tui.cli import _duration, cli

    assert _duration("30s") == 30 and _duration("2m") == 120 and _duration("90") == 90
    with pytest.raises(click.BadParameter):
        _duration("1s")
    result = CliRunner().invoke(cli, ["--watch", "soon", "status"])
    assert result.exit_code == 2 and "a duration like 30s" in result.output


@pytest.mark.slow
async def test_performance_screen_draws_the_last_hour_from_prometheus(
    app_factory, shipped_checklist, prometheus_degraded
) -> None:
    from datetime import UTC, datetime

    profile = Profile.model_validate({"prometheus": {"url": prometheus_degraded.url}})
    app = app_factory(
        shipped_checklist, profile=profile, clock=lambda: datetime.now(UTC)
    )  # Prometheus's hour is now
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await wait_until(
            pilot,
            lambda: "performance.baseline.api-response-time-p95" in app.cockpit.trends,
            timeout=20,
        )
        await pilot.pause()
        table = app.screen.query_one("#metrics", DataTable)
        trend = table.get_cell("performance.baseline.api-response-time-p95", "trend")
        assert app.cockpit.trends["performance.baseline.api-response-time-p95"].values, (
            app.cockpit.trends
        )
        assert type(trend).__name__ == "Sparkline" and len(trend.data) >= 10
        # Not Prometheus: no sparkline, and the cell says why (the detail says it in full).
        assert (
            table.get_cell("performance.load-test.normal-load-100-users", "trend").plain == "k6 run"
        )
        assert table.get_cell("go-live.database.connection-limits", "trend").plain == "CloudWatch"
        name = table.get_cell("performance.baseline.api-response-time-p95", "metric")
        assert "API Response Time (p95)" in name.plain  # wraps at 80 columns instead of being cut
        assert table.columns["metric"].width < len(name.plain)
        await pilot.press("p")  # probe these metrics: errors give their reason in the row
        await wait_until(
            pilot, lambda: app.cockpit.sweep_run is not None and not app.cockpit.running, timeout=30
        )
        await pilot.pause()
        state = app.session.state
        errors = [
            k
            for k in table.rows
            if state.item(k.value).probe and state.item(k.value).probe.verdict == "error"
        ]
        for key in errors:
            assert "\n" in table.get_cell(key.value, "metric").plain  # the reason under the name
        assert table.get_cell("performance.baseline.api-response-time-p95", "current").endswith(
            "ms"
        )
        table.move_cursor(row=table.get_row_index("performance.baseline.api-response-time-p95"))
        await pilot.pause()
        assert "last hour: min 3" in text_of(
            app, "#perf-detail"
        )  # the degraded p95 sits around 330 ms
