"""TUI test set-up: a small checklist with test-only probe kinds, a state store in tmp_path, a fixed
clock.

The probe kinds are registered with the real `@probe` decorator and removed from REGISTRY after
each test, so the Pilot tests drive the real engine and workers without any backend.
"""

from __future__ import annotations

import asyncio
import threading
import time
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from golive_tui.model import Checklist
from golive_tui.probes.base import REGISTRY, ProbeParams, ProbeResult, Verdict, probe
from golive_tui.profile import Profile
from golive_tui.state import StateStore, open_store
from golive_tui.tui.app import make_app

FIXED_NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
MINI = Path(__file__).resolve().parent.parent / "data" / "mini.toml"
SHIPPED = Path(__file__).resolve().parents[2] / "checklists" / "production.toml"
TEST_KINDS = ("test.echo", "test.slow", "test.page", "test.flip")
FLIP: dict[str, str] = {}
"""The verdict test.flip answers for each item key (a test sets it between sweeps)."""


class EchoParams(ProbeParams):
    verdict: str = "pass"
    value: float | None = None


class SlowParams(ProbeParams):
    seconds: float = 30.0
    held: bool = False
    """Answer when the test sets RELEASE (at most `seconds`): a probe still running, whatever the
    machine's load."""


RELEASE = threading.Event()


@pytest.fixture(autouse=True)
def _no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    """A blinking cursor makes screenshots depend on timing: keep it always on."""
    from textual.widgets import Input

    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)


@pytest.fixture
def probe_kinds():
    """Register test.echo (answers at once), test.slow (waits, cancellable) and test.page (reports
    confirmation)."""
    pages: list[bool] = []

    @probe("test.echo", EchoParams)
    def echo(ctx, params: EchoParams) -> ProbeResult:
        return ProbeResult(
            Verdict(params.verdict),
            f"echo {params.verdict}",
            "evidence line one\nline two",
            value=params.value,
            unit="ms" if params.value is not None else "",
        )

    @probe("test.slow", SlowParams, blocking=False)
    async def slow(ctx, params: SlowParams) -> ProbeResult:
        if params.held:
            deadline = time.monotonic() + params.seconds
            while not RELEASE.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
        else:
            await asyncio.sleep(params.seconds)
        return ProbeResult(Verdict.PASS, "slow answered")

    @probe("test.page", ProbeParams)
    def page(ctx, params: ProbeParams) -> ProbeResult:
        pages.append(ctx.confirmed)
        return ProbeResult(Verdict.PASS, f"paged (confirmed={ctx.confirmed})")

    @probe("test.flip", ProbeParams)
    def flip(ctx, params: ProbeParams) -> ProbeResult:
        verdict = FLIP.get(ctx.item.key, "pass")
        return ProbeResult(
            Verdict(verdict), f"flip says {verdict}", f"flip evidence for {ctx.item.key}"
        )

    RELEASE.clear()
    yield pages
    RELEASE.clear()
    FLIP.clear()
    for kind in TEST_KINDS:
        REGISTRY.pop(kind, None)


def mini_with_probes(probes: dict[str, list[dict]]) -> Checklist:
    """The mini checklist with probe specs added to items named by key (e.g.
    `go-live.infra.cluster`)."""
    raw = tomllib.loads(MINI.read_text())

    def visit(section: dict, prefix: str) -> None:
        key = f"{prefix}.{section['id']}" if prefix else section["id"]
        for item in section.get("item", []):
            if f"{key}.{item['id']}" in probes:
                item["probe"] = probes[f"{key}.{item['id']}"]
        for sub in section.get("subsection", []):
            visit(sub, key)

    for top in raw["section"]:
        visit(top, "")
    return Checklist.model_validate(raw)


@pytest.fixture
def probed_checklist(probe_kinds) -> Checklist:
    """Cluster answers pass; the p95 metric answers acceptable at 320 ms."""
    return mini_with_probes(
        {
            "go-live.infra.cluster": [{"kind": "test.echo"}],
            "performance.p95": [
                {"kind": "test.echo", "params": {"verdict": "acceptable", "value": 320.0}}
            ],
        }
    )


@pytest.fixture
def store(tmp_path: Path) -> StateStore:
    return open_store(tmp_path / "state.toml", checklist="Mini go-live")


@pytest.fixture
def app_factory(store):
    def build(checklist, **kwargs):
        kwargs.setdefault("clock", lambda: FIXED_NOW)
        return make_app(checklist, kwargs.pop("profile", Profile()), store, **kwargs)

    return build


@pytest.fixture
def shipped_checklist() -> Checklist:
    """The shipped checklist, validated the way the CLI loads it (skipped while it does not
    exist)."""
    if not SHIPPED.exists():
        pytest.skip("checklists/production.toml not written yet")
    from golive_tui.checklists import load_checklist

    return load_checklist(SHIPPED)


def with_test_probes(checklist: Checklist, kind: str = "test.flip") -> Checklist:
    """The checklist with every probe that does not page a human replaced by a test kind."""
    raw = checklist.model_dump()

    def swap(section: dict) -> None:
        for item in section["item"]:
            if item["probe"] and not any(p["confirm"] for p in item["probe"]):
                item["probe"] = [{"kind": kind, "params": {}}]
        for sub in section["subsection"]:
            swap(sub)

    for top in raw["section"]:
        swap(top)
    return Checklist.model_validate(raw)
