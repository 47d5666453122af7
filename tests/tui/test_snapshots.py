"""SVG snapshots at 80x24 and 160x48: main, item, performance, sign-off, audit, help, a sweep's
summary and watch mode.

The staged state is fixed (probe results, attestations, one fresh and one stale approval, a
waiver) and so is the clock — the app's, and the sweep timer whose wall time the summary
shows — so the images only change when the UI does. The sweep and watch images run the
real engine over the shipped checklist with the test kind `test.flip` in place of each
backend's probes. The performance image is given fixed trend series (a real Prometheus's
hour is different every run; tests/tui/test_watch.py draws one).

Regenerate after a deliberate UI change, review the diff, then refresh the README's images:
    .venv/bin/pytest tests/tui/test_snapshots.py --snapshot-update
    .venv/bin/python screenshots/update.py
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from golive_tui import actions
from golive_tui.actor import Actor
from golive_tui.engine import ItemResult
from golive_tui.probes.base import ProbeResult, Verdict
from golive_tui.profile import Profile
from golive_tui.state import open_store
from golive_tui.tui.app import make_app
from tests.people import person

from .conftest import FIXED_NOW, FLIP, SHIPPED, with_test_probes
from .helpers import swept, wait_until

pytestmark = pytest.mark.skipif(
    not SHIPPED.exists(), reason="checklists/production.toml not written yet"
)

RESULTS = [
    (
        "go-live.infrastructure.eks-cluster",
        Verdict.PASS,
        "API v1.32.1 reachable; EKS ACTIVE",
        None,
        "",
    ),
    (
        "go-live.infrastructure.node-groups",
        Verdict.FAIL,
        "2 Ready nodes in 2 zones (need 3 in 3)",
        None,
        "",
    ),
    (
        "go-live.infrastructure.load-balancer",
        Verdict.PASS,
        "api-gateway LoadBalancer at lb.example",
        None,
        "",
    ),
    (
        "go-live.infrastructure.ssl-certificates",
        Verdict.FAIL,
        "api.autolytiq.com expires in 20 days",
        None,
        "",
    ),
    ("go-live.infrastructure.auto-scaling", Verdict.ERROR, "cannot reach API server", None, ""),
    ("performance.baseline.api-response-time-p50", Verdict.PASS, "p50 38ms", 38.0, "ms"),
    ("performance.baseline.api-response-time-p95", Verdict.ACCEPTABLE, "p95 320ms", 320.0, "ms"),
    ("performance.baseline.error-rate", Verdict.PASS, "0.05%", 0.05, "%"),
    ("performance.service.tax-engine", Verdict.FAIL, "p99 72ms", 72.0, "ms"),
]


def staged_app(tmp_path: Path, checklist=None, profile: Profile | None = None):
    from golive_tui.checklists import load_checklist

    checklist = checklist or load_checklist(SHIPPED)
    store = open_store(tmp_path / "snap-state.toml", checklist=checklist.title)
    items = checklist.item_map()
    at = FIXED_NOW - timedelta(minutes=7)

    def by(login: str, name: str | None = None) -> Actor:
        return person(login, name).at(at)

    actions.record_results(
        store,
        [
            ItemResult(
                items[key],
                ProbeResult(
                    verdict,
                    summary,
                    "evidence: see probe",
                    value=value,
                    unit=unit,
                    checked_at=at,
                    duration_ms=42.0,
                ),
            )
            for key, verdict, summary, value, unit in RESULTS
        ],
        actor=by("captain"),
    )
    actions.mark(
        store,
        items["go-live.infrastructure.dns"],
        "done",
        note="dig +short ok",
        actor=by("captain"),
    )
    actions.mark(
        store,
        items["go-live.operational.rollback-plan"],
        "done",
        note="rehearsed in staging",
        actor=by("ops"),
    )
    actions.approve(
        store,
        checklist,
        checklist.approval[0].id,
        name="Erin Example",
        principal="erin",
        actor=by("erin", "Erin Example"),
    )
    actions.approve(
        store,
        checklist,
        checklist.approval[1].id,
        name="Sam Secure",
        principal="sam",
        actor=by("sam", "Sam Secure"),
    )
    actions.mark(
        store, items["go-live.database.backups"], "failed", note="PITR off", actor=by("dba")
    )  # both now stale…
    actions.waive(
        store,
        items["go-live.infrastructure.vpc-networking"],
        reason="audited last quarter",
        until=FIXED_NOW.replace(year=2099),
        actor=by("captain"),
    )
    actions.approve(
        store,
        checklist,
        checklist.approval[0].id,
        name="Erin Example",
        principal="erin",
        actor=by("erin", "Erin Example"),
    )  # …and the first re-signs
    # Prometheus on the discard port: refused at once, never another process's data.
    profile = profile or Profile.model_validate({"prometheus": {"url": "http://127.0.0.1:9"}})
    return make_app(
        checklist,
        profile,
        store,
        clock=lambda: FIXED_NOW,
        by="captain",
        operator=person("captain").operator,
    )


SIZES = [(80, 24), (160, 48)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_main_screen(snap_compare, tmp_path, size) -> None:
    assert snap_compare(staged_app(tmp_path), terminal_size=size, press=["j"])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_performance_screen(snap_compare, tmp_path, size) -> None:
    async def with_trends(pilot) -> None:
        from golive_tui.trends import Trend

        app = pilot.app
        await pilot.press("2")
        await wait_until(pilot, lambda: not app.cockpit.trends_loading)
        series = {
            "performance.baseline.api-response-time-p50": [
                36,
                37,
                39,
                38,
                41,
                40,
                38,
                37,
                38,
                39,
                38,
                38,
            ],
            "performance.baseline.api-response-time-p95": [
                180,
                185,
                190,
                210,
                230,
                250,
                270,
                290,
                300,
                310,
                315,
                320,
            ],
            "performance.baseline.error-rate": [
                0.02,
                0.03,
                0.05,
                0.04,
                0.05,
                0.06,
                0.05,
                0.04,
                0.05,
                0.05,
                0.05,
                0.05,
            ],
        }
        app.cockpit.trends = {
            key: Trend(key, tuple(float(v) for v in values)) for key, values in series.items()
        }
        app.cockpit.changed()
        await pilot.pause()

    assert snap_compare(staged_app(tmp_path), terminal_size=size, run_before=with_trends)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_signoff_screen(snap_compare, tmp_path, size) -> None:
    assert snap_compare(staged_app(tmp_path), terminal_size=size, press=["3"])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help_screen(snap_compare, tmp_path, size) -> None:
    assert snap_compare(staged_app(tmp_path), terminal_size=size, press=["question_mark"])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_item_screen(snap_compare, tmp_path, size) -> None:
    """Enter on a failing item: the evidence in full and the runbook filled in for the target."""
    assert snap_compare(staged_app(tmp_path), terminal_size=size, press=["j", "enter"])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_audit_screen(snap_compare, tmp_path, size) -> None:
    assert snap_compare(staged_app(tmp_path), terminal_size=size, press=["4"])


def ticking(step: float):
    """A sweep timer that advances `step` seconds per reading: start, then end."""
    moments = iter(n * step for n in range(1000))
    return lambda: next(moments)


def flipped(verdicts: dict[str, str]) -> None:
    FLIP.clear()
    FLIP.update(verdicts)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_sweep_summary(snap_compare, tmp_path, probe_kinds, size) -> None:
    """R: the summary line with the sweep's wall time, paging probes held, the first failure one key
    away."""
    from golive_tui.checklists import load_checklist

    flipped(
        {
            "go-live.infrastructure.node-groups": "fail",
            "go-live.infrastructure.ssl-certificates": "fail",
            "go-live.infrastructure.auto-scaling": "error",
            "go-live.database.backups": "fail",
            "performance.baseline.api-response-time-p95": "acceptable",
            "security.infrastructure.waf": "error",
        }
    )
    app = staged_app(tmp_path, with_test_probes(load_checklist(SHIPPED)))

    async def sweep(pilot) -> None:
        pilot.app.cockpit.timer = ticking(1.9)
        await pilot.press("R")
        await wait_until(
            pilot,
            lambda: (
                pilot.app.cockpit.sweep_run is not None
                and not pilot.app.cockpit.sweeping
                and not pilot.app.cockpit.running
            ),
        )
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=sweep)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_watch_view(snap_compare, tmp_path, probe_kinds, size) -> None:
    """Watch mode after a re-sweep: ▼ what got worse since the sweep before, ▲ what got better."""
    from golive_tui.checklists import load_checklist

    flipped(
        {
            "go-live.infrastructure.eks-cluster": "fail",
            "go-live.infrastructure.ssl-certificates": "fail",
            "go-live.infrastructure.auto-scaling": "error",
            "performance.baseline.api-response-time-p95": "fail",
        }
    )
    app = staged_app(tmp_path, with_test_probes(load_checklist(SHIPPED)))

    async def watch(pilot) -> None:
        app = pilot.app
        app.cockpit.timer = ticking(0.7)
        app.prober.start_watch(30)
        await swept(pilot)
        app.clear_notifications()
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=watch)


# The demo's target as `golive demo` writes it: the longest header a captain sees at 80x24.
DEMO_TARGET = {
    "target": {"name": "demo-degraded", "namespace": "autolytiq-prod"},
    "kubernetes": {"context": "golive-demo"},
    "aws": {"region": "eu-west-1"},
    "prometheus": {"url": "http://127.0.0.1:9"},
}


@pytest.mark.parametrize("screen", ["main", "signoff", "audit", "item"])
def test_longest_names_at_80x24(snap_compare, tmp_path, screen) -> None:
    """80x24 with the shipped checklist's longest names (the `Engineering Manager` role, the
    `Connection pool utilization` item) and the demo's target: words wrap or keep their own line,
    never a cut in the middle of the word that matters (issue 27)."""
    app = staged_app(tmp_path, profile=Profile.model_validate(DEMO_TARGET))
    if screen != "item":  # the same keys as the other snapshots of these screens
        keys = {"main": ["j"], "signoff": ["3"], "audit": ["4"]}[screen]
        assert snap_compare(app, terminal_size=(80, 24), press=keys)
        return

    async def open_item(pilot) -> None:
        from golive_tui.tui.screens.item import ItemScreen

        app = pilot.app
        item = app.session.checklist.item_map()["performance.database.connection-pool-utilization"]
        app.open_item(item)
        await wait_until(pilot, lambda: isinstance(app.screen, ItemScreen))

    assert snap_compare(app, terminal_size=(80, 24), run_before=open_item)
