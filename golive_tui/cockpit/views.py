"""Frozen snapshots of what the cockpit shows, built from the session: tui/render.py draws only
these.

Every text a person or a remote server wrote (titles, names, notes, evidence, probe
output) is made safe here, once, with `safe_line` / `safe_block`: nothing downstream
can forget it. No Textual in this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..actor import Operator
from ..decision import Decision, live, progress, section_progress
from ..model import Item, Section
from ..profile import Profile
from ..projection import item_facts
from ..reachability import Unreachable, unreachable_in_state
from ..runbook import Command, commands
from ..selection import verdict_counts
from ..session import Session
from ..state import State
from ..sweep import VerdictChange
from ..text import safe_block, safe_line


@dataclass(frozen=True, kw_only=True)
class HeaderView:
    """The one line every screen starts with."""

    badge: str
    """GO, NO-GO or TAMPERED."""
    go: bool
    problem: str = ""
    """The first problem of a record that fails verification (the badge is then TAMPERED)."""
    finished: int = 0
    total: int = 0
    failed: int = 0
    errors: int = 0
    approved: int = 0
    roles: int = 0
    title: str = ""
    target: str = ""
    read_only: bool = False
    live: str = ""
    """`LIVE 02:14:07` or `LIVE (forced) 02:14:07` once the go-live moment is recorded."""
    next_task: str = ""
    """The first post-go-live task not done yet, by due time."""
    next_due: str = ""
    """`in 3h12m`, or `3h12m ago` when overdue."""
    overdue: bool = False
    regressed: int = 0
    watch: str = ""
    store: str = ""
    unreachable: tuple[Unreachable, ...] = ()
    """Backends that did not answer, each said once (reachability.py)."""
    """reachability.Unreachable per silent backend: said once in the header, not as N errors."""


def target_label(profile: Profile) -> str:
    """Where the checks point: target name, kube context, namespace (if different), AWS region."""
    target = profile.target
    parts = [target.name]
    if profile.kubernetes.context:
        parts.append(f"ctx:{profile.kubernetes.context}")
    if target.namespace != target.name:
        parts.append(f"ns:{target.namespace}")
    if profile.aws.region:
        parts.append(profile.aws.region)
    return safe_line(" ".join(parts))


def clock(delta: timedelta) -> str:
    """`02:14:07`, or `1d 02:14:07` past a day."""
    seconds = max(0, int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    text = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    return f"{days}d {text}" if days else text


def span(delta: timedelta) -> str:
    """A due time in words: `3h12m`, `2d4h`, `45m`."""
    minutes = int(abs(delta.total_seconds()) // 60)
    days, minutes = divmod(minutes, 1440)
    hours, minutes = divmod(minutes, 60)
    return f"{days}d{hours}h" if days else f"{hours}h{minutes:02d}m" if hours else f"{minutes}m"


def live_line(session: Session, now: datetime) -> tuple[str, str, str, bool]:
    """(`LIVE 02:14:07`, next task, `in 3h12m`, overdue) after the go-live moment, else empty."""
    state = live(session.checklist, session.state, now)
    if state is None:
        return "", "", "", False
    label = state.label if state.since is not None else safe_line(state.label)
    if state.since is not None and state.elapsed.days:
        label = label.rsplit(" ", 1)[0] + " " + clock(state.elapsed)  # past a day: `1d 02:14:07`
    task = state.next_task
    if task is None:
        return label, "", "", False
    if task.overdue:
        return label, safe_line(task.item.title), f"{span(now - task.due)} ago", True
    return label, safe_line(task.item.title), f"in {span(task.due - now)}", False


def header_view(
    session: Session, decision: Decision, now: datetime, *, regressed: int = 0, watch: str = ""
) -> HeaderView:
    items = list(session.checklist.items())
    overall = progress(items, session.state, now)
    errors = verdict_counts(items, session.state)["error"]
    live, next_task, next_due, overdue = live_line(session, now)
    problem = decision.integrity.problem if decision.tampered else ""
    return HeaderView(
        badge=decision.label,
        go=decision.go,
        problem=safe_line(problem),
        finished=overall.finished,
        total=overall.total,
        failed=overall.failed,
        errors=errors,
        approved=sum(v.counts for v in decision.approvals),
        roles=len(decision.approvals),
        title=safe_line(session.checklist.title),
        target=target_label(session.profile),
        read_only=session.read_only,
        live=live,
        next_task=next_task,
        next_due=next_due,
        overdue=overdue,
        regressed=regressed,
        watch=watch,
        store=safe_line(
            " · ".join(
                part
                for part in (session.store_summary or "", getattr(session, "captains", ""))
                if part
            )
        ),
        unreachable=tuple(unreachable_in_state(session.state, (i.key for i in items))),
    )


def section_label(section: Section, state: State, now: datetime) -> str:
    """`5/8 ✗1 ⚠2 Infrastructure Readiness`: errors beside failures in every section label."""
    prog = section_progress(section, state, now)
    errors = verdict_counts(section.all_items(), state)["error"]
    return f"{prog.label()}{f' ⚠{errors}' if errors else ''} {safe_line(section.title)}"


def progress_label(items: list[Item], state: State, now: datetime) -> str:
    prog = progress(items, state, now)
    errors = verdict_counts(items, state)["error"]
    return f"{prog.label()}{f' ⚠{errors}' if errors else ''}"


@dataclass(frozen=True, kw_only=True)
class RowView:
    """One row of the item table."""

    key: str
    title: str
    owner: str
    outcome: str
    expired: bool
    """The status carries a note (expired attestation or waiver): shown as `*`."""
    verdict: str | None
    checked_at: datetime | None
    running: bool = False
    held: bool = False
    """A paging probe a sweep left for `p`."""
    change: str = ""
    """▼ / ▲ / • in front of a verdict that changed since the previous sweep."""
    overridden: bool = False
    """A person marked it done or n/a over a failing probe (shown as `!`, the reason in the
    item)."""


def row_view(
    item: Item,
    state: State,
    now: datetime,
    *,
    running: bool = False,
    held: bool = False,
    change: VerdictChange | None = None,
) -> RowView:
    facts = item_facts(item, state, now)
    return RowView(
        key=item.key,
        title=safe_line(item.title),
        owner=safe_line(item.owner),
        outcome=facts.state,
        expired=bool(facts.reason and facts.state != "waived"),
        verdict=facts.verdict or None,
        checked_at=facts.checked_at,
        running=running,
        held=held and not running,
        change=change.mark if change else "",
        overridden=facts.override is not None,
    )


@dataclass(frozen=True, kw_only=True)
class ItemView:
    """Everything known about one item, for the item screen and the detail pane."""

    key: str
    title: str
    priority: str
    owner: str
    description: str
    outcome: str
    reason: str
    by: str
    by_probe: bool
    """The status was set by a probe result (its expiry is the verdict's validity), not attested by
    a person."""
    at: datetime | None
    operator: str
    expires_at: datetime | None
    metric: str
    probes: tuple[str, ...]
    running: bool
    held: bool
    verdict: str | None
    summary: str
    checked_at: datetime | None
    duration_ms: float
    value: str
    probe_output: str
    """What the probe saw (the record's `probe.evidence`), line by line."""
    note: str
    evidence: str
    """What a person attached: text, a link or a file (then `evidence_sha256`); never probe
    output."""
    evidence_sha256: str
    waiver: str
    override: str
    links: tuple[tuple[str, str], ...]
    fields: tuple[tuple[str, str], ...]
    commands: tuple[Command, ...]
    change: VerdictChange | None = None


def _operator_of(state: State, key: str) -> str:
    """Who was at the keyboard for the item's latest change (the audit entry's operator)."""
    target = f"item:{key}"
    for entry in reversed(state.audit):
        if entry.target == target:
            operator = Operator.from_record(entry.operator)
            return safe_line(operator) if operator else ""
    return ""


def item_view(
    session: Session,
    item: Item,
    now: datetime,
    *,
    running: bool = False,
    held: bool = False,
    change: VerdictChange | None = None,
) -> ItemView:
    facts = item_facts(item, session.state, now)
    metric = ""
    if item.metric:
        m = item.metric
        metric = (
            f"target {m.target}"
            + (f", acceptable {m.acceptable}" if m.acceptable else "")
            + (f" ({safe_line(m.expected)})" if m.expected else "")
        )
    override = ""
    if (ov := facts.override) is not None:
        override = safe_line(
            f"{ov['reason']} — by {ov['by']} {ov['at']:%Y-%m-%d %H:%M} UTC, over the probe's "
            f"{ov['verdict']}" + (f" ({ov['summary']})" if ov.get("summary") else "")
        )
    waiver = ""
    if (w := facts.waiver) is not None:
        waiver = safe_line(f"until {w['until']:%Y-%m-%d %H:%M} UTC by {w['by']}: {w['reason']}")
    # A waived item's status is the waiver's: who granted it and when, not whoever (or whichever
    # probe) set it before.
    waived = facts.state == "waived" and w is not None
    by, at, by_probe = (
        (w["by"], w.get("at"), False)
        if waived and w is not None
        else (facts.by, facts.at, facts.by_probe)
    )
    return ItemView(
        key=item.key,
        title=safe_line(item.title),
        priority=item.priority,
        owner=safe_line(item.owner),
        description=safe_block(item.description),
        outcome=facts.state,
        reason=safe_line(facts.reason),
        by=safe_line(by),
        by_probe=by_probe,
        at=at,
        operator=_operator_of(session.state, item.key),
        expires_at=facts.expires_at,
        metric=metric,
        probes=tuple(spec.kind for spec in item.probe),
        running=running,
        held=held,
        verdict=facts.verdict or None,
        summary=safe_line(facts.summary),
        checked_at=facts.checked_at,
        duration_ms=facts.duration_ms or 0.0,
        value=facts.current,
        probe_output=safe_block(facts.probe_output.rstrip()),
        note=safe_block(facts.note),
        evidence=safe_line(facts.evidence),
        evidence_sha256=facts.evidence_sha256,
        waiver=waiver,
        override=override,
        links=tuple((safe_line(link.name), safe_line(link.url)) for link in item.links),
        fields=tuple((safe_line(k), safe_block(v)) for k, v in item.fields.items()),
        commands=tuple(
            Command(safe_line(c.label), safe_block(c.text))
            for c in commands(item.runbook, session.profile)
        ),
        change=change,
    )
