"""Blocking probe calls run on reused daemon threads: reuse, no starvation behind a stuck call, idle
exit."""

from __future__ import annotations

import asyncio
import threading
import time

from golive_tui.probes.threads import DaemonWorkers, in_daemon_thread


def wait_until(condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def test_an_idle_worker_takes_the_next_call_instead_of_a_new_thread() -> None:
    workers = DaemonWorkers()
    ran_on: list[int] = []
    for _ in range(5):
        done = threading.Event()
        workers.submit(lambda done=done: (ran_on.append(threading.get_ident()), done.set()))
        assert done.wait(5)
        time.sleep(0.02)  # the worker is back to waiting
    assert len(set(ran_on)) == 1
    assert all(t.daemon for t in threading.enumerate() if t.name == "golive-probe")


def test_a_stuck_call_does_not_hold_up_the_next_one() -> None:
    workers = DaemonWorkers()
    release, second = threading.Event(), threading.Event()
    workers.submit(lambda: release.wait(10))
    workers.submit(second.set)
    try:
        assert second.wait(5), "the second call waited behind the stuck one"
    finally:
        release.set()


def test_idle_workers_leave_after_the_idle_time() -> None:
    workers = DaemonWorkers(idle_seconds=0.1)
    names = set()
    done = threading.Event()
    workers.submit(lambda: (names.add(threading.current_thread()), done.set()))
    assert done.wait(5)
    (thread,) = names
    assert wait_until(lambda: not thread.is_alive(), timeout=5)
    assert workers._idle == 0
    again = threading.Event()
    workers.submit(again.set)  # a new worker starts for the next call
    assert again.wait(5)


def test_in_daemon_thread_hands_results_and_errors_to_the_loop() -> None:
    async def main() -> tuple[int, str]:
        value = await in_daemon_thread(lambda a, b: a + b, 2, 3)
        try:
            await in_daemon_thread(lambda: 1 / 0)
        except ZeroDivisionError as exc:
            return value, type(exc).__name__
        return value, "no error"

    assert asyncio.run(main()) == (5, "ZeroDivisionError")
