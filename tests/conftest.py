"""Shared test set-up: isolate every test from the user's files and environment."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest_plugins = [
    "tests.fixtures.k8s",
    "tests.fixtures.aws",
    "tests.fixtures.web",
    "tests.fixtures.demo",
    "tests.fixtures.s3",
]

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "tests" / "data" / "seed" / "production-checklist.md"
PRODUCTION = REPO / "golive_tui" / "data" / "checklists" / "production.toml"


def pytest_sessionstart(session: pytest.Session) -> None:
    import importlib.util

    if (
        importlib.util.find_spec("keyrings.alt") is None
    ):  # the tests' keyring backend (dependency group `test`)
        pytest.exit(
            "keyrings.alt is missing: uv sync --all-extras --all-groups (or run ./scripts/test)",
            returncode=2,
        )


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the developer's kubeconfig, AWS profile, golive profile or keyring."""
    for var in (
        "KUBECONFIG",
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL",
        "GOLIVE_PROFILE",
        "GOLIVE_STATE",
        "NO_COLOR",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("GOLIVE_USER", "tester@ci")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / ".config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "home" / ".local" / "state"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    (tmp_path / "home").mkdir(exist_ok=True)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def seed_path() -> Path:
    if not SEED.exists():
        pytest.fail(f"seed document missing at {SEED}")
    return SEED


@pytest.fixture
def blackhole() -> Iterator[int]:
    """A port that accepts TCP connections and never sends a byte (not even a TLS handshake)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield sock.getsockname()[1]


@pytest.fixture
def cpu_hogs() -> Iterator[None]:
    """Two processes spinning on the CPU while the test runs: this 2-core machine loaded as in a
    shared CI run."""
    hogs = [subprocess.Popen([sys.executable, "-c", "while True:\n    pass"]) for _ in range(2)]
    try:
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait(timeout=10)
