"""AWS deadlines: botocore timeouts and retries bounded by what is left of the probe; refused is not
timed out."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from golive_tui.engine import run_sync
from golive_tui.model import Item, ProbeSpec
from golive_tui.probes import registry
from golive_tui.probes.aws_client import budgets, call_limits
from golive_tui.probes.base import ClientCache, Verdict
from golive_tui.sandbox.aws_moto import SandboxAccount

pytestmark = pytest.mark.slow

KINDS = [
    "aws.eks-cluster",
    "aws.rds-cluster",
    "aws.rds-backups",
    "aws.acm-certificates",
    "aws.wafv2",
    "aws.shield",
    "aws.cloudtrail",
    "aws.log-groups",
    "aws.security-groups",
    "aws.rds-tls",
]


def items() -> list[Item]:
    out = []
    for kind in KINDS:
        item = Item(id=kind.replace(".", "-"), title=kind, probe=[ProbeSpec(kind=kind)])
        object.__setattr__(item, "key", f"t.{item.id}")
        out.append(item)
    return out


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_limits_fit_the_budget() -> None:
    for budget in (0.3, 1.0, 2.0, 3.0, 10.0):
        limits = call_limits(budget)
        attempts = limits["retries"]["total_max_attempts"]
        worst = attempts * (limits["connect_timeout"] + limits["read_timeout"]) + (
            1.0 if attempts == 2 else 0.0
        )
        assert worst <= budget + 1e-9, (budget, limits)
    assert budgets(3) == [3, 1.5, 0.75, 0.375]


class CountingSilentServer:
    """Accepts every connection, counts it, and never answers: each botocore attempt is one
    connection."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.accepted:
            conn.close()


@pytest.fixture
def counting_silent() -> Iterator[CountingSilentServer]:
    server = CountingSilentServer()
    yield server
    server.close()


@pytest.mark.parametrize("timeout", [2, 4])
def test_a_silent_endpoint_gets_the_attempts_the_budget_allows_and_no_more(
    aws_healthy: SandboxAccount, counting_silent: CountingSilentServer, timeout: float
) -> None:
    """botocore's `max_attempts` counts retries, not attempts: one more than the budget was cut
    for."""
    profile = aws_healthy.profile(endpoint_url=f"http://127.0.0.1:{counting_silent.port}")
    (item,) = [i for i in items() if i.title == "aws.eks-cluster"]
    # The probe alone: the engine's reachability check would be one more connection than botocore's.
    (outcome,) = run_sync(profile, [item], timeout=timeout, reachability=False)
    planned = call_limits(timeout)["retries"]["total_max_attempts"]
    assert planned == (1 if timeout == 2 else 2)
    assert len(counting_silent.accepted) == planned, outcome.result.summary
    assert outcome.result.summary.startswith("AWS endpoint not answering: Read timeout"), (
        outcome.result.summary
    )
    assert outcome.result.duration_ms < timeout * 1000


def test_closed_port_is_refused_for_every_kind_at_concurrency_16(
    aws_healthy: SandboxAccount, closed_port: int
) -> None:
    profile = aws_healthy.profile(endpoint_url=f"http://127.0.0.1:{closed_port}")
    profile.run.concurrency = 16
    started = time.monotonic()
    results = run_sync(profile, items(), timeout=2)
    assert time.monotonic() - started < 2 + 1
    for outcome in results:
        summary = outcome.result.summary
        assert outcome.result.verdict is Verdict.ERROR, (outcome.item.title, summary)
        # One finding for the endpoint; each probe's own words (refused, not timed out) kept in the
        # evidence.
        assert summary == "not evaluated: AWS endpoint unreachable", (outcome.item.title, summary)
        assert "connection refused" in outcome.result.evidence, outcome.item.title
    said = (
        "the probe said: AWS endpoint unreachable: connection refused "
        f"(http://127.0.0.1:{closed_port}/"
    )
    assert any(
        said in outcome.result.evidence for outcome in results
    )  # those that ran first, in their own words


def test_blackhole_ends_within_the_timeout_for_every_kind(
    aws_healthy: SandboxAccount, blackhole: int
) -> None:
    profile = aws_healthy.profile(endpoint_url=f"http://127.0.0.1:{blackhole}")
    clients = ClientCache()
    # boto3 imported, every kind's client built for this timeout: set-up is not the probe's time
    # (see prepare)
    run_sync(profile, items(), timeout=2, clients=clients)
    started = time.monotonic()
    results = run_sync(profile, items(), timeout=2, clients=clients)
    assert time.monotonic() - started < 2 + 1
    for (
        outcome
    ) in results:  # the endpoint found silent: one finding, every item cut before its deadline
        assert outcome.result.summary == "not evaluated: AWS endpoint unreachable", (
            outcome.result.summary
        )
        assert outcome.result.duration_ms < 2 * 1000, (
            outcome.item.title,
            outcome.result.duration_ms,
        )
    started = time.monotonic()
    results = run_sync(
        profile, items(), timeout=2, clients=clients, reachability=False
    )  # each probe alone
    assert time.monotonic() - started < 2 + 1
    for outcome in results:
        # the engine's cut-off (timeout + grace) never had to act: botocore's own read timeout ended
        # the call
        assert outcome.result.duration_ms < (2 + 0.4) * 1000, (
            outcome.item.title,
            outcome.result.duration_ms,
        )
        assert outcome.result.verdict is Verdict.ERROR
        assert outcome.result.summary.startswith(
            "AWS endpoint not answering: Read timeout on endpoint URL"
        ), outcome.result.summary
        assert (
            "timed out after" not in outcome.result.summary
        )  # our reason, not the engine's cut-off


def test_every_aws_kind_builds_its_clients_before_the_deadline() -> None:
    kinds = {name: kind for name, kind in registry().items() if name.startswith("aws.")}
    assert kinds and all(kind.prepare is not None for kind in kinds.values())
