"""The state file on disk: modes, groups, leftovers of killed writers, two Unix accounts sharing one
file."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

from golive_tui import actions
from golive_tui.actor import Actor
from golive_tui.checklists import load_checklist
from golive_tui.profile import Profile
from golive_tui.state import open_store, verify

MINI = Path(__file__).parent / "data" / "mini.toml"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_bak_and_state_get_0600_whatever_the_old_file_had(tmp_path: Path) -> None:
    checklist = load_checklist(MINI)
    path = tmp_path / "golive-state.toml"
    store = open_store(path, checklist=checklist.title)
    actions.mark(store, checklist.item("security.waf"), "done", actor=Actor.current("a"))
    path.chmod(0o644)  # as a hand copy or an old golive left it
    actions.mark(store, checklist.item("security.waf"), "failed", actor=Actor.current("a"))
    assert _mode(path) == 0o600 and _mode(path.with_name(path.name + ".bak")) == 0o600
    assert _mode(Path(str(path) + ".lock")) == 0o600


def test_a_killed_writers_temp_files_are_removed_by_the_next_writer(tmp_path: Path) -> None:
    checklist = load_checklist(MINI)
    path = tmp_path / "golive-state.toml"
    store = open_store(path, checklist=checklist.title)
    actions.mark(store, checklist.item("security.waf"), "done", actor=Actor.current("a"))
    leftovers = [tmp_path / f".golive-state.toml.{n}x7q.tmp" for n in range(3)] + [
        tmp_path / ".golive-state.toml.k2.tmp.bak"
    ]
    for leftover in leftovers:
        leftover.write_text(
            path.read_text()
        )  # a full copy of the record, as a SIGKILL mid-write leaves it
    unrelated = tmp_path / ".other-file.tmp"
    unrelated.write_text("not ours")
    actions.mark(store, checklist.item("security.waf"), "failed", actor=Actor.current("a"))
    assert not any(p.exists() for p in leftovers)
    assert unrelated.exists()


def test_a_sigkilled_writer_leaves_nothing_the_next_one_keeps(tmp_path: Path) -> None:
    path = tmp_path / "golive-state.toml"
    code = (
        "import os, signal\n"
        "from golive_tui.state import storage\n"
        "real = os.replace\n"
        "def die(src, dst):\n"
        "    if str(dst).endswith('golive-state.toml'): os.kill(os.getpid(), signal.SIGKILL)\n"
        "    real(src, dst)\n"
        "storage.os.replace = die\n"
        "from golive_tui import actions\n"
        "from golive_tui.actor import Actor\n"
        "from golive_tui.checklists import load_checklist\n"
        "from golive_tui.state import open_store\n"
        f"checklist = load_checklist({str(MINI)!r})\n"
        f"store = open_store({str(path)!r}, checklist=checklist.title)\n"
        "actions.mark(store, checklist.item('security.waf'), "
        "'done', actor=Actor.current('killed'))\n"
    )
    checklist = load_checklist(MINI)
    store = open_store(path, checklist=checklist.title)
    actions.mark(store, checklist.item("go-live.infra.cluster"), "done", actor=Actor.current("a"))
    for _ in range(5):
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
        assert result.returncode == -9
    # Each writer holding the lock removes the one before's leftovers: only the last kill's remain,
    # never 5 copies.
    left = sorted(p.name for p in tmp_path.glob(".golive-state.toml.*.tmp*"))
    assert 1 <= len(left) <= 2 and len({name.split(".")[2] for name in left}) == 1, left
    actions.mark(store, checklist.item("go-live.infra.rollback"), "done", actor=Actor.current("a"))
    assert list(tmp_path.glob(".golive-state.toml.*.tmp*")) == []
    assert verify(store.read()).ok and store.read().item("security.waf").status == "pending"


# --- two captains on one host ------------------------------------------------------------------
def _can_make_users() -> bool:
    return os.geteuid() == 0 and all(
        shutil.which(tool) for tool in ("useradd", "groupadd", "userdel", "groupdel")
    )


@pytest.fixture
def captains():
    """Two real Unix accounts in a shared group (created for the test, removed after)."""
    if not _can_make_users():
        pytest.skip("needs root with useradd/groupadd to create two Unix accounts")
    tag = uuid.uuid4().hex[:6]
    group, users = f"glcapt{tag}", [f"glca{tag}", f"glcb{tag}"]
    subprocess.run(["groupadd", group], check=True)
    try:
        for user in users:
            subprocess.run(
                ["useradd", "-M", "-N", "-s", "/usr/sbin/nologin", "-G", group, user], check=True
            )
        import grp
        import pwd

        yield grp.getgrnam(group).gr_gid, [pwd.getpwnam(u) for u in users]
    finally:
        for user in users:
            subprocess.run(["userdel", user], check=False, capture_output=True)
        subprocess.run(["groupdel", group], check=False, capture_output=True)


def _as_user(uid: int, gid: int, groups: list[int], path: str, item: str, note: str, queue) -> None:
    try:
        os.setgroups(groups)
        os.setgid(gid)
        os.setuid(uid)
        os.umask(0o077)  # a careful user's umask: the mode still comes from state.mode
        checklist = load_checklist(MINI)
        profile = Profile.model_validate({"state": {"mode": "0660"}})
        store = open_store(path, profile, checklist=checklist.title)
        actions.mark(store, checklist.item(item), "done", note=note, actor=Actor.current())
        queue.put(("ok", os.getuid()))
    except BaseException as exc:  # report to the parent instead of dying silently
        queue.put(("error", f"{type(exc).__name__}: {exc}"))


def test_two_unix_accounts_share_one_state_file_with_mode_0660(captains) -> None:
    gid, (alice, bob) = captains
    shared = Path(tempfile.mkdtemp(prefix="golive-shared-", dir="/tmp"))
    try:
        os.chown(shared, 0, gid)
        shared.chmod(0o2770)  # the captains' directory: group-owned, setgid
        path = str(shared / "golive-state.toml")
        # Everything the children need is imported and warmed here: after setuid they cannot read
        # /root.
        warm = open_store(Path(tempfile.mkdtemp()) / "warm.toml", checklist="warm")
        actions.mark(warm, load_checklist(MINI).item("security.waf"), "done", actor=Actor.current())
        import grp  # noqa: F401  (used by the store when a group cannot be kept)

        context = multiprocessing.get_context("fork")
        queue = context.Queue()
        for user, item, note in (
            (alice, "security.waf", "alice checked the WAF"),
            (bob, "go-live.infra.cluster", "bob checked the cluster"),
            (alice, "go-live.infra.rollback", "alice again, after bob"),
        ):
            child = context.Process(
                target=_as_user, args=(user.pw_uid, user.pw_gid, [gid], path, item, note, queue)
            )
            child.start()
            child.join(60)
            outcome = queue.get(timeout=5)
            assert outcome == ("ok", user.pw_uid), outcome
        state_file = Path(path)
        for made in (
            state_file,
            state_file.with_name(state_file.name + ".bak"),
            Path(path + ".lock"),
        ):
            assert _mode(made) == 0o660, made
            assert made.stat().st_gid == gid, made
        # Files owned by the captains are trusted in their group (the setgid directory's, mode 0660)
        # only.
        state = open_store(state_file, Profile.model_validate({"state": {"mode": "0660"}})).read()
        assert verify(state).ok
        assert {e.operator["user"] for e in state.audit} == {alice.pw_name, bob.pw_name}
        assert state.item("go-live.infra.cluster").note == "bob checked the cluster"
    finally:
        shutil.rmtree(shared, ignore_errors=True)
