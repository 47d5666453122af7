"""Guard rails on everything that moves GO: separation of duties, overrides, reasons, second
operators."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from golive_tui import actions
from golive_tui.actor import Actor
from golive_tui.checklists import load_checklist
from golive_tui.decision import live
from golive_tui.engine import ItemResult
from golive_tui.errors import GoliveError
from golive_tui.probes.base import ProbeResult, Verdict
from golive_tui.state import ConflictError, open_store
from tests.people import person

MINI = Path(__file__).parent / "data" / "mini.toml"
PRODUCTION = (
    Path(__file__).resolve().parent.parent
    / "golive_tui"
    / "data"
    / "checklists"
    / "production.toml"
)


def golive(tmp_path: Path, *args: str, checklist: Path = MINI) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GOLIVE_CHECKLIST": str(checklist)}
    return subprocess.run(
        [sys.executable, "-m", "golive_tui", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_one_operator_cannot_approve_a_second_role_as_themselves_on_the_production_checklist(
    tmp_path: Path,
) -> None:
    # Quinn at her own session, shown as "Quinn Park": her own approval (the principal is her
    # login).
    first = golive(tmp_path, "approve", "qa-lead", "--name", "Quinn Park", checklist=PRODUCTION)
    assert first.returncode == 0 and "PROXY" not in first.stdout, first.stderr
    second = golive(
        tmp_path, "approve", "security-lead", "--name", "Sam Rivera", checklist=PRODUCTION
    )
    assert second.returncode == 2
    assert (
        "already approved QA Lead (as Quinn Park)" in second.stderr
        and "one operator records one role" in second.stderr
    )
    assert "--request FILE" in second.stderr  # what would satisfy it
    # Renewing the same role is not a second role.
    again = golive(tmp_path, "approve", "qa-lead", "--name", "Quinn Park", checklist=PRODUCTION)
    assert again.returncode == 0, again.stderr
    # A verbal yes recorded by the same captain is a proxy, governed by the proxy policy instead (2
    # by default).
    proxy = golive(
        tmp_path,
        "approve",
        "security-lead",
        "--name",
        "Sam Rivera",
        "--evidence",
        "Slack #cutover 19:04",
        checklist=PRODUCTION,
    )
    assert proxy.returncode == 0 and "PROXY" in proxy.stdout, proxy.stderr


def test_a_second_role_signed_by_the_approvers_own_key_is_allowed(tmp_path: Path) -> None:
    if shutil.which("ssh-keygen") is None:
        pytest.skip("needs ssh-keygen")
    key = tmp_path / "sam"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    (tmp_path / "allowed").write_text(
        f'srivera namespaces="golive" {key.with_suffix(".pub").read_text()}'
    )
    assert (
        golive(
            tmp_path,
            "approve",
            "qa-lead",
            "--name",
            "Quinn Park",
            "--evidence",
            "Slack",
            checklist=PRODUCTION,
        ).returncode
        == 0
    )
    signed = golive(
        tmp_path,
        "approve",
        "security-lead",
        "--name",
        "Sam Rivera",
        "--principal",
        "srivera",
        "--sign-key",
        str(key),
        "--allowed-signers",
        "allowed",
        checklist=PRODUCTION,
    )
    assert signed.returncode == 0, signed.stderr


def test_a_proxy_approval_shows_as_proxy_with_its_operator(tmp_path: Path) -> None:
    assert (
        golive(
            tmp_path, "approve", "eng", "--name", "Erin", "--evidence", "Slack #cutover 19:02"
        ).returncode
        == 0
    )
    record = json.loads(golive(tmp_path, "status", "--format", "json", "--no-gate").stdout)
    eng = next(a for a in record["decision"]["approvals"] if a["id"] == "eng")
    assert eng["proxy"] is True and eng["signed"] is False and eng["signing"] == "proxy"
    assert eng["operator"] and "@" in eng["operator"] and eng["name"] == "Erin"
    table = golive(tmp_path, "status", "--no-gate").stdout
    assert (
        f"Engineering Manager: fresh, approved by Erin (proxy), recorded by {eng['operator']}"
        in table
    )


def _failing_probe(
    tmp_path: Path, verdict: Verdict = Verdict.FAIL, summary: str = "no rules in web ACL"
) -> None:
    checklist = load_checklist(MINI)
    store = open_store(tmp_path / "golive-state.toml", checklist=checklist.title)
    actions.record_results(
        store,
        [ItemResult(checklist.item("security.waf"), ProbeResult(verdict, summary))],
        actor=Actor.current("probe"),
    )


def test_marking_done_over_a_failing_probe_is_an_override_kept_through_later_runs(
    tmp_path: Path,
) -> None:
    _failing_probe(tmp_path)
    refused = golive(tmp_path, "mark", "security.waf", "done")
    assert (
        refused.returncode == 2
        and "marking it done is an override" in refused.stderr
        and "--override" in refused.stderr
    )
    assert (
        golive(
            tmp_path,
            "mark",
            "security.waf",
            "done",
            "--override",
            "rules applied by hand, probe lags",
        ).returncode
        == 0
    )
    item = json.loads(golive(tmp_path, "status", "--format", "json", "--no-gate").stdout)["items"][
        "security.waf"
    ]
    assert item["status"] == "done" and item["verdict"] == "fail"
    assert (
        item["override"]["reason"] == "rules applied by hand, probe lags"
        and item["override"]["verdict"] == "fail"
    )
    _failing_probe(
        tmp_path, summary="still no rules"
    )  # a later run: the fresh verdict, the override still shown
    item = json.loads(golive(tmp_path, "status", "--format", "json", "--no-gate").stdout)["items"][
        "security.waf"
    ]
    assert (
        item["status"] == "done"
        and item["verdict"] == "fail"
        and item["override"]["reason"].startswith("rules applied")
    )
    shown = golive(tmp_path, "show", "security.waf").stdout
    assert "OVERRIDE: marked done over a fail verdict" in shown and "still no rules" in shown
    # An error verdict is overridden the same way; a status that agrees with the probe clears it.
    assert golive(tmp_path, "mark", "security.waf", "failed").returncode == 0
    item = json.loads(golive(tmp_path, "status", "--format", "json", "--no-gate").stdout)["items"][
        "security.waf"
    ]
    assert item["override"] is None


def test_marking_over_an_error_needs_an_override_too_and_n_a_of_a_p1_a_reason(
    tmp_path: Path,
) -> None:
    _failing_probe(tmp_path, Verdict.ERROR, "cannot reach the WAF API")
    assert golive(tmp_path, "mark", "security.waf", "n/a").returncode == 2
    refused = golive(tmp_path, "mark", "go-live.infra.cluster", "n/a")
    assert refused.returncode == 2 and "is P1: marking it n/a needs a reason" in refused.stderr
    assert (
        golive(
            tmp_path, "mark", "go-live.infra.cluster", "n/a", "--note", "no cluster: serverless"
        ).returncode
        == 0
    )


def test_a_change_that_makes_approvals_stale_says_so_first(tmp_path: Path) -> None:
    assert (
        golive(tmp_path, "approve", "eng", "--name", "Erin", "--evidence", "Slack").returncode == 0
    )
    note_only = golive(tmp_path, "note", "security.waf", "--note", "typo")
    assert "invalidates" not in note_only.stderr  # a note is not part of what an approver signs
    changed = golive(tmp_path, "mark", "security.waf", "failed")
    assert (
        changed.returncode == 0
        and "golive: this invalidates 1 approval: Engineering Manager" in changed.stderr
    )


def test_a_forced_go_live_needs_a_second_operator(tmp_path: Path) -> None:
    checklist = load_checklist(MINI)
    store = open_store(tmp_path / "s.toml", checklist=checklist.title)
    alice, bob = person("alice"), person("bob")
    with pytest.raises(GoliveError, match="NO-GO"):
        actions.go_live(store, checklist, actor=alice)
    actions.request_forced_go_live(store, checklist, actor=alice, reason="CEO call, INC-7")
    state = store.read()
    assert (
        state.meta.golive_at is None
        and live(checklist, state, datetime.now(UTC)).label == "FORCE REQUESTED by alice"
    )
    with pytest.raises(GoliveError, match="a second operator must confirm it"):
        actions.confirm_forced_go_live(store, checklist, actor=alice.named("alice again"))
    actions.confirm_forced_go_live(store, checklist, actor=bob)
    state = store.read()
    assert state.meta.golive_forced_reason == "CEO call, INC-7" and state.meta.golive_by == "alice"
    assert (
        state.meta.golive_confirmed_by == "bob (bob@bastion-1)" and state.meta.force_request is None
    )
    later = state.meta.golive_at + timedelta(hours=2, minutes=14, seconds=7)
    assert live(checklist, state, later).label == "LIVE (forced) 02:14:07"
    assert [e.action for e in state.audit[-2:]] == ["go-live-force-requested", "go-live-forced"]
    assert {e.operator["user"] for e in state.audit[-2:]} == {"alice", "bob"}


def test_two_captains_editing_one_note_see_both_values(tmp_path: Path) -> None:
    checklist = load_checklist(MINI)
    store = open_store(tmp_path / "s.toml", checklist=checklist.title)
    waf = checklist.item("security.waf")
    actions.annotate(store, waf, actor=person("alice"), note="original", evidence=None)
    seen = {"note": store.read().item(waf.key).note}  # bob opens the note editor
    actions.annotate(
        store,
        waf,
        actor=person("alice"),
        note="alice's words",
        evidence=None,
        seen={"note": "original"},
    )
    with pytest.raises(ConflictError) as info:
        actions.annotate(
            store, waf, actor=person("bob"), note="bob's words", evidence=None, seen=seen
        )
    assert info.value.conflicts == [("item:security.waf", "note", "alice's words", "bob's words")]
    assert store.read().item(waf.key).note == "alice's words"


def test_every_report_shows_overrides_and_who_recorded_each_approval(tmp_path: Path) -> None:
    _failing_probe(tmp_path)
    assert (
        golive(
            tmp_path, "mark", "security.waf", "done", "--override", "rules applied by hand"
        ).returncode
        == 0
    )
    assert (
        golive(
            tmp_path, "approve", "eng", "--name", "Erin", "--evidence", "Slack #cutover 19:02"
        ).returncode
        == 0
    )
    operator = json.loads(golive(tmp_path, "status", "--format", "json", "--no-gate").stdout)[
        "decision"
    ]["approvals"][0]["operator"]
    for fmt in ("markdown", "html", "json"):
        text = golive(tmp_path, "report", "--format", fmt).stdout
        if fmt == "json":
            record = json.loads(text)
            waf = next(i for i in record["items"] if i["id"] == "security.waf")
            assert waf["override"]["reason"] == "rules applied by hand" and waf["verdict"] == "fail"
            eng = next(a for a in record["decision"]["approvals"] if a["id"] == "eng")
            assert eng["operator"] == operator and eng["proxy"] is True and eng["signed"] is False
        else:
            assert "OVERRIDE of a fail verdict" in text and "rules applied by hand" in text, fmt
            assert (
                f"approved by Erin, recorded by {operator}; proxy: Slack #cutover 19:02" in text
            ), fmt
