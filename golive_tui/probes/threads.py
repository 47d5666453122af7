"""Blocking calls off the event loop in reused daemon threads, so none can keep the process
alive."""

from __future__ import annotations

import asyncio
import contextvars
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

_P = ParamSpec("_P")
_T = TypeVar("_T")

IDLE_SECONDS = 120.0
"""A worker with nothing to do for this long leaves (the cockpit keeps a sweep's worth between
presses of R)."""


class DaemonWorkers:
    """Daemon threads that take blocking calls from one queue; a call finds an idle worker or starts
    one.

    Not a ThreadPoolExecutor: its workers are joined at interpreter exit, so one SDK call
    stuck on a silent peer kept `golive run` alive long after it had printed its results.
    Not a thread per call either: `Thread.start()` waits for the new thread to be scheduled,
    and on a busy 2-core machine the event loop spent ~7 % of a warm sweep in that wait.
    Unbounded on purpose: the engine's semaphore bounds the calls, and a call stuck on a
    silent peer keeps its thread without starving the next sweep.
    """

    def __init__(self, idle_seconds: float = IDLE_SECONDS) -> None:
        self.idle_seconds = idle_seconds
        self._calls: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0
        """Workers waiting for a call that no submit has claimed yet."""

    def submit(self, call: Callable[[], None]) -> None:
        with self._lock:
            start = self._idle == 0
            if not start:
                self._idle -= 1  # claimed: that worker will take this call
        self._calls.put(call)
        if start:
            threading.Thread(target=self._work, name="golive-probe", daemon=True).start()

    def _work(self) -> None:
        while True:
            try:
                call = self._calls.get(timeout=self.idle_seconds)
            except queue.Empty:
                with self._lock:
                    if self._idle > 0:  # unclaimed: leave; if claimed, a call is on its way
                        self._idle -= 1
                        return
                continue
            call()
            with self._lock:
                self._idle += 1


_WORKERS = DaemonWorkers()


class DaemonExecutor(ThreadPoolExecutor):
    """A loop's default executor on the same daemon workers, whose shutdown never waits.

    `asyncio.run` joins the default executor at exit; a `getaddrinfo` stuck on a dead DNS
    server (httpx resolves through it) must not hold the process past its deadline.
    """

    def submit(self, fn: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs) -> Future[_T]:
        future: Future[_T] = Future()

        def call() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as exc:
                future.set_exception(exc)

        _WORKERS.submit(call)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        pass


def in_daemon_thread(func: Callable[..., _T], *args: Any) -> asyncio.Future[_T]:
    """Run a blocking call on a daemon worker; the returned future resolves on the running loop."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[_T] = loop.create_future()
    context = contextvars.copy_context()

    def settle(result: Any, error: BaseException | None) -> None:
        if future.done():  # abandoned: the engine has already reported a timeout or a cancel
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def call() -> None:
        try:
            result, error = context.run(func, *args), None
        except BaseException as exc:  # handed to the awaiting task, which decides
            result, error = None, exc
        try:
            loop.call_soon_threadsafe(settle, result, error)
        except RuntimeError:  # the loop is closed: nobody is waiting any more
            pass

    _WORKERS.submit(call)
    return future


def run_parallel(calls: list[Callable[[], Any]], timeout: float) -> list[Any]:
    """Run independent blocking calls at once (one round trip instead of one each): their results,
    or their exceptions.

    For a probe's calls that do not depend on each other (the Secrets its deployments name,
    the facts of one AWS resource). The first runs in the calling thread, the others on the
    daemon workers, each in a copy of the caller's context (the AWS deadline lives there).
    A call still running after `timeout` seconds is given up as a TimeoutError.
    """
    futures: list[Future[Any]] = []
    for call in calls[1:]:
        future: Future[Any] = Future()
        context = contextvars.copy_context()

        def work(
            call: Callable[[], Any] = call,
            future: Future[Any] = future,
            context: contextvars.Context = context,
        ) -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(context.run(call))
            except BaseException as exc:  # handed to the caller, which decides
                future.set_exception(exc)

        _WORKERS.submit(work)
        futures.append(future)
    results: list[Any] = []
    if calls:
        try:
            results.append(calls[0]())
        except Exception as exc:
            results.append(exc)
    deadline = time.monotonic() + timeout
    for future in futures:
        try:
            results.append(future.result(timeout=max(0.0, deadline - time.monotonic())))
        except (
            Exception
        ) as exc:  # the call's own failure, or TimeoutError when it outlived `timeout`
            results.append(exc)
    return results
