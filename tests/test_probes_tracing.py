"""`tracing.recent-traces` against real backends' APIs: X-Ray through boto3 and a moto server
(segments put with PutTraceSegments, read with GetTraceSummaries / BatchGetTraces), and a
Jaeger query API look-alike over HTTPS (sandbox CA). Each stages a healthy production (every
service traced in the window), a degraded one (tax-engine silent) and traps around a silent
customer-service, where a plausible but wrong probe passes (each `test_trap_*` names it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from golive_tui.engine import run_sync
from golive_tui.model import Item, ProbeSpec
from golive_tui.probes.base import ProbeResult, Verdict
from golive_tui.profile import Profile
from golive_tui.sandbox.aws_moto import MotoServer
from golive_tui.sandbox.tls import SandboxCA
from golive_tui.sandbox.tracing import (
    HEALTHY_TRACES,
    MIXED_TRACES,
    TRAPS_TRACES,
    JaegerQuery,
    TraceShape,
    put_traces,
)

SHAPES = {"healthy": HEALTHY_TRACES, "degraded": MIXED_TRACES, "traps": TRAPS_TRACES}
# Account ids no other test uses: moto's servers in one process share their backends, so an
# account another module made earlier (test_probes_aws's 333333333333) already has a user `golive`.
ACCOUNTS = {"healthy": "818181818181", "degraded": "828282828282", "traps": "838383838383"}


def sweep(profile: Profile, clock: Any = None) -> ProbeResult:
    item = Item(id="apm", title="APM/Tracing", probe=[ProbeSpec(kind="tracing.recent-traces")])
    object.__setattr__(item, "key", "t.apm")
    kwargs = {"clock": clock} if clock else {}
    return run_sync(profile, [item], **kwargs)[0].result


def text(result: ProbeResult) -> str:
    return f"{result.summary}\n{result.evidence}"


@pytest.fixture(scope="module")
def xray(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Profile]]:
    """One moto server, an account per shape, each holding that shape's segments."""
    mp = pytest.MonkeyPatch()
    server = MotoServer(tmp_path_factory.mktemp("xray")).start()
    try:
        for name, value in server.env().items():
            mp.setenv(name, value)
        profiles = {}
        for name, shape in SHAPES.items():
            account = server.account(ACCOUNTS[name], f"tracing-{name}")
            put_traces(account.client("xray"), shape)
            profiles[name] = account.profile()
        yield profiles
    finally:
        server.stop()
        mp.undo()


@pytest.fixture(scope="module")
def jaeger(sandbox_ca: SandboxCA) -> Iterator[dict[str, tuple[Profile, JaegerQuery]]]:
    started: dict[str, tuple[Profile, JaegerQuery]] = {}
    try:
        for name, shape in SHAPES.items():
            query = JaegerQuery(sandbox_ca, shape)
            profile = Profile.model_validate(
                {
                    "http": {"ca_bundle": str(sandbox_ca.bundle)},
                    "tracing": {"backend": "jaeger", "jaeger_url": query.url},
                }
            )
            started[name] = (profile, query)
        yield started
    finally:
        for _, query in started.values():
            query.stop()


def test_xray_healthy_passes(xray: dict[str, Profile]) -> None:
    result = sweep(xray["healthy"])
    assert result.verdict is Verdict.PASS, text(result)
    assert "traces from all 6 services in the last 15 min" in result.summary
    assert "tax-engine: last trace ended" in result.evidence


def test_xray_degraded_names_the_silent_service(xray: dict[str, Profile]) -> None:
    result = sweep(xray["degraded"])
    assert result.verdict is Verdict.FAIL, text(result)
    assert result.summary == "no trace from tax-engine in the last 15 min"


def test_trap_xray_staging_twin_caller_and_old_traces(xray: dict[str, Profile]) -> None:
    """Trap: customer-service's only traces in the window are `customer-service-staging`'s and
    api-gateway's call to it (a subsegment); its own last trace ended an hour ago. A probe
    matching names by substring, counting every name in a trace (X-Ray's ServiceIds list a
    called service too), or asking a wider window would pass."""
    result = sweep(xray["traps"])
    assert result.verdict is Verdict.FAIL, text(result)
    assert result.summary == "no trace from customer-service in the last 15 min"
    assert "customer-service-staging" in result.evidence  # seen, and not taken for it
    wide = xray["traps"].model_copy(
        update={"tracing": xray["traps"].tracing.model_copy(update={"window_minutes": 120})}
    )
    assert sweep(wide).verdict is Verdict.PASS  # the hour-old trace is there to be found


def test_traces_older_than_the_window_do_not_count(xray: dict[str, Profile]) -> None:
    """The injected clock an hour ahead: every healthy trace is now outside the window."""
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    result = sweep(xray["healthy"], clock=lambda: later)
    assert result.verdict is Verdict.FAIL, text(result)
    assert "no trace from api-gateway" in result.summary


def test_jaeger_healthy_passes_and_degraded_names_the_silent_service(
    jaeger: dict[str, tuple[Profile, JaegerQuery]],
) -> None:
    healthy = sweep(jaeger["healthy"][0])
    assert healthy.verdict is Verdict.PASS, text(healthy)
    degraded = sweep(jaeger["degraded"][0])
    assert degraded.verdict is Verdict.FAIL, text(degraded)
    assert degraded.summary == "no trace from tax-engine in the last 15 min"


def test_trap_jaeger_listed_service_with_traces_outside_the_window(
    jaeger: dict[str, tuple[Profile, JaegerQuery]],
) -> None:
    """Trap: customer-service is in /api/services, and /api/traces answers its hour-old trace
    (this Jaeger, like some stores, ignores start/end). A probe trusting /api/services, or
    the answer's time filter, would pass; only GETs are sent."""
    profile, query = jaeger["traps"]
    result = sweep(profile)
    assert result.verdict is Verdict.FAIL, text(result)
    assert result.summary == "no trace from customer-service in the last 15 min"
    assert {r.split()[0] for r in query.requests} == {"GET"}


@pytest.mark.parametrize(
    ("tracing", "key"),
    [({"backend": ""}, "tracing.backend"), ({"backend": "jaeger"}, "tracing.jaeger_url")],
)
def test_unset_backend_is_skipped_with_the_key(tracing: dict[str, str], key: str) -> None:
    result = sweep(Profile.model_validate({"tracing": tracing}))
    assert result.verdict is Verdict.SKIPPED, text(result)
    assert key in result.summary


def test_bad_backend_is_a_profile_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="tracing"):
        Profile.model_validate({"tracing": {"backend": "zipkin"}})


def test_shapes_stage_what_they_say() -> None:
    from golive_tui.sandbox.tracing import segments

    names = [d["name"] for d in segments(TraceShape(silent=("tax-engine",)), 1e9)]
    assert "tax-engine" not in names and "deal-service" in names
