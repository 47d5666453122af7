"""Sparkline data: the last hour of each metric from a real Prometheus (Debian `prometheus`,
backfilled)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from golive_tui.checklists import load_checklist
from golive_tui.model import Item, ProbeSpec
from golive_tui.probes.base import ClientCache
from golive_tui.profile import Profile
from golive_tui.trends import trend, trends

pytestmark = pytest.mark.slow


def profile_for(sandbox) -> Profile:
    return Profile.model_validate({"prometheus": {"url": sandbox.url}})


def test_range_query_gives_the_hour_of_each_prometheus_metric(prometheus_degraded) -> None:
    checklist = load_checklist()
    clients = ClientCache()
    try:
        found = asyncio.run(
            trends(profile_for(prometheus_degraded), checklist.items(), clients, datetime.now(UTC))
        )
    finally:
        clients.close()
    p95 = found["performance.baseline.api-response-time-p95"]
    assert p95.error == "" and len(p95.values) >= 10
    assert all(250 < v < 450 for v in p95.values), (
        p95.values
    )  # the degraded p95 (~330 ms), scaled to ms
    tax = found["performance.service.tax-engine"]
    assert tax.values and tax.last == pytest.approx(100.0, abs=5)
    # Every metric row has a trend or says why not: CloudWatch and k6 measure one value, not a
    # series.
    metrics = {i.key for i in checklist.items() if i.metric is not None}
    assert set(found) == metrics
    for key, t in found.items():
        assert t.values or (t.error and t.cell), (key, t)
    limits = found["go-live.database.connection-limits"]
    assert limits.values == () and limits.cell == "CloudWatch" and "no range query" in limits.error
    assert found["performance.load-test.normal-load-100-users"].cell == "k6 run"


def test_a_query_without_data_or_an_unreachable_server_gives_its_reason(
    prometheus_degraded,
) -> None:
    item = Item(
        id="nothing",
        title="Nothing",
        probe=[ProbeSpec(kind="prometheus.query", params={"query": "no_such_series_total"})],
    )
    clients = ClientCache()
    try:
        empty = asyncio.run(
            trend(profile_for(prometheus_degraded), item, clients, datetime.now(UTC))
        )
        gone = asyncio.run(
            trend(
                Profile.model_validate({"prometheus": {"url": "http://127.0.0.1:9"}}),
                item,
                clients,
                datetime.now(UTC),
            )
        )
    finally:
        clients.close()
    assert (
        empty.values == () and empty.error == "no data in the last hour" and empty.cell == "no data"
    )
    assert (
        gone.values == ()
        and "cannot connect to http://127.0.0.1:9/api/v1/query_range" in gone.error
    )
