"""The notifier: one worker thread, so a dead or slow webhook never slows the cockpit or a sweep.

`submit(event)` and `submit_change(...)` return at once; the worker computes the events of a
change (decide() on the record before and after it) and posts them. Three brakes keep a
channel readable on a bad night:
- the same message about the same subject is sent once (a record read twice is not news);
- one subject (the decision, a role, the regressions) gets at most one message per
  `min_interval`; what happens meanwhile is held and the latest is sent when the interval
  ends, saying how many times it changed — unless it flapped back to what was last sent;
- at most `per_minute` messages a minute per notifier; the next one says how many were dropped.
Each failure (a channel and its reason) is reported once, through `on_failure`, until that
channel delivers again. Every post has the profile's deadline; closing waits at most that.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .channels import Channel, client, payload, post
from .events import Event


@dataclass
class _Subject:
    last_sent: tuple[str, tuple[str, ...]] | None = None
    """The content (Event.content) of the last message sent about this subject."""
    sent_at: float = float("-inf")
    held: Event | None = None
    changes: int = 0


@dataclass
class Delivery:
    """One message as posted (for tests and `--notify` output): the channel, the body, and why it
    failed."""

    channel: str
    body: dict[str, Any]
    error: str = ""


@dataclass
class Notifier:
    channels: list[Channel]
    context: dict[str, str] = field(default_factory=dict)
    """checklist and target names, added to every message."""
    kinds: frozenset[str] = frozenset()
    """The event kinds to send; empty: all."""
    min_interval: float = 60.0
    per_minute: int = 10
    timeout: float = 5.0
    ca_bundle: str = ""
    on_failure: Callable[[str], None] | None = None
    clock: Callable[[], float] = time.monotonic
    deliveries: list[Delivery] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    """Each distinct failure once, as shown."""

    def __post_init__(self) -> None:
        self._queue: queue.Queue[Any] = queue.Queue()
        self._lock = threading.Lock()
        self._subjects: dict[tuple[str, str], _Subject] = {}
        self._sent_times: deque[float] = deque()
        self._dropped = 0
        self._reported: set[tuple[str, str]] = set()
        self._busy = 0
        self._http: Any = None
        self._idle = threading.Condition(self._lock)
        self._thread = threading.Thread(target=self._run, name="golive-notify", daemon=True)
        self._thread.start()

    # --- from any thread ---------------------------------------------------------------------
    def submit(self, event: Event) -> None:
        """Queue one event (returns at once)."""
        self._put(("event", event))

    def submit_change(self, compute: Callable[[], list[Event]]) -> None:
        """Queue the computation of a change's events; it runs on the worker, off the caller's
        path."""
        self._put(("compute", compute))

    def _put(self, job: Any) -> None:
        with self._lock:
            self._busy += 1
        self._queue.put(job)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything queued is sent or held (at most `timeout` s); False if time ran
        out."""
        deadline = time.monotonic() + (self.timeout * 2 if timeout is None else timeout)
        with self._idle:
            while self._busy:
                left = deadline - time.monotonic()
                if left <= 0 or not self._idle.wait(left):
                    return self._busy == 0
        return True

    def poke(self) -> None:
        """Send what is held and due now (the worker also wakes by itself when the next one is
        due)."""
        self._put(("due", None))

    def close(self, timeout: float | None = None) -> None:
        """Send what is due and held (at most the deadline), then stop: a hanging receiver is left
        behind."""
        self._put(("release", None))
        self.flush(timeout)
        self._queue.put(None)

    # --- on the worker -------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            wait = self._next_due()
            try:
                job = self._queue.get(timeout=wait)
            except queue.Empty:
                self._send_due(release=False)
                continue
            if job is None:
                if self._http is not None:
                    self._http.close()
                return
            kind, value = job
            try:
                if kind == "compute":
                    for event in value():
                        self._consider(event)
                elif kind == "event":
                    self._consider(value)
                else:
                    self._send_due(release=kind == "release")
            except Exception as exc:  # noqa: BLE001 - a notification bug never reaches the captain's screen as a crash
                self._failed("notify", f"could not build the message: {type(exc).__name__}: {exc}")
            finally:
                with self._idle:
                    self._busy -= 1
                    self._idle.notify_all()

    def _next_due(self) -> float | None:
        held = [
            s.sent_at + self.min_interval for s in self._subjects.values() if s.held is not None
        ]
        return max(0.0, min(held) - self.clock()) if held else None

    def _consider(self, event: Event) -> None:
        if self.kinds and event.kind not in self.kinds:
            return
        subject = self._subjects.setdefault((event.kind, event.subject), _Subject())
        if self.clock() - subject.sent_at < self.min_interval:
            subject.held, subject.changes = event, subject.changes + 1
            return
        changes = subject.changes + 1 if subject.held is not None else 0
        subject.held, subject.changes = None, 0  # this newer event supersedes what was held
        if subject.last_sent == event.content:
            return  # the same news again, or a flap that came back to what was last said
        self._deliver(
            subject,
            event,
            f"(changed {changes} times in {self.min_interval:g} s)" if changes > 1 else "",
        )

    def _send_due(self, *, release: bool) -> None:
        now = self.clock()
        for subject in self._subjects.values():
            if subject.held is not None and (release or now - subject.sent_at >= self.min_interval):
                event, changes = subject.held, subject.changes
                subject.held, subject.changes = None, 0
                if (
                    event.content != subject.last_sent
                ):  # a flap that came back to what was sent says nothing new
                    self._deliver(
                        subject,
                        event,
                        f"(changed {changes} times in {self.min_interval:g} s)"
                        if changes > 1
                        else "",
                    )

    def _deliver(self, subject: _Subject, event: Event, note: str = "") -> None:
        now = self.clock()
        while self._sent_times and now - self._sent_times[0] >= 60:
            self._sent_times.popleft()
        subject.last_sent, subject.sent_at = event.content, now
        if len(self._sent_times) >= self.per_minute:
            self._dropped += 1
            return
        self._sent_times.append(now)
        if self._dropped:
            note = " ".join(
                filter(
                    None,
                    [
                        note,
                        f"({self._dropped} earlier message{'s' if self._dropped != 1 else ''} "
                        "not sent: rate limit)",
                    ],
                )
            )
            self._dropped = 0
        if self._http is None:
            try:
                self._http = client(timeout=self.timeout, ca_bundle=self.ca_bundle)
            except (
                OSError,
                ValueError,
            ) as exc:  # an unreadable CA bundle: said once, like any failure
                self._failed("notify", f"cannot load CA bundle {self.ca_bundle}: {exc}")
                return
        for channel in self.channels:
            body = payload(channel, event, self.context, note)
            error = post(channel, body, http=self._http, timeout=self.timeout)
            self.deliveries.append(Delivery(channel.label, body, error))
            if error:
                self._failed(channel.label, error)
            else:
                self._reported = {r for r in self._reported if r[0] != channel.label}

    def _failed(self, where: str, reason: str) -> None:
        key = (where, reason.split(":")[0])
        if key in self._reported:
            return
        self._reported.add(key)
        message = f"notification not sent to {where}: {reason}"
        self.failures.append(message)
        if self.on_failure is not None:
            self.on_failure(message)
