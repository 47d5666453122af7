"""SVG snapshots of the main, performance, sign-off and help screens at 80x24 and 160x48.

The staged state is fixed (probe results, attestations, one fresh and one stale approval, a
waiver) and so is the clock, so the images only change when the UI does.

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

from .conftest import FIXED_NOW, SHIPPED

pytestmark = pytest.mark.skipif(not SHIPPED.exists(), reason="checklists/production.toml not written yet")

RESULTS = [
    ("go-live.infrastructure.eks-cluster", Verdict.PASS, "API v1.32.1 reachable; EKS ACTIVE", None, ""),
    ("go-live.infrastructure.node-groups", Verdict.FAIL, "2 Ready nodes in 2 zones (need 3 in 3)", None, ""),
    ("go-live.infrastructure.load-balancer", Verdict.PASS, "api-gateway LoadBalancer at lb.example", None, ""),
    ("go-live.infrastructure.ssl-certificates", Verdict.FAIL, "api.autolytiq.com expires in 20 days", None, ""),
    ("go-live.infrastructure.auto-scaling", Verdict.ERROR, "cannot reach API server", None, ""),
    ("performance.baseline.api-response-time-p50", Verdict.PASS, "p50 38ms", 38.0, "ms"),
    ("performance.baseline.api-response-time-p95", Verdict.ACCEPTABLE, "p95 320ms", 320.0, "ms"),
    ("performance.baseline.error-rate", Verdict.PASS, "0.05%", 0.05, "%"),
    ("performance.service.tax-engine", Verdict.FAIL, "p99 72ms", 72.0, "ms"),
]


def staged_app(tmp_path: Path):
    from golive_tui.checklists import load_checklist

    checklist = load_checklist(SHIPPED)
    store = open_store(tmp_path / "snap-state.toml", checklist=checklist.title)
    items = checklist.item_map()
    at = FIXED_NOW - timedelta(minutes=7)

    def by(login: str, name: str | None = None) -> Actor:
        return person(login, name).at(at)

    actions.record_results(store, [
        ItemResult(items[key], ProbeResult(verdict, summary, "evidence: see probe", value=value, unit=unit,
                                           checked_at=at, duration_ms=42.0))
        for key, verdict, summary, value, unit in RESULTS
    ], actor=by("captain"))
    actions.mark(store, items["go-live.infrastructure.dns"], "done", note="dig +short ok", actor=by("captain"))
    actions.mark(store, items["go-live.operational.rollback-plan"], "done", note="rehearsed in staging", actor=by("ops"))
    actions.approve(store, checklist, checklist.approval[0].id, name="Erin Example", principal="erin", actor=by("erin", "Erin Example"))
    actions.approve(store, checklist, checklist.approval[1].id, name="Sam Secure", principal="sam", actor=by("sam", "Sam Secure"))
    actions.mark(store, items["go-live.database.backups"], "failed", note="PITR off", actor=by("dba"))  # both now stale…
    actions.waive(store, items["go-live.infrastructure.vpc-networking"], reason="audited last quarter",
                  until=FIXED_NOW.replace(year=2099), actor=by("captain"))
    actions.approve(store, checklist, checklist.approval[0].id, name="Erin Example", principal="erin", actor=by("erin", "Erin Example"))  # …and the first re-signs
    return make_app(checklist, Profile(), store, clock=lambda: FIXED_NOW, by="captain")


SIZES = [(80, 24), (160, 48)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_main_screen(snap_compare, tmp_path, size) -> None:
    assert snap_compare(staged_app(tmp_path), terminal_size=size, press=["j"])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_performance_screen(snap_compare, tmp_path, size) -> None:
    assert snap_compare(staged_app(tmp_path), terminal_size=size, press=["2"])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_signoff_screen(snap_compare, tmp_path, size) -> None:
    assert snap_compare(staged_app(tmp_path), terminal_size=size, press=["3"])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help_screen(snap_compare, tmp_path, size) -> None:
    assert snap_compare(staged_app(tmp_path), terminal_size=size, press=["question_mark"])
