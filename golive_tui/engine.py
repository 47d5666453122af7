"""Runs probes: a bounded pool, one deadline per probe, retries, cancellation.

Shared by the TUI workers and the headless CLI. Blocking SDK probes (kubernetes, boto3)
run in daemon threads, at most `concurrency` at once; async probes (httpx) run on the loop.
Every attempt has one deadline (`ProbeContext.deadline`, moved only by `ctx.setup()`),
and the engine cuts a probe off shortly after it whatever the peer does: an abandoned
thread is a daemon, so it can never keep the process alive. Clients are built once per
run (ClientCache) and shared — or, given a long-lived cache (the TUI, `serve`), kept warm
across runs. Any exception in a probe becomes an `error` verdict with a one-line reason;
the run goes on.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from .actor import Clock, utcnow
from .item_result import merge, one_line, verdict_of
from .model import Item, ProbeSpec
from .probes import base, registry
from .probes.backends import targets
from .probes.base import (
    ClientCache,
    ProbeContext,
    ProbeKind,
    ProbeParams,
    ProbeResult,
    errored,
)
from .probes.once import once_key
from .probes.reach import Reachability
from .probes.threads import DaemonExecutor, in_daemon_thread
from .profile import Profile
from .reachability import (
    Outage,
    about_reaching,
    backend_answered,
    host_silent,
    not_evaluated,
)
from .vocab import Verdict

if TYPE_CHECKING:
    from .probes.reach import _Backend


@dataclass
class ItemResult:
    item: Item
    result: ProbeResult


class Engine:
    """Run the probes of items concurrently against one profile."""

    def __init__(
        self,
        profile: Profile,
        *,
        concurrency: int | None = None,
        timeout: float | None = None,
        clients: ClientCache | None = None,
        clock: Clock = utcnow,
        reachability: bool = True,
        last_seconds: Mapping[str, float] | None = None,
    ) -> None:
        self.profile = profile
        self.concurrency = concurrency or profile.run.concurrency
        self.timeout = timeout or profile.run.timeout
        self.clients = clients
        """A long-lived cache to keep clients warm across runs (closed by its owner); None: one per
        run."""
        self.clock = clock
        self.last_seconds = last_seconds or {}
        """Each item's probe time in the record's last sweep: the order of a sweep on clients
        that have not swept yet (a fresh process), as a warm sweep orders by its own last."""
        self.reachability = reachability
        """False: no backend check, each probe alone (tests of one probe's own deadline and retry
        budget)."""
        self.cancel_event = threading.Event()
        self._tasks: set[asyncio.Task[Any]] = set()  # items, and specs run once for several
        self.outages: list[Outage] = []
        """Backends the last run found silent (one finding each; their items are `not
        evaluated`)."""

    def cancel(self) -> None:
        """Stop the run: pending probes never start, running ones are abandoned."""
        self.cancel_event.set()
        for task in list(self._tasks):
            task.cancel()

    async def run(
        self,
        items: Iterable[Item],
        *,
        confirmed: bool = False,
        on_result: Callable[[ItemResult], None] | None = None,
    ) -> list[ItemResult]:
        """Probe every item that has probes; results in completion order via on_result."""
        probed = [item for item in items if item.probe]
        semaphore = asyncio.Semaphore(self.concurrency)
        clients = self.clients or ClientCache()
        # answers shared by the probes of a sweep (one DescribeDBClusters) are not the next sweep's
        clients.new_sweep()
        results: list[ItemResult] = []
        # One per run: a backend found dead stays dead until the next sweep asks again.
        reach = (
            Reachability.for_timeout(
                ProbeContext(self.profile, probed[0], clients, self.timeout, clock=self.clock),
                self.timeout,
            )
            if probed and self.reachability
            else None
        )

        once: dict[str, asyncio.Task[ProbeResult]] = {}

        async def run_once(item: Item, spec: ProbeSpec) -> ProbeResult:
            # An item-blind spec named by several rows runs once per sweep; each row gets a copy.
            key = once_key(spec)
            if key is None:
                return await self._run_spec(item, spec, clients, semaphore, confirmed, reach)
            if key not in once:
                once[key] = asyncio.ensure_future(
                    self._run_spec(item, spec, clients, semaphore, confirmed, reach)
                )
                self._tasks.add(once[key])
            return dataclasses.replace(await asyncio.shield(once[key]))

        async def run_item(item: Item) -> None:
            pairs = await asyncio.gather(
                *(run_once(item, spec) for spec in item.probe),
                return_exceptions=True,
            )
            if any(isinstance(p, asyncio.CancelledError) for p in pairs):
                raise asyncio.CancelledError
            # An engine bug is a verdict too: an item never silently lacks its result.
            # cast: a cancel was raised above and the other exceptions became verdicts
            verdicts = [
                verdict_of(p) if isinstance(p, Exception) else cast(ProbeResult, p) for p in pairs
            ]
            outcome = ItemResult(item, merge(list(zip(item.probe, verdicts, strict=True))))
            clients.item_seconds[item.key] = outcome.result.duration_ms / 1000
            results.append(outcome)
            if on_result:
                on_result(outcome)

        # The slowest of the last sweep first (slots are handed out in this order): one started
        # last behind the pool would make the sweep's wall its wait plus its own time.
        seconds = {**self.last_seconds, **clients.item_seconds}
        probed.sort(key=lambda item: -seconds.get(item.key, 0.0))
        tasks = [asyncio.ensure_future(run_item(item)) for item in probed]
        self._tasks.update(tasks)
        try:
            await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            self._tasks.difference_update(tasks)
            self._tasks.difference_update(once.values())
            for shared_run in once.values():  # a run cut short: the probe its rows share stops too
                shared_run.cancel()
            if reach is not None:
                self.outages = reach.outages()
                await reach.aclose()
            if self.clients is None:
                # Bounded: closing must not become the one wait that outlives every deadline.
                try:
                    await asyncio.wait_for(clients.aclose(), 1.0)
                except (TimeoutError, asyncio.CancelledError):
                    pass
        return results

    async def _run_spec(
        self,
        item: Item,
        spec: ProbeSpec,
        clients: ClientCache,
        semaphore: asyncio.Semaphore,
        confirmed: bool,
        reach: Reachability | None = None,
    ) -> ProbeResult:
        kind = registry().get(spec.kind)
        if kind is None:
            return errored(f"unknown probe kind {spec.kind!r}")
        try:
            params = kind.params.model_validate(spec.params)
        except Exception as exc:
            return errored(f"bad parameters for {spec.kind}: {one_line(exc)}")
        timeout = spec.timeout or self.timeout
        template = ProbeContext(
            self.profile, item, clients, timeout, self.cancel_event, confirmed, self.clock
        )
        backends = reach.register(targets(template, spec.kind, params)) if reach is not None else []
        judged = backends  # the hosts a health/TLS probe judges itself (soft), kept for the end
        if reach is not None and (outage := reach.outage(backends)):
            return not_evaluated(outage)
        if reach is not None and reach.all_soft_dead(backends):
            # Every host it would judge is known silent: a short look confirms it, in the probe's
            # own words.
            timeout, backends = min(timeout, reach.suspect_after), []
            template = dataclasses.replace(template, timeout=timeout)
        if (
            kind.prepare is not None
        ):  # the kind builds its clients first: before any deadline starts
            async with semaphore:
                failure = await self._prepare(kind, template)
            if failure is not None:
                return failure
        result = errored("not run")
        for attempt in range(spec.retries + 1):
            async with semaphore:
                if self.cancel_event.is_set():
                    raise asyncio.CancelledError
                if reach is not None and (outage := reach.outage(backends)):
                    return not_evaluated(outage)  # found dead while this one waited for a slot
                started = time.perf_counter()
                # A fresh deadline per attempt: retries are not squeezed into the first one's time.
                ctx = dataclasses.replace(template, deadline=time.monotonic() + timeout)
                found = await self._attempt(kind, ctx, params, timeout, reach, backends)
                # the hosts it judges went silent meanwhile: a short second look, in its own words
                if found is None:
                    short = min(timeout, reach.suspect_after) if reach is not None else timeout
                    ctx = dataclasses.replace(
                        template, timeout=short, deadline=time.monotonic() + short
                    )
                    found = await self._attempt(kind, ctx, params, short)
                result = cast(ProbeResult, found)  # None only when given backends to watch
                if reach is not None and backends and backend_answered(result):
                    reach.answered(backends)
                if (
                    result.verdict is Verdict.ERROR
                    and backends
                    and reach is not None
                    and about_reaching(result.summary)
                    and (outage := await reach.confirm(backends, within=ctx.remaining()))
                ):
                    result = not_evaluated(outage, said=result.summary)
                result.duration_ms = (time.perf_counter() - started) * 1000
                result.checked_at = ctx.now()
            if (
                result.verdict is not Verdict.ERROR
                or attempt == spec.retries
                or (reach and reach.outage(backends))
            ):
                break
            await asyncio.sleep(spec.retry_delay)
        if spec.retries and result.verdict is Verdict.ERROR:
            result.summary = f"{result.summary} (after {spec.retries + 1} attempts)"
        if (
            reach is not None
            and result.verdict in (Verdict.FAIL, Verdict.ERROR)
            and about_reaching(result.summary)
            and (outage := reach.all_soft_dead(judged))
        ):
            result = host_silent(result, outage)
        return result

    @staticmethod
    async def _prepare(kind: ProbeKind[Any], ctx: ProbeContext) -> ProbeResult | None:
        """Build the probe's clients outside its deadline (importing an SDK is not the backend's
        time)."""
        prepare = cast(
            Callable[[ProbeContext], Any], kind.prepare
        )  # called only for kinds with one
        future = in_daemon_thread(prepare, ctx)
        try:
            await asyncio.wait_for(asyncio.shield(future), base.SETUP_LIMIT)
        except TimeoutError:
            future.cancel()
            return errored(
                f"client set-up (imports, config) did not finish within {base.SETUP_LIMIT:g}s"
            )
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:  # a broken config file is a verdict, not a crash
            return verdict_of(exc)
        return None

    @staticmethod
    async def _attempt(
        kind: ProbeKind[Any],
        ctx: ProbeContext,
        params: ProbeParams,
        timeout: float,
        reach: Reachability | None = None,
        backends: list[tuple[_Backend, bool]] | None = None,
    ) -> ProbeResult | None:
        # Probes honour ctx.deadline themselves (SDK timeouts, asyncio.timeout) so their own
        # reason wins; the cut-off a grace period later is the guarantee that one hanging
        # backend never stalls a run. The deadline is re-read on each wake-up because
        # ctx.setup() moves it while a probe imports its SDK or builds its client.
        grace = min(1.0, timeout * 0.2)
        future: asyncio.Future[Any]
        if kind.blocking:
            future = in_daemon_thread(kind.func, ctx, params)
        else:  # cast: a kind that is not blocking is an async function
            future = asyncio.ensure_future(cast(Awaitable[ProbeResult], kind.func(ctx, params)))
        began = time.monotonic()
        try:
            while not future.done():
                left = ctx.deadline + grace - time.monotonic()
                if left <= 0:
                    future.cancel()
                    return errored(f"timed out after {timeout:g}s")
                if not backends or reach is None:
                    await asyncio.wait({future}, timeout=left)
                    continue
                # A backend known dead cuts its probes now; one waiting too long makes the run ask
                # whether it answers.
                if outage := reach.outage(backends):
                    future.cancel()
                    return not_evaluated(outage)
                if reach.all_soft_dead(backends):
                    future.cancel()
                    return None
                waited = time.monotonic() - began
                if waited >= reach.suspect_after:
                    reach.suspect(backends)
                wake = (
                    left
                    if waited >= reach.suspect_after
                    else min(left, reach.suspect_after - waited)
                )
                await asyncio.wait(
                    {future, reach.death()}, timeout=wake, return_when=asyncio.FIRST_COMPLETED
                )
            result = future.result()
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:  # any probe bug or SDK surprise is a verdict, not a crash
            return verdict_of(exc)
        if not isinstance(result, ProbeResult):
            return errored(f"probe {kind.name} returned {type(result).__name__}, not a ProbeResult")
        result.summary = one_line(result.summary, 500)
        return result


def run_sync(profile: Profile, items: Iterable[Item], **kwargs: Any) -> list[ItemResult]:
    """Run probes from synchronous code (CLI, tests, benchmarks); never outlives the probes'
    deadlines."""
    engine = Engine(
        profile,
        concurrency=kwargs.pop("concurrency", None),
        timeout=kwargs.pop("timeout", None),
        clients=kwargs.pop("clients", None),
        clock=kwargs.pop("clock", utcnow),
        reachability=kwargs.pop("reachability", True),
        last_seconds=kwargs.pop("last_seconds", None),
    )

    async def main() -> list[ItemResult]:
        asyncio.get_running_loop().set_default_executor(DaemonExecutor(max_workers=1))
        return await engine.run(items, **kwargs)

    return asyncio.run(main())
