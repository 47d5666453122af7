"""Alertmanager routing: a real Alertmanager (Debian's) with the configurations teams run, and the
route tree."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from golive_tui.engine import run_sync
from golive_tui.model import Item, ProbeSpec
from golive_tui.probes.alert_routing import read_routing
from golive_tui.probes.base import ProbeResult, Verdict
from golive_tui.profile import Profile
from golive_tui.sandbox.alertmanager import AlertmanagerSandbox

# kube-prometheus' default: every alert to a receiver called "null", which has no integration.
NOWHERE = """
route:
  receiver: "null"
  routes:
  - matchers: ['alertname = "Watchdog"']
    receiver: "null"
receivers:
- name: "null"
time_intervals:
- name: offhours
  time_intervals:
  - weekdays: ['saturday']
"""
PAGED = """
route:
  receiver: pagerduty-oncall
receivers:
- name: pagerduty-oncall
  pagerduty_configs:
  - routing_key: 0123456789abcdef0123456789abcdef
"""
# Critical alerts page, the rest are dropped on purpose; Watchdog is silenced.
CRITICAL_ONLY = """
route:
  receiver: "null"
  routes:
  - matchers: ['alertname = "Watchdog"']
    receiver: "null"
  - matchers: ['severity = "critical"']
    receiver: pagerduty-critical
    routes:
    - matchers: ['team = "payments"']
receivers:
- name: "null"
- name: pagerduty-critical
  pagerduty_configs:
  - routing_key: 0123456789abcdef0123456789abcdef
  slack_configs:
  - api_url: https://hooks.slack.example/services/T/B/X
    channel: '#cutover'
"""


def probe(url: str) -> ProbeResult:
    item = Item(id="am", title="am", probe=[ProbeSpec(kind="alertmanager.config")])
    object.__setattr__(item, "key", "t.am")
    (outcome,) = run_sync(
        Profile.model_validate({"prometheus": {"alertmanager_url": url}}), [item], timeout=5
    )
    return outcome.result


@pytest.fixture
def alertmanager(tmp_path: Path):
    if shutil.which("prometheus-alertmanager") is None and shutil.which("alertmanager") is None:
        pytest.fail("Alertmanager is missing: ./scripts/test installs prometheus-alertmanager")
    started: list[AlertmanagerSandbox] = []

    def start(config: str) -> str:
        sandbox = AlertmanagerSandbox(config, tmp_path / f"am{len(started)}").start()
        started.append(sandbox)
        return sandbox.url

    yield start
    for sandbox in started:
        sandbox.stop()


def test_a_route_to_a_receiver_without_integrations_reaches_no_one(alertmanager) -> None:
    """The old line scan saw `- name: null` and `- name: offhours` and said "routes to 2
    receiver(s)": a pass."""
    result = probe(alertmanager(NOWHERE))
    assert (result.verdict, result.summary) == (
        Verdict.FAIL,
        "alerts reach no one: routed receiver(s) null have no integration",
    )
    assert (
        "every alert -> null (no integration)" in result.evidence
        and 'alertname="Watchdog" -> null' in result.evidence
    )
    assert "offhours" not in result.evidence  # a time interval is not a receiver


def test_a_paging_receiver_passes_and_no_key_is_shown(alertmanager) -> None:
    result = probe(alertmanager(PAGED))
    assert (result.verdict, result.summary) == (
        Verdict.PASS,
        "routes to 1 receiver(s): pagerduty-oncall (pagerduty)",
    )
    assert "0123456789abcdef" not in result.evidence


def test_critical_alerts_paged_and_the_rest_dropped_is_said(alertmanager) -> None:
    result = probe(alertmanager(CRITICAL_ONLY))
    assert (result.verdict, result.summary) == (
        Verdict.PASS,
        "routes to 1 receiver(s): pagerduty-critical (pagerduty, slack)",
    )
    assert 'severity="critical" -> pagerduty-critical (pagerduty, slack)' in result.evidence
    assert (
        '    team="payments" -> pagerduty-critical' in result.evidence
    )  # a child inherits its parent's receiver
    assert "note: alerts no child route matches go to null (no integration)" in result.evidence


def test_route_tree_edges() -> None:
    routing = read_routing(
        {
            "route": {
                "receiver": "a",
                "routes": [{"receiver": "ghost", "match": {"severity": "page"}}],
            },
            "receivers": [{"name": "a", "webhook_configs": []}],
        }
    )
    assert (
        routing.undefined == ["ghost"] and routing.reaching == []
    )  # an empty list is no integration
    assert routing.tree == [
        "every alert -> a (no integration)",
        "  severity='page' -> ghost (no integration)",
    ]
    with pytest.raises(ValueError, match="no route"):
        read_routing({"receivers": []})
