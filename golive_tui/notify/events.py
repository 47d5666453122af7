"""What the team is told: events read off a change of the record, short enough for a phone.

An event has a kind (one of KINDS), a subject (what it is about, for deduplication), a
title line and a few lines of detail. `changes(...)` compares the record just before and
just after one transaction — so every way of changing it (CLI, cockpit, browser view) tells
the same things: the GO/NO-GO flip, approvals given or gone stale, new probe regressions,
a forced go-live asked for or confirmed, the go-live moment. Texts come from the checklist
and the record (never from the profile's secrets) and pass through `secrets.scrub_known`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..profile_golive import NOTIFY_EVENTS
from ..text import safe_line, shorten
from ..vocab import SEVERITY, Verdict

if TYPE_CHECKING:
    from ..decision import Decision
    from ..model import Checklist
    from ..review import ReviewRequest
    from ..state.schema import State

KINDS = NOTIFY_EVENTS  # the profile's [notify] events validate against the same names
LINE = 110
"""A phone shows about this much of a line without scrolling sideways."""
MAX_LINES = 8


@dataclass(frozen=True)
class Event:
    kind: str
    subject: str
    """What the event is about (`decision`, a role id, `regressions`): one flapping subject is one
    message at a time."""
    title: str
    lines: tuple[str, ...] = ()
    at: datetime | None = None
    facts: dict[str, Any] = field(default_factory=dict, compare=False)
    """Machine-readable details for the generic JSON webhook."""

    @property
    def content(self) -> tuple[str, tuple[str, ...]]:
        """What makes two events the same message (the time does not)."""
        return self.title, self.lines


def _lines(texts: list[str]) -> tuple[str, ...]:
    shown = [shorten(safe_line(t), LINE) for t in texts[:MAX_LINES]]
    if len(texts) > MAX_LINES:
        shown.append(f"and {len(texts) - MAX_LINES} more")
    return tuple(shown)


def _verdict(state: State, key: str) -> str:
    record = state.item(key).probe
    return record.verdict if record is not None else ""


def regressions(checklist: Checklist, before: State, after: State) -> list[tuple[str, str, str]]:
    """(item, verdict before, verdict after) for every probed item whose verdict got worse."""
    found = []
    for item in checklist.items():
        was, now = _verdict(before, item.key), _verdict(after, item.key)
        if (
            was
            and now
            and was != now
            and Verdict.SKIPPED not in (was, now)
            and SEVERITY[Verdict(now)] > SEVERITY[Verdict(was)]
        ):
            found.append((item.key, was, now))
    return found


def changes(
    checklist: Checklist, before: State, after: State, then: Decision, now: Decision, at: datetime
) -> list[Event]:
    """The events one transaction caused, given the record and its decision before and after it."""
    events: list[Event] = []
    if then.label != now.label:
        reasons = (
            list(now.reasons) if not now.go else ["every criterion met and every approval fresh"]
        )
        events.append(
            Event(
                "decision",
                "decision",
                f"{then.label} → {now.label}: {checklist.title}",
                _lines(reasons),
                at,
                {"before": then.label, "after": now.label, "reasons": now.reasons[:20]},
            )
        )
    worse = regressions(checklist, before, after)
    if worse:
        titles = checklist.item_map()
        events.append(
            Event(
                "regression",
                "regressions",
                f"▼ {len(worse)} regression{'s' if len(worse) != 1 else ''}: {checklist.title}",
                _lines([f"{titles[k].title} ({k}): {was} → {new}" for k, was, new in worse]),
                at,
                {"items": [{"id": k, "before": was, "after": new} for k, was, new in worse]},
            )
        )
    old = {view.role_id: view for view in then.approvals}
    for view in now.approvals:
        previous = old.get(view.role_id)
        # Given: a new approval record (fresh again because the items came back is not a new
        # approval).
        if view.state == "fresh" and (
            previous is None or previous.state in ("missing", "revoked") or previous.at != view.at
        ):
            how = "signed" if view.signing.verified else "proxy" if view.proxy else "own session"
            events.append(
                Event(
                    "approval-given",
                    view.role_id,
                    f"Approved: {view.role} by {view.name} ({how})",
                    _lines(
                        [
                            f"{len([v for v in now.approvals if v.counts])}/"
                            f"{len(now.approvals)} approvals count",
                            f"decision now: {now.label}",
                        ]
                        + ([f"recorded by {view.operator}"] if view.operator else [])
                    ),
                    at,
                    {
                        "role": view.role_id,
                        "name": view.name,
                        "principal": view.principal,
                        "how": how,
                    },
                )
            )
        elif view.state == "stale" and previous is not None and previous.state == "fresh":
            events.append(
                Event(
                    "approval-stale",
                    view.role_id,
                    f"Approval stale: {view.role} ({view.name})",
                    _lines(
                        [
                            f"changed since it was given: {', '.join(view.changed[:6]) or 'items'}",
                            f"ask again: golive approve {view.role_id} --request FILE",
                        ]
                    ),
                    at,
                    {"role": view.role_id, "name": view.name, "changed": view.changed[:50]},
                )
            )
    request, was_requested = after.meta.force_request, before.meta.force_request
    if request is not None and (was_requested is None or was_requested.at != request.at):
        events.append(
            Event(
                "force-requested",
                "force",
                f"Forced go-live requested by {request.by}",
                _lines(
                    [
                        f"reason: {request.reason}",
                        f"decision: {now.label}",
                        "a second captain confirms it: golive golive --force --confirm",
                    ]
                ),
                at,
                {"by": request.by, "reason": request.reason},
            )
        )
    meta = after.meta
    if meta.golive_at is not None and before.meta.golive_at is None:
        if meta.golive_forced_reason:
            events.append(
                Event(
                    "force-confirmed",
                    "golive",
                    f"FORCED go-live confirmed by {meta.golive_confirmed_by}",
                    _lines(
                        [
                            f"asked by {meta.golive_by}: {meta.golive_forced_reason}",
                            f"LIVE since {meta.golive_at:%H:%M} UTC",
                        ]
                    ),
                    at,
                    {
                        "by": meta.golive_by,
                        "confirmed_by": meta.golive_confirmed_by,
                        "reason": meta.golive_forced_reason,
                    },
                )
            )
        else:
            events.append(
                Event(
                    "go-live",
                    "golive",
                    f"LIVE: {checklist.title}",
                    _lines([f"go-live declared by {meta.golive_by} at {meta.golive_at:%H:%M} UTC"]),
                    at,
                    {"by": meta.golive_by, "at": meta.golive_at.isoformat()},
                )
            )
    return events


def approval_requested(request: ReviewRequest, at: datetime) -> Event:
    blockers = [f"blocker: {b}" for b in request.blockers]
    return Event(
        "approval-requested",
        request.role_id,
        f"Approval requested: {request.role} ({request.checklist})",
        _lines(
            [
                f"decision now: {request.decision}; state {request.state_digest[:12]}…",
                *blockers,
                "the request file comes from the captain; sign it with ssh-keygen -Y sign "
                "-n golive",
            ]
        ),
        at,
        {
            "role": request.role_id,
            "decision": request.decision,
            "state_digest": request.state_digest,
        },
    )


def sweep_summary(
    checklist: Checklist,
    counts: dict[str, int],
    decision: Decision,
    at: datetime,
    wall: float | None = None,
) -> Event:
    tally = ", ".join(
        f"{counts[v]} {v}"
        for v in ("pass", "acceptable", "fail", "error", "skipped")
        if counts.get(v)
    )
    took = f" in {wall:.1f} s" if wall is not None else ""
    return Event(
        "sweep-summary",
        f"sweep@{at.isoformat()}",
        f"Sweep{took}: {tally or 'nothing probed'}",
        _lines([f"decision: {decision.label}", *decision.reasons[:5]]),
        at,
        {"counts": counts, "decision": decision.label},
    )
