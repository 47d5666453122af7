"""`golive demo`: the staged production in its own process, its verdicts, a second cockpit, `--dir`,
no stray process or file."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

pytestmark = pytest.mark.slow
DEMO = [sys.executable, "-m", "golive_tui", "demo"]


def pids_with(*words: str) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if all(word in cmdline for word in words):
                pids.append(int(proc.name))
    return pids


def prometheus_pids(marker: str) -> list[int]:
    return pids_with("prometheus", "--config.file", marker)


def demo_children(marker: str) -> list[int]:
    return pids_with("golive_tui.sandbox.demo_process", marker)


def wait_for(condition, timeout: float = 120) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def listening_pid(port: int) -> int | None:
    """The process holding the listening TCP socket on 127.0.0.1:`port` (from /proc/net/tcp and each
    pid's fds)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1].endswith(f":{port:04X}") and fields[3] == "0A":  # LISTEN
            inodes.add(f"socket:[{fields[9]}]")
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if any(os.readlink(fd) in inodes for fd in (proc / "fd").iterdir()):
                    return int(proc.name)
            except OSError:
                continue
    return None


def clean_env(home: Path) -> dict[str, str]:
    """A second shell: none of the demo's variables, no AWS or kube settings from the
    environment."""
    home.mkdir(exist_ok=True)
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "GOLIVE_USER": "second@captain",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }


def test_headless_demo_run_json_and_clean_exit(tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    result = subprocess.run(
        [*DEMO, "--headless", "--", "run", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 1, result.stderr[-2000:]  # the mixed production has failures
    assert "every server stopped; its temporary folder is removed" in result.stderr
    items = {i["id"]: i for i in json.loads(result.stdout)["items"]}
    verdict = {key: item["verdict"] for key, item in items.items()}
    # The realistic failures the demo is built to show:
    assert (
        "2 zones" in items["go-live.infrastructure.node-groups"]["summary"]
        and verdict["go-live.infrastructure.node-groups"] == "fail"
    )
    assert (
        "deal-service: 2/3 available"
        in items["go-live.application.all-services-deployed"]["summary"]
    )
    assert (
        items["go-live.infrastructure.auto-scaling"]["summary"] == "no HPA for: inventory-service"
    )
    assert (
        "customer-service/customer-service: runAsUser 0"
        in items["security.infrastructure.container-security"]["evidence"]
    )
    assert (
        "7 days" in items["go-live.database.backups"]["summary"]
        and verdict["go-live.database.backups"] == "fail"
    )
    assert (
        verdict["go-live.infrastructure.ssl-certificates"] == "fail"
        and "days" in items["go-live.infrastructure.ssl-certificates"]["summary"]
    )
    assert (
        items["security.application.security-headers"]["summary"]
        == "missing: Content-Security-Policy"
    )
    assert "Python traceback" in items["go-live.application.error-handling"]["summary"]
    assert verdict["performance.baseline.api-response-time-p95"] == "acceptable"
    # … and most of the estate passes, the AWS side telling the same Kubernetes version as the API
    # server.
    for key in (
        "go-live.infrastructure.eks-cluster",
        "go-live.database.encryption",
        "go-live.application.health-checks",
        "security.infrastructure.waf",
        "security.infrastructure.ddos-protection",
        "go-live.monitoring.prometheus",
        "performance.baseline.error-rate",
        "performance.service.tax-engine",
        "go-live.infrastructure.load-balancer",
    ):
        assert verdict[key] == "pass", (key, items[key]["summary"])
    assert "(Kubernetes 1.32)" in items["go-live.infrastructure.eks-cluster"]["summary"]
    counts = json.loads(result.stdout)["counts"]
    assert counts["pass"] > counts["fail"] + counts.get("error", 0)
    assert prometheus_pids(str(tmp_path)) == [] and demo_children(str(tmp_path)) == []
    assert not list(tmp_path.glob("golive-demo-*"))  # kubeconfig token, moto keys, CA: removed


def test_demo_stops_every_server_on_sigterm(tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.Popen(
        [*DEMO, "--headless", "--", "status"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert wait_for(lambda: prometheus_pids(str(tmp_path))), "prometheus never started"
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert "every server stopped" in stderr
    assert wait_for(
        lambda: not prometheus_pids(str(tmp_path)) and not demo_children(str(tmp_path)), 10
    )
    assert not list(tmp_path.glob("golive-demo-*"))


def test_everything_dies_with_golive_even_on_sigkill(tmp_path: Path) -> None:
    """A dropped SSH session or a kill -9 leaves no staged production, Prometheus or temporary
    folder behind."""
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.Popen(
        [*DEMO, "--headless", "--", "run", "--format", "json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=tmp_path,
    )
    assert wait_for(lambda: prometheus_pids(str(tmp_path)) and demo_children(str(tmp_path))), (
        "the demo never started"
    )
    proc.kill()
    proc.wait(timeout=30)
    assert wait_for(
        lambda: not prometheus_pids(str(tmp_path)) and not demo_children(str(tmp_path)), 30
    )
    assert wait_for(lambda: not list(tmp_path.glob("golive-demo-*")), 10), [
        str(p.relative_to(tmp_path)) for p in tmp_path.glob("golive-demo-*/**/*")
    ]  # what is left says who wrote after the clean-up


def test_a_demo_to_come_back_to_and_a_second_cockpit_on_it(tmp_path: Path) -> None:
    directory = tmp_path / "my-demo"
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.Popen(
        [*DEMO, "--dir", str(directory), "--no-cockpit"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        lines = []
        while not any("a second cockpit on this demo:" in line for line in lines):
            line = proc.stderr.readline()
            assert line, "".join(lines)
            lines.append(line)
        command = shlex.split(lines[-1].split("a second cockpit on this demo: ", 1)[1])
        assert command[-4:] == [
            "--profile",
            str(directory / "profile.toml"),
            "--state",
            str(directory / "golive-state.toml"),
        ]
        # The staged production is served by the child process, not by the cockpit's.
        children = demo_children(str(directory))
        assert len(children) == 1
        kubeconfig = yaml.safe_load(directory.joinpath("kubeconfig").read_text())
        kube_port = urlsplit(kubeconfig["clusters"][0]["cluster"]["server"]).port
        assert listening_pid(kube_port) == children[0] != proc.pid
        # That one command, from another shell with none of the demo's variables, reaches every
        # backend.
        second = subprocess.run(
            [
                *command,
                "run",
                "--format",
                "json",
                "--yes",
                "--item",
                "go-live.infrastructure.eks-cluster",
                "--item",
                "go-live.database.encryption",
                "--item",
                "go-live.infrastructure.load-balancer",
                "--item",
                "go-live.monitoring.pagerduty",
                "--item",
                "go-live.monitoring.prometheus",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
            env=clean_env(tmp_path / "home"),
        )
        assert second.returncode == 0, second.stderr
        verdicts = {
            i["id"]: (i["verdict"], i["summary"]) for i in json.loads(second.stdout)["items"]
        }
        assert {k: v for k, (v, _) in verdicts.items()} == dict.fromkeys(verdicts, "pass"), verdicts
        # A second demo on the same directory is told how to join this one.
        again = subprocess.run(
            [*DEMO, "--dir", str(directory), "--headless", "--", "status"],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            cwd=tmp_path,
        )
        assert (
            again.returncode == 2
            and "a demo is already running in" in again.stderr
            and "--profile" in again.stderr
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        _, rest = proc.communicate(timeout=60)
    assert f"kept {directory}" in rest
    assert (directory / "golive-state.toml").exists() and not demo_children(str(directory))
    # Resumed: the record the second cockpit wrote is still there after a restart.
    record = tomllib.loads((directory / "golive-state.toml").read_text())
    assert record["items"]["go-live.monitoring.pagerduty"]["probe"]["verdict"] == "pass"
    resumed = subprocess.run(
        [
            *DEMO,
            "--dir",
            str(directory),
            "--headless",
            "--",
            "audit",
            "--format",
            "json",
            "--item",
            "go-live.monitoring.pagerduty",
        ],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
        cwd=tmp_path,
    )
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"resuming {directory / 'golive-state.toml'}" in resumed.stderr
    assert [entry["by"] for entry in json.loads(resumed.stdout)] == ["second@captain"]
    assert (
        directory / "pagerduty-routing-key"
    ).stat().st_mode & 0o077 == 0 and directory.stat().st_mode & 0o077 == 0


def test_the_cockpit_restores_the_terminal_and_stops_everything_when_the_session_drops(
    tmp_path: Path,
) -> None:
    """SIGHUP (a dropped SSH session) while the TUI runs: no traceback, the staged production and
    its folder gone."""
    import shutil

    if not shutil.which("tmux"):
        pytest.fail("tmux is missing: ./scripts/test installs it")
    session = f"golive-demo-{os.getpid()}"
    command = f"TMPDIR={shlex.quote(str(tmp_path))} {shlex.join(DEMO)}; echo EXIT=$?; sleep 30"
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "100", "-y", "30", "sh", "-c", command],
        check=True,
        cwd=tmp_path,
    )
    try:

        def screen() -> str:  # the pane and its scroll-back: what the captain's terminal shows
            return subprocess.run(
                ["tmux", "capture-pane", "-p", "-S", "-200", "-t", session],
                capture_output=True,
                text=True,
            ).stdout

        assert wait_for(lambda: "NO-GO" in screen(), 100), screen()
        child = demo_children(str(tmp_path))
        assert len(child) == 1
        cmdline = Path(f"/proc/{child[0]}/cmdline").read_bytes().split(b"\0")
        parent = int(cmdline[cmdline.index(b"--parent") + 1])
        os.kill(
            parent, signal.SIGHUP
        )  # as the kernel does when the terminal hangs up: SIGHUP, then SIGCONT
        os.kill(parent, signal.SIGCONT)
        assert wait_for(lambda: "EXIT=" in screen(), 60), screen()
        output = screen()
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    assert (
        "Traceback" not in output
        and "every server stopped; its temporary folder is removed" in output
    )
    assert wait_for(
        lambda: not demo_children(str(tmp_path)) and not prometheus_pids(str(tmp_path)), 30
    )
    assert not list(tmp_path.glob("golive-demo-*"))


def test_a_terminal_lost_without_a_sighup_mid_sweep_ends_the_demo(tmp_path: Path) -> None:
    """nohup / setsid: the pty is not the controlling terminal, so closing it sends no signal. The
    cockpit notices within seconds, cancels the sweep, saves what arrived, and the demo stops every
    server."""
    import fcntl
    import select
    import struct
    import termios

    directory = tmp_path / "kept"
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    proc = subprocess.Popen(
        [*DEMO, "--dir", str(directory)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
        close_fds=True,
        cwd=tmp_path,
    )
    os.close(slave)
    output = b""

    def shown(text: bytes) -> bool:
        nonlocal output
        if select.select([master], [], [], 0.1)[0]:
            output += os.read(master, 65536)
        return text in output

    try:
        assert wait_for(lambda: shown(b"0/129"), 100), output[-2000:]
        os.write(master, b"R")
        assert wait_for(lambda: shown(b"probing"), 30), output[
            -2000:
        ]  # the terminal goes mid-sweep
        os.close(master)
        proc.wait(timeout=30)  # before: alive for ever, a core spinning on EOF (TimeoutExpired)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert wait_for(
        lambda: not demo_children(str(directory)) and not prometheus_pids(str(directory)), 30
    )
    verified = subprocess.run(
        [
            sys.executable,
            "-m",
            "golive_tui",
            "--state",
            str(directory / "golive-state.toml"),
            "--profile",
            str(directory / "profile.toml"),
            "audit",
            "verify",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert verified.returncode == 0, (
        verified.stdout + verified.stderr
    )  # the record whole after the abrupt end
