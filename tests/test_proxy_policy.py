"""Verbal yeses and names: the checklist's [signoff] says how many roles a proxy may satisfy, and
whether a second captain confirms it; an approver's own session is their own approval whatever name
they give."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from golive_tui import actions
from golive_tui.checklists import load_checklist
from golive_tui.decision import decide
from golive_tui.errors import GoliveError
from golive_tui.state import open_store
from tests.people import person

PRODUCTION = (
    Path(__file__).resolve().parent.parent
    / "golive_tui"
    / "data"
    / "checklists"
    / "production.toml"
)


def production(tmp_path: Path, **signoff: object):
    """The production checklist with [signoff] keys replaced (a team's own policy)."""
    text = PRODUCTION.read_text()
    for key, value in signoff.items():
        literal = str(value).lower() if isinstance(value, bool) else str(value)
        text = text.replace("[signoff]\n", f"[signoff]\n{key} = {literal}\n", 1)
    path = tmp_path / "checklist.toml"
    path.write_text(text)
    return load_checklist(str(path))


@pytest.mark.parametrize("allowed", [1, 2, 3])
def test_n_proxy_roles_are_allowed_and_the_next_is_refused_with_what_would_satisfy_it(
    tmp_path: Path, allowed: int
) -> None:
    checklist = production(tmp_path, proxy_roles=allowed)
    store = open_store(tmp_path / "state.toml", checklist=checklist.title)
    captain = person("ubuntu", "Captain Kim")
    roles = [r.id for r in checklist.approval]
    for role in roles[:allowed]:  # one captain records N verbal yeses heard on the call
        actions.approve(
            store, checklist, role, actor=captain, name=f"Approver of {role}", evidence="Zoom 19:02"
        )
    with pytest.raises(GoliveError) as refused:
        actions.approve(
            store, checklist, roles[allowed], actor=captain, name="Pat VP", evidence="Zoom 19:04"
        )
    said = str(refused.value)
    assert f"lets {allowed} role{'s' if allowed != 1 else ''} be approved by proxy" in said
    assert f"and {allowed} already are" in said
    assert f"golive approve {roles[allowed]} --request FILE" in said and "their own session" in said
    state = store.read()
    assert sum(1 for a in state.approvals.values() if a.proxy) == allowed
    # Renewing a role already held by proxy is not one more proxy role.
    actions.approve(
        store,
        checklist,
        roles[0],
        actor=captain,
        name=f"Approver of {roles[0]}",
        evidence="Zoom 19:10",
    )
    # The approver at their own session is not a proxy and not counted against the policy.
    actions.approve(store, checklist, roles[allowed], actor=person("pat"), name="Pat VP")
    assert not store.read().approvals[roles[allowed]].proxy


def test_the_default_policy_is_two_proxies(tmp_path: Path) -> None:
    checklist = load_checklist(str(PRODUCTION))
    assert (
        checklist.signoff.proxy_roles == 2 and checklist.signoff.proxy_needs_confirmation is False
    )


def test_a_proxy_that_needs_a_second_captain_counts_only_once_another_session_confirms_it(
    tmp_path: Path,
) -> None:
    checklist = production(tmp_path, proxy_needs_confirmation=True)
    store = open_store(tmp_path / "state.toml", checklist=checklist.title)
    kim = person("ubuntu", "Captain Kim")
    actions.approve(
        store, checklist, "vp-engineering", actor=kim, name="Pat VP", evidence="Zoom 19:02"
    )
    view = next(
        v
        for v in decide(checklist, store.read(), kim.now()).approvals
        if v.role_id == "vp-engineering"
    )
    assert view.proxy and view.awaiting_confirmation and not view.counts
    reasons = decide(checklist, store.read(), kim.now()).reasons
    assert any(
        "Approval by proxy awaits a second captain: VP Engineering (Pat VP)" in r for r in reasons
    )
    with pytest.raises(GoliveError, match="another captain"):
        actions.confirm_proxy(store, checklist, "vp-engineering", actor=kim)
    actions.confirm_proxy(store, checklist, "vp-engineering", actor=person("lee", "Captain Lee"))
    record = store.read().approvals["vp-engineering"]
    assert record.proxy_confirmed_by.startswith("Captain Lee")
    view = next(
        v
        for v in decide(checklist, store.read(), kim.now()).approvals
        if v.role_id == "vp-engineering"
    )
    assert view.counts and not view.awaiting_confirmation


def test_alice_at_her_own_account_with_a_display_name_is_her_own_approval(tmp_path: Path) -> None:
    """`su - alice -c "golive approve engineering-manager --name 'Alice Ng'"`: the principal is her
    login."""
    env = {**os.environ, "GOLIVE_CHECKLIST": str(PRODUCTION)}
    env.pop("GOLIVE_USER", None)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "golive_tui",
            "approve",
            "engineering-manager",
            "--name",
            "Alice Ng",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "PROXY" not in done.stdout and "approved by Alice Ng [" in done.stdout
    checklist = load_checklist(str(PRODUCTION))
    record = (
        open_store(tmp_path / "golive-state.toml", checklist=checklist.title)
        .read()
        .approvals["engineering-manager"]
    )
    import pwd

    assert (
        record.name == "Alice Ng"
        and record.principal == pwd.getpwuid(os.getuid()).pw_name
        and not record.proxy
    )
