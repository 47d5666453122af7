"""Notifications where the team is: a Slack-compatible incoming webhook and a generic JSON webhook.

Nothing is sent unless the profile's [notify] names a channel's secret. `events` reads what
happened off a change of the record; `channels` formats and posts one message; `notifier`
sends from its own worker with a deadline, deduplicated and rate-limited; `hooks` wires a
store so every change (CLI, cockpit, browser view) is seen. No Textual here: the CLI and the
cockpit share all of it.
"""

from __future__ import annotations

from .events import KINDS, Event
from .hooks import NotifyingStore, notifier_for, with_notifications
from .notifier import Delivery, Notifier

__all__ = [
    "KINDS",
    "Delivery",
    "Event",
    "Notifier",
    "NotifyingStore",
    "notifier_for",
    "with_notifications",
]
