"""What every probe shares: the verdict, the result, the context and the kind registry.

A probe is a small function `(ctx, params) -> ProbeResult` registered under a kind name
(`k8s.nodes`, `aws.rds-backups`, ...) with a pydantic model of its parameters. Probe
modules import their SDKs lazily (inside functions) so loading a checklist stays fast.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
import time
from collections.abc import Awaitable, Callable, Hashable, Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from pydantic import BaseModel, ConfigDict

from ..actor import Clock, utcnow
from ..vocab import Verdict, format_value
from .answer_copy import copy_answer

if TYPE_CHECKING:
    from ..model import Item
    from ..profile import Profile

R = TypeVar("R")

__all__ = ["Verdict"]  # re-exported: the vocabulary lives in vocab.py


class ProbeParams(BaseModel):
    """Base of every probe's parameter model: unknown keys are load errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class NoParams(ProbeParams):
    """For probes that take everything from the profile."""


@dataclass
class ProbeResult:
    """The one result type the engine, state store, TUI, CLI and reports all read."""

    verdict: Verdict
    summary: str
    """One line a human reads first."""
    evidence: str = ""
    """What was checked and what was found, naming failing objects (multi-line text)."""
    value: float | None = None
    """The measured value for metric items (in `unit`)."""
    unit: str = ""
    checked_at: datetime = field(default_factory=utcnow)
    """Set by the engine from the run's clock when the probe ends."""
    duration_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "verdict": self.verdict.value,
            "summary": self.summary,
            "evidence": self.evidence,
            "checked_at": self.checked_at,
            "duration_ms": round(self.duration_ms, 1),
        }
        if self.value is not None:
            data["value"] = self.value
            data["unit"] = self.unit
        return data


def passed(summary: str, evidence: str = "", **kw: Any) -> ProbeResult:
    return ProbeResult(Verdict.PASS, summary, evidence, **kw)


def failed(summary: str, evidence: str = "", **kw: Any) -> ProbeResult:
    return ProbeResult(Verdict.FAIL, summary, evidence, **kw)


def errored(summary: str, evidence: str = "", **kw: Any) -> ProbeResult:
    return ProbeResult(Verdict.ERROR, summary, evidence, **kw)


def skipped(summary: str, evidence: str = "", **kw: Any) -> ProbeResult:
    return ProbeResult(Verdict.SKIPPED, summary, evidence, **kw)


class Findings:
    """What a probe found, line by line: evidence lines and the problems among them.

    `result(ok)` is the verdict every such probe ends with: `fail` naming the problems
    when there are any, else `pass` with the summary `ok`; the evidence is every line.
    """

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.lines: list[str] = []

    def line(self, text: str) -> None:
        self.lines.append(text)

    def problem(self, text: str, line: str | None = None) -> None:
        """A problem (named in the summary), with its evidence line if it differs."""
        self.problems.append(text)
        if line is not None:
            self.lines.append(line)

    def __bool__(self) -> bool:
        return bool(self.problems)

    @property
    def evidence(self) -> str:
        return "\n".join(self.lines)

    def result(self, ok: str, **kw: Any) -> ProbeResult:
        if self.problems:
            return failed("; ".join(self.problems), self.evidence, **kw)
        return passed(ok, self.evidence, **kw)


SETUP_LIMIT = 30.0
"""Seconds a probe may spend in `ProbeContext.setup()` (imports, kubeconfig, client build)."""


class ProbeError(Exception):
    """Raised inside a probe for a clean `error` verdict with this one-line reason."""


class NotConfigured(Exception):
    """Raised inside a probe when the profile lacks what it needs: verdict `skipped`."""


def profile_services(ctx: ProbeContext) -> list[str]:
    """The profile's target.services, which a per-service claim is about; none is nothing to judge
    (skipped)."""
    if not ctx.profile.target.services:
        raise NotConfigured("target.services is empty in the profile: no service to check")
    return ctx.profile.target.services


class ClientCache:
    """Clients built once per run and shared by every probe of that run (thread-safe).

    It also holds the answers of read calls shared by the probes of one sweep (`shared`):
    thirteen probes about one Aurora cluster ask DescribeDBClusters once, not thirteen
    times. `new_sweep()` (the engine, at the start of each run) drops them, so each sweep
    reads the production afresh; `share_results=False` turns the sharing off (the test that
    compares verdicts with and without it).
    """

    def __init__(self, *, share_results: bool = True) -> None:
        self._lock = threading.Lock()
        self._clients: dict[str, Any] = {}
        self._key_locks: dict[str, threading.Lock] = {}
        self.share_results = share_results
        self._shared: dict[Hashable, Future[Any]] = {}
        self._shared_async: dict[Hashable, asyncio.Future[Any]] = {}
        self.item_seconds: dict[str, float] = {}
        """How long each item's probes took last sweep: the engine starts the slowest first."""

    def new_sweep(self) -> None:
        """A sweep begins: the answers the last one shared are dropped (calls still running finish
        for their own probes)."""
        with self._lock:
            self._shared = {}
            self._shared_async = {}

    def shared(self, key: Hashable, compute: Callable[[], R], wait: float) -> R:
        """`compute()`'s answer for `key`, computed once per sweep; a copy for each caller (probes
        may edit theirs).

        A caller that finds the call already running waits for it, at most `wait` seconds
        (TimeoutError). A failure is handed to the callers waiting for it, then forgotten:
        the next caller tries again.
        """
        if not self.share_results:
            return compute()
        with self._lock:
            memo = self._shared
            future = memo.get(key)
            owner = future is None
            if future is None:
                future = memo[key] = Future()
        if owner:
            try:
                value = compute()
            except BaseException as exc:
                with self._lock:
                    if memo.get(key) is future:
                        del memo[key]
                future.set_exception(exc)
                raise
            future.set_result(value)
            return copy_answer(value)
        try:
            value = future.result(timeout=max(wait, 0.0))
        except FutureTimeout:
            if (
                future.done()
            ):  # the call's own timeout (socket.timeout is a TimeoutError too), not the wait's
                raise
            raise ProbeError(
                f"timed out waiting {wait:.1f}s for the same call by another probe of this sweep"
            ) from None
        return copy_answer(value)

    async def shared_async(self, key: Hashable, compute: Callable[[], Awaitable[R]]) -> R:
        """`shared` for async probes: `await compute()` once per sweep for `key`, a copy for each
        caller; a caller cut short leaves it running for the others, a failure is forgotten."""
        if not self.share_results:
            return await compute()
        memo = self._shared_async
        running: asyncio.Future[R] | None = memo.get(key)
        if running is None or running.get_loop() is not asyncio.get_running_loop():
            running = memo[key] = asyncio.ensure_future(compute())

            def forget_failure(done: asyncio.Future[Any]) -> None:
                if (done.cancelled() or done.exception()) and memo.get(key) is done:
                    del memo[key]

            running.add_done_callback(forget_failure)
        value: R = await asyncio.shield(running)
        return copy_answer(value)

    def get(self, key: str, factory: Callable[[], R]) -> R:
        # cast: each key is built by one factory (the key names the client), so it holds its type
        with self._lock:
            if key in self._clients:
                return cast(R, self._clients[key])
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        # Build outside the global lock so a slow backend never delays the others.
        with key_lock:
            with self._lock:
                if key in self._clients:
                    return cast(R, self._clients[key])
            client = factory()
            with self._lock:
                self._clients[key] = client
            return client

    def forget(self, prefix: str) -> None:
        """Drop the clients whose key starts with `prefix`, so the next probe builds them afresh.

        For credentials the peer refused (a token expired on a long cutover): the next build
        re-reads the kubeconfig or the AWS credentials. Not closed here: probes still using one
        finish with it, and it is freed with their last reference.
        """
        with self._lock:
            for key in [key for key in self._clients if key.startswith(prefix)]:
                del self._clients[key]

    def close(self) -> None:
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            close = getattr(client, "close", None)
            if callable(close):
                try:
                    close()
                except Exception:  # closing is best-effort at the end of a run
                    pass

    async def aclose(self) -> None:
        """Close the clients that have an async `aclose` on the running loop (httpx), then the
        others."""
        with self._lock:
            clients = list(self._clients.values())
        for client in clients:
            aclose = getattr(client, "aclose", None)
            if callable(aclose):
                try:
                    await aclose()
                except Exception:  # best-effort, as close()
                    pass
        self.close()


@dataclass
class ProbeContext:
    """Everything a probe may use: the target profile, the item, shared clients, limits."""

    profile: Profile
    item: Item
    clients: ClientCache
    timeout: float
    """Seconds this probe has; pass it (or less) to every SDK call."""
    cancel: threading.Event = field(default_factory=threading.Event)
    confirmed: bool = False
    """True when the user confirmed a probe that pages a human or changes production."""
    clock: Clock = utcnow
    """The run's clock: expiry dates and `checked_at` are judged against it."""
    deadline: float = 0.0
    """`time.monotonic()` by which this attempt must end (0: `timeout` from now); the engine
    enforces it."""

    def __post_init__(self) -> None:
        if not self.deadline:
            self.deadline = time.monotonic() + self.timeout

    def now(self) -> datetime:
        return self.clock()

    def remaining(self) -> float:
        """Seconds left before this probe's deadline (0 when it has passed): pass it to every
        call."""
        return max(0.0, self.deadline - time.monotonic())

    @contextmanager
    def setup(self) -> Iterator[None]:
        """Import an SDK or build a client inside this block: its time is not counted in the probe's
        timeout.

        The timeout is about the peer; a cold import on a loaded machine is not. The block
        itself may take at most SETUP_LIMIT seconds before the engine cuts the probe off.
        """
        entered, before = time.monotonic(), self.deadline
        self.deadline = before + SETUP_LIMIT
        try:
            yield
        finally:
            self.deadline = before + (time.monotonic() - entered)

    def judge(
        self, value: float, unit: str, summary_prefix: str, evidence: str = ""
    ) -> ProbeResult:
        """Turn a measured value into pass / acceptable / fail against the item's metric."""
        metric = self.item.metric
        if metric is None:
            raise ProbeError(f"item {self.item.key} has no metric to judge {value:g}{unit} against")
        shown = format_value(value, unit)
        if metric.target.met_by(value):
            verdict, word = Verdict.PASS, f"meets target {metric.target}"
        elif metric.acceptable is not None and metric.acceptable.met_by(value):
            verdict, word = (
                Verdict.ACCEPTABLE,
                f"misses target {metric.target}, within acceptable {metric.acceptable}",
            )
        else:
            bound = metric.acceptable or metric.target
            verdict, word = (
                Verdict.FAIL,
                f"outside {'acceptable' if metric.acceptable else 'target'} {bound}",
            )
        return ProbeResult(
            verdict, f"{summary_prefix} {shown}: {word}", evidence, value=value, unit=unit
        )


P = TypeVar("P", bound=ProbeParams)
ProbeFunc = Callable[[ProbeContext, Any], "ProbeResult | Awaitable[ProbeResult]"]


@dataclass(frozen=True)
class ProbeKind(Generic[P]):
    name: str
    params: type[P]
    func: ProbeFunc
    blocking: bool
    """True for sync SDK probes (kubernetes, boto3): the engine runs them in threads."""
    description: str
    prepare: Callable[[ProbeContext], Any] | None = None
    """Builds the probe's clients (imports, config files) before its deadline starts; run by the
    engine in a thread."""


REGISTRY: dict[str, ProbeKind[Any]] = {}


def probe(
    name: str,
    params: type[P],
    *,
    blocking: bool = True,
    prepare: Callable[[ProbeContext], Any] | None = None,
) -> Callable[[ProbeFunc], ProbeFunc]:
    """Register a probe function under `name` with its parameter model (and its client `prepare`
    hook)."""

    def register(func: ProbeFunc) -> ProbeFunc:
        if name in REGISTRY:
            raise RuntimeError(f"probe kind {name!r} registered twice")
        # The docstring's first paragraph, unwrapped: a summary may be wrapped at 100 columns.
        summary = " ".join(inspect.cleandoc(func.__doc__ or "").split("\n\n")[0].split())
        REGISTRY[name] = ProbeKind(name, params, func, blocking, summary, prepare)
        return func

    return register
