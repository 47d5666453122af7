"""Blocking calls off the event loop in daemon threads, so none can keep the process alive."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Callable
from typing import Any


def in_daemon_thread(func: Callable[..., Any], *args: Any) -> asyncio.Future:
    """Run a blocking call in a new daemon thread; the returned future resolves on the running loop.

    Not a ThreadPoolExecutor: its workers are joined at interpreter exit, so one SDK call
    stuck on a silent peer kept `golive run` alive long after it had printed its results.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future = loop.create_future()
    context = contextvars.copy_context()

    def settle(result: Any, error: BaseException | None) -> None:
        if future.done():  # abandoned: the engine has already reported a timeout or a cancel
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def target() -> None:
        try:
            result, error = context.run(func, *args), None
        except BaseException as exc:  # handed to the awaiting task, which decides
            result, error = None, exc
        try:
            loop.call_soon_threadsafe(settle, result, error)
        except RuntimeError:  # the loop is closed: nobody is waiting any more
            pass

    threading.Thread(target=target, name=f"golive-probe-{getattr(func, '__name__', 'call')}", daemon=True).start()
    return future
