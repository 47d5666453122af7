"""A record in a shared directory (a bastion's /srv/cutover, /tmp): files another user planted.

Real Unix accounts created for the test (useradd; skipped without root): `mallory` plants
files, `carol` is a captain who is not root. golive runs as root and as carol (the system
Python with this worktree's packages: root's own interpreter lives under /root). This
machine has fs.protected_symlinks=0, so nothing but golive stops a planted symlink.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
MINI = REPO / "tests" / "data" / "mini.toml"
SYSTEM_PYTHON = "/usr/bin/python3"


@dataclass
class Account:
    name: str
    uid: int
    gid: int
    home: Path


@dataclass
class Host:
    mallory: Account
    carol: Account
    captains: str
    captains_gid: int
    shared: Path
    """A directory every user can write to, sticky, as /tmp."""
    outside: Path
    """Where planted symlinks point: nothing may ever be created here."""


def _site_packages() -> str:
    import pydantic

    return str(Path(pydantic.__file__).resolve().parent.parent)


@pytest.fixture
def host(tmp_path: Path) -> Iterator[Host]:
    if os.geteuid() != 0 or not all(
        shutil.which(t) for t in ("useradd", "userdel", "groupadd", "groupdel")
    ):
        pytest.skip("needs root with useradd/groupadd to create the other users of a shared host")
    tag = uuid.uuid4().hex[:6]
    group, names = f"glh{tag}", [f"glm{tag}", f"glc{tag}"]
    subprocess.run(["groupadd", group], check=True)
    made: list[str] = []
    shared = Path(tempfile.mkdtemp(prefix="golive-hostile-", dir="/tmp"))
    base = Path(
        tempfile.mkdtemp(prefix="golive-hostile-homes-", dir="/tmp")
    )  # pytest's tmp_path is root's alone
    base.chmod(0o755)
    try:
        import grp
        import pwd

        for name in names:
            subprocess.run(
                ["useradd", "-M", "-N", "-s", "/usr/sbin/nologin", "-G", group, name], check=True
            )
            made.append(name)
        accounts = []
        for name in names:
            entry = pwd.getpwnam(name)
            home = base / f"home-{name}"
            home.mkdir()
            os.chown(home, entry.pw_uid, entry.pw_gid)
            accounts.append(Account(name, entry.pw_uid, entry.pw_gid, home))
        shared.chmod(0o1777)
        outside = base / "outside"
        outside.mkdir()
        outside.chmod(0o777)
        yield Host(accounts[0], accounts[1], group, grp.getgrnam(group).gr_gid, shared, outside)
    finally:
        shutil.rmtree(shared, ignore_errors=True)
        shutil.rmtree(base, ignore_errors=True)
        for name in made:
            subprocess.run(["userdel", name], check=False, capture_output=True)
        subprocess.run(["groupdel", group], check=False, capture_output=True)


def golive_as(
    who: Account | None, *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """The real CLI as root (who=None) or as another local user."""
    extra = dict(env or {})
    if who is None:
        return subprocess.run(
            [sys.executable, "-m", "golive_tui", "--checklist", str(MINI), *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, **extra},
        )
    environment = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(who.home),
        "XDG_STATE_HOME": str(who.home / "state"),
        "XDG_CONFIG_HOME": str(who.home / "config"),
        "GOLIVE_USER": who.name,
        "LANG": "C.UTF-8",
        "PYTHONPATH": f"{REPO}:{_site_packages()}",
        "PYTHONDONTWRITEBYTECODE": "1",
        **extra,
    }
    return subprocess.run(
        [SYSTEM_PYTHON, "-m", "golive_tui", "--checklist", str(MINI), *args],
        cwd=who.home,
        capture_output=True,
        text=True,
        timeout=60,
        env=environment,
        user=who.uid,
        group=who.gid,
        extra_groups=[],
    )


def _victim(host: Host, who: str) -> Account | None:
    if who == "root":
        return None
    probe = golive_as(host.carol, "--version", cwd=host.carol.home)
    if probe.returncode != 0:
        pytest.skip(
            f"golive cannot run as another user with {SYSTEM_PYTHON}: {probe.stderr.strip()[-200:]}"
        )
    return host.carol


def _planted_by(path: Path, account: Account) -> None:
    os.lchown(path, account.uid, account.gid)


@pytest.mark.parametrize("who", ["root", "carol"])
def test_a_dangling_symlink_lock_is_refused_and_nothing_is_created_outside(
    host: Host, who: str
) -> None:
    victim = _victim(host, who)
    state = host.shared / "golive-state.toml"
    target = host.outside / "created-by-golive"
    lock = host.shared / "golive-state.toml.lock"
    lock.symlink_to(target)  # mallory's symlink, pointing where she wants a file
    _planted_by(lock, host.mallory)
    result = golive_as(
        victim, "--state", str(state), "mark", "security.waf", "done", cwd=host.shared
    )
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert (
        "is a symbolic link" in result.stderr
        and str(lock) in result.stderr
        and "Traceback" not in result.stderr
    )
    assert (
        not target.exists() and list(host.outside.iterdir()) == []
    )  # old code: the file at mallory's path
    assert not state.exists()


@pytest.mark.parametrize("who", ["root", "carol"])
def test_a_state_file_owned_by_another_user_is_refused(host: Host, who: str) -> None:
    victim = _victim(host, who)
    state = host.shared / "golive-state.toml"
    planter = (
        golive_as(
            host.mallory, "--state", str(state), "mark", "security.waf", "done", cwd=host.shared
        )
        if who == "carol"
        else None
    )
    if (
        planter is None or planter.returncode != 0
    ):  # as root's victim: a record mallory wrote, by ownership
        assert (
            golive_as(
                None, "--state", str(state), "mark", "security.waf", "done", cwd=host.shared
            ).returncode
            == 0
        )
        os.chown(state, host.mallory.uid, host.mallory.gid)
    state.chmod(0o644)  # readable to all: what golive refuses is its owner, not a permission error
    before = state.read_bytes()
    for args in (("status", "--no-gate"), ("mark", "go-live.infra.cluster", "done")):
        result = golive_as(victim, "--state", str(state), *args, cwd=host.shared)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert f"owned by {host.mallory.name} (uid {host.mallory.uid}), not by you" in result.stderr
        assert "Traceback" not in result.stderr
    assert state.read_bytes() == before


@pytest.mark.parametrize("who", ["root", "carol"])
def test_a_world_writable_state_or_bak_is_refused(host: Host, who: str) -> None:
    victim = _victim(host, who)
    directory = host.shared / f"records-{who}"
    directory.mkdir()
    if victim is not None:
        os.chown(directory, victim.uid, victim.gid)
    state = directory / "golive-state.toml"
    for item in ("security.waf", "go-live.infra.cluster"):
        assert (
            golive_as(victim, "--state", str(state), "mark", item, "done", cwd=directory).returncode
            == 0
        )
    state.chmod(0o666)
    result = golive_as(victim, "--state", str(state), "status", "--no-gate", cwd=directory)
    assert result.returncode == 2 and "writable by every user (mode 0666)" in result.stderr, (
        result.stderr
    )
    state.chmod(0o600)
    bak = directory / "golive-state.toml.bak"
    _planted_by(bak, host.mallory)
    result = golive_as(
        victim, "--state", str(state), "mark", "go-live.infra.rollback", "done", cwd=directory
    )
    assert (
        result.returncode == 2
        and f"{bak}: the .bak file is owned by {host.mallory.name}" in result.stderr
    )


def test_a_lock_held_by_another_users_process_is_named(host: Host, tmp_path: Path) -> None:
    """Captains share a record (state.group); one of them holds the lock: say who, soon, not
    'another golive'."""
    directory = host.shared / "cutover"
    directory.mkdir()
    os.chown(directory, 0, host.captains_gid)
    directory.chmod(0o2770)
    profile = tmp_path / "golive-profile.toml"
    profile.write_text(f'[state]\nmode = "0660"\ngroup = "{host.captains}"\n')
    state = directory / "golive-state.toml"
    common = ("--profile", str(profile), "--state", str(state))
    assert golive_as(None, *common, "mark", "security.waf", "done", cwd=tmp_path).returncode == 0
    holder = subprocess.Popen(
        [
            SYSTEM_PYTHON,
            "-c",
            "import fcntl, os, sys\n"
            f"fd = os.open({str(state) + '.lock'!r}, os.O_RDWR)\nfcntl.flock(fd, fcntl.LOCK_EX)\n"
            "print('held', flush=True)\nsys.stdin.read()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        user=host.mallory.uid,
        group=host.captains_gid,
        extra_groups=[host.captains_gid],
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        result = golive_as(
            None,
            *common,
            "mark",
            "go-live.infra.cluster",
            "done",
            cwd=tmp_path,
            env={"GOLIVE_LOCK_WAIT": "1"},
        )
        assert result.returncode == 2, result.stderr
        assert (
            f"a process of another user, {host.mallory.name} (uid "
            f"{host.mallory.uid}), pid {holder.pid}, holds the lock" in result.stderr
        ), result.stderr
        assert "waited 1s" in result.stderr and "nothing was written" in result.stderr
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)
    # Released: the captain's write goes through, in the captains' group.
    assert (
        golive_as(None, *common, "mark", "go-live.infra.cluster", "done", cwd=tmp_path).returncode
        == 0
    )
    assert state.stat().st_gid == host.captains_gid


def test_a_lock_file_planted_by_another_user_is_refused_at_once(host: Host) -> None:
    state = host.shared / "golive-state.toml"
    lock = host.shared / "golive-state.toml.lock"
    lock.write_text("")
    _planted_by(lock, host.mallory)
    lock.chmod(0o666)
    result = golive_as(
        None,
        "--state",
        str(state),
        "mark",
        "security.waf",
        "done",
        cwd=host.shared,
        env={"GOLIVE_LOCK_WAIT": "30"},
    )
    assert result.returncode == 2 and "the lock file is writable by every user" in result.stderr, (
        result.stderr
    )
    lock.chmod(0o644)
    result = golive_as(None, "--state", str(state), "mark", "security.waf", "done", cwd=host.shared)
    assert (
        result.returncode == 2 and f"the lock file is owned by {host.mallory.name}" in result.stderr
    )
    assert not state.exists()


def test_permission_denied_is_exit_2_with_the_path(host: Host) -> None:
    victim = _victim(host, "carol")
    directory = host.shared / "roots-only"
    directory.mkdir(mode=0o755)  # root's directory: carol may read, not write
    state = directory / "golive-state.toml"
    result = golive_as(
        victim, "--state", str(state), "mark", "security.waf", "done", cwd=host.shared
    )
    assert result.returncode == 2 and "permission denied" in result.stderr.lower(), result.stderr
    assert str(directory) in result.stderr and "Traceback" not in result.stderr
