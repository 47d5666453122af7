"""The probe engine: bounded concurrency, timeouts, retries, errors as verdicts, cancellation."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import pytest

from golive_tui.engine import Engine, merge, run_sync
from golive_tui.model import Item, ProbeSpec
from golive_tui.probes.base import (
    REGISTRY,
    ProbeError,
    ProbeParams,
    ProbeResult,
    Verdict,
    passed,
    probe,
)
from golive_tui.profile import Profile


class SleepParams(ProbeParams):
    seconds: float = 0.0
    verdict: str = "pass"
    fail_times: int = 0


_calls: dict[str, int] = {}
_active = {"now": 0, "peak": 0}
_lock = threading.Lock()


@pytest.fixture(autouse=True, scope="module")
def test_kinds() -> Iterator[None]:
    @probe("test.sleep", SleepParams)
    def sleep_probe(ctx, params: SleepParams) -> ProbeResult:
        with _lock:
            _active["now"] += 1
            _active["peak"] = max(_active["peak"], _active["now"])
        try:
            deadline = time.monotonic() + params.seconds
            while time.monotonic() < deadline and not ctx.cancel.is_set():
                time.sleep(0.01)
            with _lock:
                _calls[ctx.item.key] = _calls.get(ctx.item.key, 0) + 1
                attempt = _calls[ctx.item.key]
            if attempt <= params.fail_times:
                raise ProbeError(f"flaky backend (attempt {attempt})")
            return ProbeResult(Verdict(params.verdict), f"slept {params.seconds}s")
        finally:
            with _lock:
                _active["now"] -= 1

    @probe("test.boom", SleepParams)
    def boom(ctx, params):
        raise KeyError("no such thing\nsecond line")

    @probe("test.async", SleepParams, blocking=False)
    async def async_probe(ctx, params):
        await asyncio.sleep(params.seconds)
        return passed("async ok")

    yield
    for name in ("test.sleep", "test.boom", "test.async"):
        REGISTRY.pop(name, None)


def item(key: str, *specs: dict) -> Item:
    it = Item(id=key, title=key.title(), probe=[ProbeSpec(**s) for s in specs])
    object.__setattr__(it, "key", f"t.{key}")
    return it


def test_probes_run_concurrently_within_the_pool_bound() -> None:
    _active["peak"] = 0
    items = [item(f"i{n}", {"kind": "test.sleep", "params": {"seconds": 0.3}}) for n in range(12)]
    started = time.perf_counter()
    results = run_sync(Profile(), items, concurrency=4)
    elapsed = time.perf_counter() - started
    assert len(results) == 12 and all(r.result.verdict is Verdict.PASS for r in results)
    assert _active["peak"] == 4
    assert 0.85 < elapsed < 2.0  # 3 waves of 0.3 s, not 12 × 0.3 s


def test_a_hanging_probe_times_out_without_delaying_others() -> None:
    items = [
        item("hang", {"kind": "test.sleep", "params": {"seconds": 30}, "timeout": 0.5}),
        item("fast", {"kind": "test.sleep", "params": {"seconds": 0.05}}),
    ]
    done_at: dict[str, float] = {}
    started = time.perf_counter()
    results = run_sync(
        Profile(),
        items,
        on_result=lambda r: done_at.setdefault(r.item.id, time.perf_counter() - started),
    )
    by_id = {r.item.id: r.result for r in results}
    assert (
        by_id["hang"].verdict is Verdict.ERROR and by_id["hang"].summary == "timed out after 0.5s"
    )
    assert done_at["fast"] < 0.4
    assert done_at["hang"] < 1.0


def test_exceptions_become_one_line_error_verdicts() -> None:
    [result] = run_sync(Profile(), [item("boom", {"kind": "test.boom"})])
    assert result.result.verdict is Verdict.ERROR
    assert result.result.summary == "KeyError: 'no such thing\\nsecond line'"
    assert "\n" not in result.result.summary


def test_retries_with_delay_until_success() -> None:
    _calls.pop("t.flaky", None)
    spec = {"kind": "test.sleep", "params": {"fail_times": 2}, "retries": 2, "retry_delay": 0.05}
    [result] = run_sync(Profile(), [item("flaky", spec)])
    assert result.result.verdict is Verdict.PASS and _calls["t.flaky"] == 3


def test_retries_exhausted_say_so() -> None:
    _calls.pop("t.dead", None)
    spec = {"kind": "test.sleep", "params": {"fail_times": 5}, "retries": 1, "retry_delay": 0}
    [result] = run_sync(Profile(), [item("dead", spec)])
    assert result.result.verdict is Verdict.ERROR
    assert result.result.summary == "flaky backend (attempt 2) (after 2 attempts)"


def test_async_probes_and_several_probes_per_item_merge_to_the_worst() -> None:
    it = item("both", {"kind": "test.async"}, {"kind": "test.sleep", "params": {"verdict": "fail"}})
    [result] = run_sync(Profile(), [it])
    assert result.result.verdict is Verdict.FAIL
    assert (
        "test.async: async ok" in result.result.summary
        and "test.sleep: slept 0.0s" in result.result.summary
    )
    assert "[test.sleep] fail" in result.result.evidence


def test_merge_ignores_skipped_unless_all_are() -> None:
    spec = ProbeSpec(kind="x")
    merged = merge(
        [
            (spec, ProbeResult(Verdict.SKIPPED, "no cluster")),
            (spec, ProbeResult(Verdict.PASS, "ok")),
        ]
    )
    assert merged.verdict is Verdict.PASS
    assert (
        merge(
            [(spec, ProbeResult(Verdict.SKIPPED, "a")), (spec, ProbeResult(Verdict.SKIPPED, "b"))]
        ).verdict
        is Verdict.SKIPPED
    )


async def test_cancel_stops_pending_and_running_probes() -> None:
    engine = Engine(Profile(), concurrency=2)
    items = [item(f"c{n}", {"kind": "test.sleep", "params": {"seconds": 5}}) for n in range(6)]
    task = asyncio.ensure_future(engine.run(items))
    await asyncio.sleep(0.2)
    started = time.perf_counter()
    engine.cancel()
    results = await task
    assert time.perf_counter() - started < 0.5
    assert results == []


def test_items_without_probes_are_not_run() -> None:
    assert run_sync(Profile(), [item("manual")]) == []


def test_setup_time_is_not_counted_in_the_timeout(monkeypatch) -> None:
    """Importing an SDK and building a client inside ctx.setup() does not eat the probe's
    timeout."""

    @probe("test.setup", SleepParams)
    def with_setup(ctx, params: SleepParams) -> ProbeResult:
        with ctx.setup():
            time.sleep(params.seconds)  # a cold import on a loaded machine
        time.sleep(0.3)  # the I/O the timeout is about
        return passed(f"{ctx.remaining():.1f}s left")

    try:
        [slow_setup] = run_sync(
            Profile(),
            [item("s", {"kind": "test.setup", "params": {"seconds": 1.2}, "timeout": 1.0})],
        )
        assert slow_setup.result.verdict is Verdict.PASS, slow_setup.result.summary
        [no_setup] = run_sync(
            Profile(),
            [item("n", {"kind": "test.sleep", "params": {"seconds": 1.6}, "timeout": 1.0})],
        )
        assert no_setup.result.summary == "timed out after 1s"
        from golive_tui.probes import base

        monkeypatch.setattr(base, "SETUP_LIMIT", 0.5)  # a setup that never ends is still cut off
        [stuck] = run_sync(
            Profile(), [item("x", {"kind": "test.setup", "params": {"seconds": 5}, "timeout": 0.5})]
        )
        assert stuck.result.summary == "timed out after 0.5s"
    finally:
        REGISTRY.pop("test.setup", None)


CHILD = """
import sys, time
from golive_tui.engine import run_sync
from golive_tui.model import Item, ProbeSpec
from golive_tui.probes.base import ProbeParams, passed, probe
from golive_tui.profile import Profile

@probe("test.stuck", ProbeParams)
def stuck(ctx, params):
    time.sleep(3600)  # an SDK call on a silent peer that honours no deadline and no cancel
    return passed("never")

item = Item(id="stuck", title="Stuck", probe=[ProbeSpec(kind="test.stuck", timeout=1.0)])
object.__setattr__(item, "key", "t.stuck")
print(time.monotonic(), flush=True)
[result] = run_sync(Profile(), [item])
print(result.result.summary, flush=True)
"""


def test_an_abandoned_probe_thread_cannot_keep_the_process_alive() -> None:
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    started = float(proc.stdout.readline())
    out, err = proc.communicate(timeout=60)
    ended = time.monotonic()
    assert out.strip() == "timed out after 1s", err
    assert ended - started <= 1.0 + 1.0, (
        f"process lived {ended - started:.2f}s after its run started (timeout 1s)"
    )


def test_a_kinds_prepare_hook_runs_before_its_deadline() -> None:
    """A kind may register `prepare(ctx)` (build its clients): run first, in a thread, not counted
    in the timeout."""
    prepared: list[str] = []

    def slow_prepare(ctx) -> None:
        time.sleep(1.2)  # longer than the probe's timeout
        prepared.append(ctx.item.key)

    def broken_prepare(ctx) -> None:
        raise ProbeError("kubeconfig /nope does not exist")

    @probe("test.prepared", SleepParams, prepare=slow_prepare)
    def prepared_probe(ctx, params):
        return passed(f"prepared {prepared}")

    @probe("test.unprepared", SleepParams, prepare=broken_prepare)
    def unprepared_probe(ctx, params):
        return passed("never")

    try:
        [ok] = run_sync(Profile(), [item("p", {"kind": "test.prepared", "timeout": 1.0})])
        assert ok.result.verdict is Verdict.PASS and ok.result.summary == "prepared ['t.p']"
        [bad] = run_sync(Profile(), [item("b", {"kind": "test.unprepared"})])
        assert (
            bad.result.verdict is Verdict.ERROR
            and bad.result.summary == "kubeconfig /nope does not exist"
        )
    finally:
        REGISTRY.pop("test.prepared", None)
        REGISTRY.pop("test.unprepared", None)


def test_a_warm_sweep_starts_the_last_sweeps_slowest_item_first() -> None:
    """Eight quick items listed before one slow one, two slots: in checklist order the slow one
    starts after four waves of quick ones and the sweep lasts their wait plus its own time (the
    demo's warm sweep was 1.4-1.6x its slowest probe). Given the last sweep's times (kept in the
    ClientCache the cockpit reuses), the slowest goes first and the sweep lasts about its time."""
    from golive_tui.probes.base import ClientCache

    quick = [item(f"q{n}", {"kind": "test.async", "params": {"seconds": 0.1}}) for n in range(8)]
    slow = item("slow", {"kind": "test.async", "params": {"seconds": 0.6}})
    clients = ClientCache()

    def sweep() -> tuple[float, list[str]]:
        order: list[str] = []
        started = time.perf_counter()
        run_sync(
            Profile(),
            [*quick, slow],
            concurrency=2,
            clients=clients,
            on_result=lambda r: order.append(r.item.id),
        )
        return time.perf_counter() - started, order

    cold, cold_order = sweep()
    warm, warm_order = sweep()
    assert cold_order[-1] == "slow" and cold >= 0.4 + 0.6  # four waves of quick ones first
    assert warm_order[-1] != "slow" and warm < 0.6 + 0.3, (warm, warm_order)


def test_a_first_sweep_in_a_new_process_starts_the_recorded_slowest_item_first(
    tmp_path,
) -> None:
    """A fresh `golive run` has no ClientCache history: it orders by the record's last probe times
    (what the previous run saved), so the slow item no longer waits behind four waves of quick
    ones there either. The record is a real one, written by a first run."""
    from golive_tui import actions
    from golive_tui.actor import Actor
    from golive_tui.state import open_store

    quick = [item(f"q{n}", {"kind": "test.async", "params": {"seconds": 0.1}}) for n in range(8)]
    slow = item("slow", {"kind": "test.async", "params": {"seconds": 0.6}})
    store = open_store(str(tmp_path / "golive-state.toml"))

    def run(last: dict[str, float]) -> tuple[float, list[str]]:
        order: list[str] = []
        started = time.perf_counter()
        outcomes = run_sync(
            Profile(),
            [*quick, slow],
            concurrency=2,
            last_seconds=last,
            on_result=lambda r: order.append(r.item.id),
        )
        actions.record_results(store, outcomes, actor=Actor.current())
        return time.perf_counter() - started, order

    first, first_order = run(store.read().probe_seconds())  # nothing recorded yet
    recorded = store.read().probe_seconds()
    second, second_order = run(recorded)
    assert recorded["t.slow"] >= 0.6 and max(v for k, v in recorded.items() if k != "t.slow") < 0.6
    assert first_order[-1] == "slow" and first >= 0.4 + 0.6
    assert second_order[-1] != "slow" and second < 0.6 + 0.3, (second, second_order)
