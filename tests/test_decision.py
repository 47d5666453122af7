"""Go / no-go: exact blocking reasons, stale approvals, waivers and attestations that expire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from golive_tui import actions
from golive_tui.actor import Actor
from golive_tui.checklists import load_checklist
from golive_tui.decision import decide, outcome, post_golive_tasks
from golive_tui.engine import ItemResult
from golive_tui.errors import GoliveError
from golive_tui.probes.base import ProbeResult, Verdict
from golive_tui.state import StateStore, open_store
from tests.people import forced_go_live, person

MINI = Path(__file__).parent / "data" / "mini.toml"


@pytest.fixture
def checklist():
    return load_checklist(MINI)


@pytest.fixture
def store(tmp_path: Path, checklist) -> StateStore:
    return open_store(tmp_path / "state.toml", checklist=checklist.title)


def now() -> datetime:
    return datetime.now(UTC)


def finish_everything(store: StateStore, checklist) -> None:
    items = checklist.item_map()
    for key in (
        "go-live.infra.cluster",
        "go-live.infra.on-call",
        "go-live.infra.rollback",
        "security.waf",
    ):
        actions.mark(store, items[key], "done", actor=Actor.current("alice"))
    p95 = items["performance.p95"]
    actions.record_results(
        store,
        [ItemResult(p95, ProbeResult(Verdict.ACCEPTABLE, "p95 320ms", value=320, unit="ms"))],
        actor=Actor.current(),
    )


def test_half_finished_checklist_lists_exactly_its_blockers(store: StateStore, checklist) -> None:
    items = checklist.item_map()
    actions.mark(store, items["go-live.infra.cluster"], "done", actor=Actor.current())
    actions.mark(store, items["security.waf"], "failed", note="no rules", actor=Actor.current())
    decision = decide(checklist, store.read(), now())
    assert not decision.go and decision.label == "NO-GO"
    assert decision.reasons == [
        "All P1 items complete: go-live.infra.on-call (pending)",
        "No critical security issues: security.waf (failed)",
        "Performance targets met: performance.p95 (pending)",
        "Rollback plan tested: go-live.infra.rollback (pending)",
        "Approval missing: Engineering Manager",
        "Approval missing: Security Lead",
    ]


def test_go_appears_when_the_last_blocker_is_cleared(store: StateStore, checklist) -> None:
    finish_everything(store, checklist)
    actions.approve(store, checklist, "eng", name="Erin", actor=person("erin"))
    decision = decide(checklist, store.read(), now())
    assert decision.reasons == ["Approval missing: Security Lead"]
    actions.approve(store, checklist, "sec", name="Sam", actor=person("sam"))
    decision = decide(checklist, store.read(), now())
    assert decision.go and decision.reasons == []


def test_approval_goes_stale_on_change_and_fresh_when_renewed(store: StateStore, checklist) -> None:
    finish_everything(store, checklist)
    actions.approve(store, checklist, "eng", name="Erin", actor=person("erin"))
    actions.approve(store, checklist, "sec", name="Sam", actor=person("sam"))
    assert decide(checklist, store.read(), now()).go
    actions.mark(
        store, checklist.item("security.waf"), "failed", note="rule removed", actor=Actor.current()
    )
    decision = decide(checklist, store.read(), now())
    stale = {a.role_id: a for a in decision.approvals}
    assert stale["eng"].state == "stale" and stale["eng"].changed == ["security.waf"]
    assert any(
        r.startswith("Approval stale: Engineering Manager (Erin)") and "security.waf" in r
        for r in decision.reasons
    )
    actions.mark(store, checklist.item("security.waf"), "done", actor=Actor.current())
    actions.approve(store, checklist, "eng", name="Erin", actor=person("erin"))
    actions.approve(store, checklist, "sec", name="Sam", actor=person("sam"))
    assert decide(checklist, store.read(), now()).go


def test_a_note_change_does_not_stale_an_approval_but_evidence_does(
    store: StateStore, checklist
) -> None:
    finish_everything(store, checklist)
    actions.approve(store, checklist, "eng", name="Erin", actor=person("erin"))
    actions.annotate(
        store,
        checklist.item("security.waf"),
        note="typo fixed",
        evidence=None,
        actor=Actor.current(),
    )
    assert decide(checklist, store.read(), now()).approvals[0].state == "fresh"
    actions.annotate(
        store,
        checklist.item("security.waf"),
        note=None,
        evidence="https://scan/42",
        actor=Actor.current(),
    )
    assert decide(checklist, store.read(), now()).approvals[0].state == "stale"


def test_revoked_approval_blocks(store: StateStore, checklist) -> None:
    finish_everything(store, checklist)
    actions.approve(store, checklist, "eng", name="Erin", actor=person("erin"))
    actions.approve(store, checklist, "sec", name="Sam", actor=person("sam"))
    actions.revoke(store, checklist, "sec", reason="found a hole", actor=Actor.current())
    decision = decide(checklist, store.read(), now())
    assert decision.reasons == ["Approval revoked: Security Lead (Sam)"]
    assert store.read().audit[-1].action == "revoke"


def test_waiver_counts_as_neither_and_expires(store: StateStore, checklist) -> None:
    waf = checklist.item("security.waf")
    actions.mark(store, waf, "failed", actor=Actor.current())
    actions.waive(
        store,
        waf,
        reason="WAF rollout next sprint",
        until=now() + timedelta(days=2),
        actor=Actor.current("ciso"),
    )
    state = store.read()
    assert outcome(waf, state.item(waf.key), now()).state == "waived"
    assert not any(
        r.startswith("No critical security") for r in decide(checklist, state, now()).reasons
    )
    later = now() + timedelta(days=3)
    expired = outcome(waf, state.item(waf.key), later)
    assert expired.state == "failed"
    assert expired.reason.startswith("waiver expired on ")
    assert (
        "No critical security issues: security.waf (failed)"
        in decide(checklist, state, later).reasons
    )


def test_waiver_without_reason_is_refused(store: StateStore, checklist) -> None:
    with pytest.raises(GoliveError, match="reason"):
        actions.waive(
            store,
            checklist.item("security.waf"),
            reason="  ",
            until=now() + timedelta(days=1),
            actor=Actor.current(),
        )
    assert not store.path.exists()


def test_expired_attestation_returns_item_to_pending(store: StateStore, checklist) -> None:
    on_call = checklist.item("go-live.infra.on-call")
    actions.mark(store, on_call, "done", note="rota confirmed in PagerDuty", actor=Actor.current())
    state = store.read()
    assert state.item(on_call.key).expires_at is not None
    assert outcome(on_call, state.item(on_call.key), now()).state == "complete"
    later = now() + timedelta(days=8)
    expired = outcome(on_call, state.item(on_call.key), later)
    assert expired.state == "pending" and "attestation expired on" in expired.reason


def test_a_probe_pass_from_hours_ago_no_longer_counts_toward_go(tmp_path: Path) -> None:
    """The shipped checklist: a pass taken at 09:00 says nothing about 14:00; a failure stays a
    failure."""
    shipped = load_checklist(None)
    assert shipped.signoff.probe_valid_hours == 2
    cluster, nodes = (
        shipped.item("go-live.infrastructure.eks-cluster"),
        shipped.item("go-live.infrastructure.node-groups"),
    )
    assert cluster.probe_valid_hours == 2  # the checklist's default reaches every item
    store = open_store(tmp_path / "state.toml", checklist=shipped.title)
    nine = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    actions.record_results(
        store,
        [
            ItemResult(cluster, ProbeResult(Verdict.PASS, "ACTIVE", checked_at=nine)),
            ItemResult(nodes, ProbeResult(Verdict.FAIL, "2 zones", checked_at=nine)),
        ],
        actor=Actor.current("captain", clock=lambda: nine),
    )
    state = store.read()
    assert (
        outcome(cluster, state.item(cluster.key), nine + timedelta(hours=1, minutes=59)).state
        == "complete"
    )
    stale = outcome(cluster, state.item(cluster.key), nine + timedelta(hours=5))
    assert (stale.state, stale.reason) == (
        "pending",
        "probe verdict expired on 2026-12-02 11:00 UTC (taken 2026-12-02 09:00 UTC); probe again",
    )
    assert outcome(nodes, state.item(nodes.key), nine + timedelta(hours=5)).state == "failed"
    assert state.item(nodes.key).expires_at is None
    # A person's attestation of the same item does not expire with the probe's clock, and vice
    # versa.
    actions.mark(
        store,
        nodes,
        "done",
        override="third AZ added at 10:30, verified in the console",
        actor=Actor.current("captain", clock=lambda: nine + timedelta(hours=1)),
    )
    assert store.read().item(nodes.key).expires_at is None


def test_go_live_refused_on_no_go_unless_forced(store: StateStore, checklist) -> None:
    with pytest.raises(GoliveError, match="NO-GO"):
        actions.go_live(store, checklist, actor=Actor.current())
    forced_go_live(store, checklist, "CEO override, incident INC-1")
    state = store.read()
    assert state.meta.golive_forced_reason == "CEO override, incident INC-1"
    assert state.audit[-1].action == "go-live-forced"
    with pytest.raises(GoliveError, match="already recorded"):
        actions.go_live(store, checklist, force_reason="again", actor=Actor.current())


def test_probe_fail_sets_failed_and_acceptable_counts_as_met(store: StateStore, checklist) -> None:
    p95 = checklist.item("performance.p95")
    actions.record_results(
        store,
        [ItemResult(p95, ProbeResult(Verdict.FAIL, "p95 900ms", value=900, unit="ms"))],
        actor=Actor.current(),
    )
    assert store.read().item(p95.key).status == "failed"
    actions.record_results(
        store, [ItemResult(p95, ProbeResult(Verdict.ERROR, "timeout"))], actor=Actor.current()
    )
    assert store.read().item(p95.key).status == "failed"  # an error says nothing about the item
    actions.record_results(
        store,
        [ItemResult(p95, ProbeResult(Verdict.ACCEPTABLE, "p95 320ms", value=320, unit="ms"))],
        actor=Actor.current(),
    )
    assert store.read().item(p95.key).status == "done"


def test_post_golive_tasks_due_and_overdue(tmp_path: Path) -> None:
    text = (
        MINI.read_text()
        + """
[[section]]
id = "post"
title = "Post Go-Live"
[[section.item]]
id = "watch-errors"
title = "Monitor error rates closely"
window = "24h"
[[section.item]]
id = "retro"
title = "Retrospective meeting"
window = "1m"
"""
    )
    path = tmp_path / "c.toml"
    path.write_text(text)
    checklist = load_checklist(path)
    store = open_store(tmp_path / "s.toml")
    assert post_golive_tasks(checklist, store.read(), now()) == []
    forced_go_live(store, checklist, "rehearsal")
    tasks = {
        t.item.id: t for t in post_golive_tasks(checklist, store.read(), now() + timedelta(days=2))
    }
    assert tasks["watch-errors"].overdue and not tasks["retro"].overdue
    assert tasks["retro"].due - tasks["watch-errors"].due == timedelta(days=29)
