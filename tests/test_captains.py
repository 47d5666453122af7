"""Captains on a shared account: the person behind a session (the SSH key sshd exposes), who else
has the record open (local and S3), and a captain told when another replaced their words."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from golive_tui import actions
from golive_tui.actor import Actor, Operator, session_key
from golive_tui.captains import replaced_since
from golive_tui.checklists import load_checklist
from golive_tui.errors import GoliveError
from golive_tui.presence import LocalArea, Presence, S3Area, area_of, captains, label
from golive_tui.state import ConflictError, open_store

MINI = Path(__file__).parent / "data" / "mini.toml"
PRODUCTION = (
    Path(__file__).resolve().parent.parent
    / "golive_tui"
    / "data"
    / "checklists"
    / "production.toml"
)
NOW = datetime(2026, 12, 7, 19, 0, tzinfo=UTC)


def auth_info(tmp_path: Path, who: str) -> tuple[Path, str]:
    """What sshd with `ExposeAuthInfo yes` writes for a login with `who`'s key, and that key's
    fingerprint."""
    key = tmp_path / "keys" / who
    key.parent.mkdir(exist_ok=True)
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", who, "-f", str(key)], check=True
    )
    kind, blob = key.with_suffix(".pub").read_text().split()[:2]
    info = tmp_path / f"auth-{who}"
    info.write_text(f"publickey {kind} {blob}\n")
    printed = subprocess.run(
        ["ssh-keygen", "-l", "-f", str(key.with_suffix(".pub"))],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()[1]
    return info, printed


def test_the_key_sshd_exposes_is_the_person_behind_a_shared_account(tmp_path: Path) -> None:
    kim, kim_fp = auth_info(tmp_path, "kim")
    lee, lee_fp = auth_info(tmp_path, "lee")
    assert session_key({"SSH_USER_AUTH": str(kim)}) == (
        kim_fp,
        "login",
    )  # as `ssh-keygen -l` prints it
    a = Operator.current(
        {
            "SSH_USER_AUTH": str(kim),
            "SSH_CONNECTION": "10.0.4.7 52000 10.0.0.5 22",
            "GOLIVE_USER": "Kim",
        }
    )
    b = Operator.current(
        {
            "SSH_USER_AUTH": str(lee),
            "SSH_CONNECTION": "10.0.4.9 52001 10.0.0.5 22",
            "GOLIVE_USER": "Lee",
        }
    )
    assert a.user == b.user and a.host == b.host  # one OS account ...
    assert a.key != b.key and a.ssh_key == kim_fp and b.ssh_key == lee_fp  # ... two people
    assert a.captain.startswith("Kim (") and kim_fp[:15] in a.captain
    assert Operator.from_record(a.record()) == a
    # Without anything the machine can know, one account is one captain.
    assert Operator.current({}).key == Operator.current({"GOLIVE_USER": "someone"}).key


def test_two_sessions_of_one_account_with_different_keys_are_two_captains_in_the_record(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "GOLIVE_CHECKLIST": str(MINI)}
    for who, item in (("kim", "go-live.infra.cluster"), ("lee", "security.waf")):
        info, _ = auth_info(tmp_path, who)
        done = subprocess.run(
            [sys.executable, "-m", "golive_tui", "mark", item, "done", "--note", f"by {who}"],
            cwd=tmp_path,
            env={**env, "SSH_USER_AUTH": str(info), "GOLIVE_USER": who.title()},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
    state = open_store(tmp_path / "golive-state.toml").read()
    operators = [Operator.from_record(e.operator) for e in state.audit]
    assert len({o.user for o in operators}) == 1 and len({o.key for o in operators}) == 2
    assert [o.person for o in operators] == ["Kim", "Lee"] and all(
        o.key_source == "login" for o in operators
    )
    # Separation of duties follows the person: each captain may approve one role of their own.
    checklist = load_checklist(str(PRODUCTION))
    assert checklist.signoff.one_role_per_operator
    store = open_store(tmp_path / "production-state.toml", checklist=checklist.title)
    actions.approve(store, checklist, "qa-lead", actor=Actor.current("Kim", operator=operators[0]))
    actions.approve(
        store, checklist, "security-lead", actor=Actor.current("Lee", operator=operators[1])
    )
    with pytest.raises(GoliveError, match="one operator records one role"):
        actions.approve(
            store, checklist, "product-manager", actor=Actor.current("Kim", operator=operators[0])
        )


def test_presence_counts_people_not_windows_and_forgets_who_left(tmp_path: Path) -> None:
    state = tmp_path / "golive-state.toml"
    kim = Operator("ubuntu", "bastion", ssh_key="SHA256:kimkimkimkimkimkimkim", person="Kim")
    lee = Operator("ubuntu", "bastion", ssh_key="SHA256:leeleeleeleeleeleelee", person="Lee")
    mine, kims_second_window, lees = (Presence(LocalArea(state), op) for op in (kim, kim, lee))
    assert label(mine.beat(NOW), kim) == ""
    kims_second_window.beat(NOW)
    assert label(mine.beat(NOW), kim) == ""  # the same person in two windows is one captain
    lees.beat(NOW)
    others = mine.beat(NOW + timedelta(seconds=5))
    assert label(others, kim) == "2 captains" and captains(others, kim) == [lee.captain]
    assert label(lees.beat(NOW + timedelta(seconds=5)), lee) == "2 captains"
    # Lee's terminal died: no heartbeat for longer than the TTL.
    assert label(mine.beat(NOW + timedelta(minutes=2)), kim) == ""
    lees.beat(NOW + timedelta(minutes=2))
    lees.leave()
    assert label(mine.beat(NOW + timedelta(minutes=2)), kim) == ""
    assert (
        oct(next((tmp_path / ".golive-state.toml.presence").glob("*.json")).stat().st_mode & 0o777)
        == "0o600"
    )
    # Nothing of it is in the record.
    assert not state.exists()


@pytest.mark.slow
def test_presence_beside_an_s3_record(tmp_path: Path) -> None:
    from golive_tui.sandbox.moto_s3 import S3Server
    from golive_tui.state.s3 import S3Object

    server = S3Server().start()
    try:
        bucket = server.bucket(f"golive-{uuid.uuid4().hex[:12]}")
        url = f"s3://{bucket}/prod/golive-state.toml"
        stores = [
            open_store(
                url,
                checklist="Mini go-live",
                journal_dir=tmp_path / f"j{i}",
                storage=S3Object(url, endpoint_url=server.endpoint_url),
            )
            for i in range(2)
        ]
        areas = [area_of(store) for store in stores]
        assert all(isinstance(area, S3Area) for area in areas)
        kim = Operator("ubuntu", "bastion", ssh_key="SHA256:kim", person="Kim")
        lee = Operator("ubuntu", "bastion", ssh_key="SHA256:lee", person="Lee")
        a, b = Presence(areas[0], kim), Presence(areas[1], lee)
        a.beat(NOW)
        assert captains(b.beat(NOW), lee) == [kim.captain]
        assert label(a.beat(NOW), kim) == "2 captains"
        b.leave()
        assert label(a.beat(NOW), kim) == ""
    finally:
        server.stop()


def test_a_captain_whose_note_was_replaced_after_a_conflict_is_told(tmp_path: Path) -> None:
    checklist = load_checklist(str(MINI))
    store = open_store(tmp_path / "state.toml", checklist=checklist.title)
    kim = Actor.current(
        "Kim", operator=Operator("ubuntu", "bastion", ssh_key="SHA256:kim", person="Kim")
    )
    lee = Actor.current(
        "Lee", operator=Operator("ubuntu", "bastion", ssh_key="SHA256:lee", person="Lee")
    )
    waf = checklist.item("security.waf")
    actions.annotate(store, waf, actor=kim, note="original", evidence=None)
    seen_by_lee = {"note": "original"}
    actions.annotate(
        store, waf, actor=kim, note="kim: rules reviewed", evidence=None, seen={"note": "original"}
    )
    kim_saw = store.read().audit[-1].seq
    with pytest.raises(
        ConflictError
    ):  # Lee edited the same note meanwhile: the conflict dialog ...
        actions.annotate(
            store, waf, actor=lee, note="lee: two rules missing", evidence=None, seen=seen_by_lee
        )
    # ... and Lee keeps theirs: written over Kim's words, knowing what they were.
    actions.annotate(
        store,
        waf,
        actor=lee,
        note="lee: two rules missing",
        evidence=None,
        seen={"note": "kim: rules reviewed"},
    )
    told = replaced_since(store.read(), kim.operator, kim_saw)
    assert [(r.item, r.field, r.yours, r.theirs) for r in told] == [
        ("security.waf", "note", "kim: rules reviewed", "lee: two rules missing")
    ]
    assert (
        "Lee (Lee (ubuntu@bastion key SHA256:lee…))" in told[0].message()
        and "history" in told[0].message()
    )
    assert (
        replaced_since(store.read(), lee.operator, kim_saw) == []
    )  # Lee replaced nothing of their own
    # A probe's verdict changing a status is not another captain replacing one's words.
    assert (
        json.dumps(
            [r.item for r in replaced_since(store.read(), kim.operator, store.read().audit[-1].seq)]
        )
        == "[]"
    )


def test_a_forced_go_live_is_confirmed_by_the_other_captain_of_a_shared_account_never_by_the_same(
    tmp_path: Path,
) -> None:
    checklist = load_checklist(str(MINI))
    kim = Operator("ubuntu", "bastion", ssh_key="SHA256:kim", person="Kim")
    lee = Operator("ubuntu", "bastion", ssh_key="SHA256:lee", person="Lee")
    console = Operator("ubuntu", "bastion")  # a session that cannot say whose it is
    for confirmer, allowed in (
        (console, False),
        (Operator("ubuntu", "bastion", ssh_key="SHA256:kim"), False),
        (lee, True),
    ):
        store = open_store(
            tmp_path / f"{confirmer.ssh_key or 'console'}.toml", checklist=checklist.title
        )
        actions.go_live(
            store, checklist, actor=Actor.current("Kim", operator=kim), force_reason="window closes"
        )
        if allowed:
            actions.confirm_forced_go_live(
                store, checklist, actor=Actor.current("Lee", operator=confirmer)
            )
            assert store.read().meta.golive_at is not None
        else:
            with pytest.raises(GoliveError, match="a second operator must confirm it"):
                actions.confirm_forced_go_live(
                    store, checklist, actor=Actor.current("Kim again", operator=confirmer)
                )
    assert (
        kim.same_person(console)
        and not kim.same_person(lee)
        and not kim.same_person(Operator("root", "bastion"))
    )


def test_a_forwarded_agents_key_names_the_person_when_sshd_does_not(
    tmp_path: Path, monkeypatch
) -> None:
    import shutil

    if shutil.which("ssh-agent") is None:
        pytest.skip("needs ssh-agent")
    key = tmp_path / "keys" / "kim"
    key.parent.mkdir()
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "kim", "-f", str(key)], check=True
    )
    socket = tmp_path / "agent.sock"
    agent = subprocess.Popen(
        ["ssh-agent", "-D", "-a", str(socket)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 10
        while (
            not socket.exists() and time.monotonic() < deadline
        ):  # waiting for the agent's socket, not racing it
            time.sleep(0.02)
        monkeypatch.setenv("SSH_AUTH_SOCK", str(socket))
        subprocess.run(
            ["ssh-add", "-q", str(key)],
            check=True,
            env={**os.environ, "SSH_AUTH_SOCK": str(socket)},
        )
        printed = subprocess.run(
            ["ssh-keygen", "-l", "-f", str(key.with_suffix(".pub"))],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()[1]
        env = {"SSH_AUTH_SOCK": str(socket), "SSH_CONNECTION": "10.0.4.7 52000 10.0.0.5 22"}
        assert session_key(env) == (printed, "agent")
        assert session_key({"SSH_AUTH_SOCK": str(socket)}) == (
            "",
            "",
        )  # a local desktop's agent says nothing
    finally:
        agent.terminate()
        agent.wait(timeout=10)
