"""Markdown in the seed document's own layout, with Status, Date, Current and sign-off filled.

Same headings and tables as the source (`golive import` reads this report back), every cell
one line with `|` escaped, and a short evidence list (`*` bullets) under each table. The
tables themselves are markdown_tables.py's; this module lays out the document around them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

from ..decision import Decision, DueTask, decide, post_golive_tasks, progress
from ..model import WINDOW_TITLES, Checklist, Section
from ..profile import Profile
from ..signoff import Trust
from ..state import State
from .blockers import blocker_groups, reason_lines
from .common import (
    STATUS_MARK,
    ItemView,
    anchor,
    approval_note,
    blockers_text,
    cell,
    criterion_note,
    is_toc,
    item_view,
    override_text,
    selected,
    signoff_section,
)
from .markdown_tables import item_table, linked_cells, metric_shape, metric_table, table


@dataclass
class _Report:
    checklist: Checklist
    state: State
    now: datetime
    only: set[str] | None
    decision: Decision
    due: dict[str, DueTask]


def render_markdown(
    checklist: Checklist,
    state: State,
    profile: Profile,
    now: datetime,
    *,
    only: set[str] | None = None,
) -> str:
    """The record as Markdown, laid out like the seed document."""
    r = _Report(
        checklist,
        state,
        now,
        only,
        decide(checklist, state, now, Trust.of(checklist, profile)),
        {t.item.key: t for t in post_golive_tasks(checklist, state, now)},
    )
    out = _header(r, profile)
    titles = {top.title.lower() for top in checklist.section}
    if checklist.description and "overview" not in titles:
        out += ["## Overview", "", checklist.description.strip(), "", "---", ""]
    if not any(is_toc(top) for top in checklist.section):
        out += ["## Table of Contents", "", *_toc(checklist), "", "---", ""]
    signoff = signoff_section(checklist)
    for top in checklist.section:
        if only is not None and top is not signoff and (is_toc(top) or not selected(top, only)):
            continue
        out += [f"## {top.title}", ""]
        if is_toc(top):
            out += [*_toc(checklist), ""]
        else:
            if top is signoff:
                out += _signoff(r, level=3)
            out += _body(r, top, level=2)
        out += ["---", ""]
    if signoff is None and (checklist.approval or checklist.criterion):
        out += ["## Sign-Off", "", *_signoff(r, level=3), "---", ""]
    out += _appendix(checklist)
    while out and out[-1] in ("", "---"):
        out.pop()
    return "\n".join(out) + "\n"


def _header(r: _Report, profile: Profile) -> list[str]:
    d = r.decision
    overall = progress(list(r.checklist.items()), r.state, r.now)
    counts = " · ".join(
        f"{state} {overall.counts[state]}" for state in STATUS_MARK if overall.counts[state]
    )
    out = [
        f"# {r.checklist.title}",
        "",
        f"**Target:** {cell(profile.target.name)} · **Generated:** {r.now:%Y-%m-%d %H:%M} "
        f"UTC · **Decision: {d.label}**",
        "",
        f"**Progress:** {overall.finished}/{overall.total} finished ({counts})",
        "",
    ]
    meta = r.state.meta
    if meta.golive_at:
        forced = (
            f" — forced: {cell(meta.golive_forced_reason)}" if meta.golive_forced_reason else ""
        )
        out += [
            f"**Go-live:** {meta.golive_at:%Y-%m-%d %H:%M} UTC by {cell(meta.golive_by)}{forced}",
            "",
        ]
    if d.reasons:
        out += ["**Blocking:**", ""] + [f"- {cell(reason)}" for reason in reason_lines(d)] + [""]
        out += _blockers(r)
    return out


def _blockers(r: _Report) -> list[str]:
    """Every blocking item by title, grouped by section; the id small, for whoever acts on it."""
    groups = blocker_groups(r.checklist, r.state, r.now, r.decision, r.only)
    if not groups:
        return []
    total = sum(len(g.blockers) for g in groups)
    out = [f"**Blockers ({total}), by section:**", ""]
    for group in groups:
        out += [f"*{cell(group.section)}*", ""]
        for b in group.blockers:
            why = f": {cell(b.why)}" if b.why else ""
            out.append(f"- **{cell(b.title)}** — {b.word}{why} <sub>`{b.key}`</sub>")
        out.append("")
    return out


def _toc(checklist: Checklist) -> list[str]:
    tops = [top for top in checklist.section if not is_toc(top)]
    return [
        f"{n}. [{cell(top.title)}](#{anchor(top.title)})" for n, top in enumerate(tops, start=1)
    ]


def _body(r: _Report, section: Section, level: int) -> list[str]:
    out: list[str] = []
    if section.notes and r.only is None:
        out += [section.notes.strip(), ""]
    shown = [
        item_view(i, r.state, r.now) for i in section.item if r.only is None or i.key in r.only
    ]
    if shown:
        out += _items(r, section, shown)
    for sub in section.subsection:
        if selected(sub, r.only):
            out += [f"{'#' * min(level + 1, 6)} {sub.title}", ""] + _body(r, sub, level + 1)
    if section.runbook and (r.only is None or shown):
        out += [
            f"{'#' * min(level + 1, 6)} Verification Commands",
            "",
            *_fence(section.runbook),
            "",
        ]
    return out


def _layout(views: list[ItemView]) -> str:
    """`metrics` (the seed's benchmark tables), `tasks` (its task lists) or `items` (its tables)."""
    with_metric = sum(1 for v in views if v.item.metric)
    if with_metric and with_metric * 2 >= len(views):
        return "metrics"
    if not any(
        v.item.description or v.item.fields or v.item.metric or linked_cells(v.item)[2]
        for v in views
    ):
        return "tasks"
    return "items"


def _task(v: ItemView, section: Section) -> list[str]:
    """A task-list line (`golive import` reads the owner suffix back), its own commands indented
    below."""
    owner = f" (owner: {cell(v.item.owner)})" if v.item.owner else ""
    lines = [f"- {'[x]' if v.finished else '[ ]'} {linked_cells(v.item)[0]}{owner}"]
    if v.item.runbook and v.item.runbook.strip() not in section.runbook:
        lines += [""] + [f"  {line}" if line else "" for line in _fence(v.item.runbook)] + [""]
    return lines


def _items(r: _Report, section: Section, views: list[ItemView]) -> list[str]:
    layout = _layout(views)
    if layout == "tasks":
        out = _due_lines(r, views) + [line for v in views for line in _task(v, section)] + [""]
    elif layout == "metrics":
        # One table per run of like rows, as a source with several benchmark tables had them.
        out = [
            line for _, run in groupby(views, key=metric_shape) for line in metric_table(list(run))
        ]
    else:
        out = item_table(views)
    return out + _evidence(r, views, tasks=layout == "tasks")


def _due_lines(r: _Report, views: list[ItemView]) -> list[str]:
    windows = list(dict.fromkeys(v.item.window for v in views if v.item.window))
    if not windows:
        return []
    start = r.state.meta.golive_at
    parts = []
    for window in windows:
        due = next(
            (
                r.due[v.item.key].due
                for v in views
                if v.item.key in r.due and v.item.window == window
            ),
            None,
        )
        title = WINDOW_TITLES[window]
        parts.append(
            f"due {due:%Y-%m-%d %H:%M} UTC ({title} after go-live)"
            if due
            else f"due within the {title} after go-live"
        )
    note = "" if start else " (go-live not recorded yet)"
    text = "; ".join(parts)
    return [f"*{text[0].upper()}{text[1:]}{note}.*", ""]


def _evidence(r: _Report, views: list[ItemView], *, tasks: bool) -> list[str]:
    lines = []
    for v in views:
        parts = []
        if tasks and v.state in ("failed", "blocked", "n/a"):
            parts.append(STATUS_MARK[v.state])
        task = r.due.get(v.item.key)
        if task and task.overdue:
            parts.append(f"OVERDUE (due {task.due:%Y-%m-%d %H:%M} UTC)")
        if v.verdict:
            measured = f" ({v.current})" if v.current and v.current not in v.summary else ""
            parts.append(
                f"{v.verdict} — {v.summary}{measured}, checked {v.checked_at:%Y-%m-%d %H:%M} UTC"
            )
        if v.note:
            parts.append(f"note: {v.note}")
        if v.evidence:
            parts.append(f"evidence: {v.evidence}")
        if v.waiver:
            parts.append(
                f"waived until {v.waiver['until']:%Y-%m-%d} by {v.waiver['by']}: "
                f"{v.waiver['reason']}"
            )
        if v.reason and not v.waiver:
            parts.append(v.reason)
        if v.override:
            parts.append(override_text(v.override))
        if parts:
            lines.append(f"* **{cell(v.item.title)}**: {cell('; '.join(parts))}")
    return lines + [""] if lines else []


def _signoff(r: _Report, level: int) -> list[str]:
    h = "#" * level
    out: list[str] = []
    if r.checklist.approval:
        rows, notes = [], []
        for a in r.decision.approvals:
            mark = {"fresh": "[x]", "missing": "[ ]"}.get(a.state, a.state)
            signature = (
                a.signature[:12] + ("" if a.state == "fresh" else f" ({a.state})")
                if a.signature
                else ""
            )
            rows.append([a.role, a.name, mark, f"{a.at:%Y-%m-%d}" if a.at else "", signature])
            record = r.state.approvals.get(a.role_id)
            if a.state != "missing":
                notes.append(f"* **{cell(a.role)}**: {cell(approval_note(a))}")
            if a.state == "stale":
                notes.append(
                    f"* **{cell(a.role)}**: stale — changed since approval: "
                    f"{cell(blockers_text(a.changed) or 'items')}"
                )
            elif a.state == "revoked" and record is not None:
                notes.append(
                    f"* **{cell(a.role)}**: revoked by {cell(record.revoked_by)}: "
                    f"{cell(record.revoke_reason)}"
                )
        out += [f"{h} Required Approvals", ""] + table(
            ["Role", "Name", "Approval", "Date", "Signature"], rows
        )
        out += notes + ([""] if notes else [])
    if r.checklist.criterion:
        rows = [
            [c.criterion.title, "[x]" if c.met else "[ ]", criterion_note(r.checklist, c.blockers)]
            for c in r.decision.criteria
        ]
        out += [f"{h} Go-Live Decision", ""] + table(
            ["Criteria", "Met", "Notes"], rows, bold_first=False
        )
        out += [
            f"**Decision: {r.decision.label}** (state signature {r.decision.signature[:12]})",
            "",
        ]
    return out


def _fence(text: str) -> list[str]:
    """A fenced code block longer than any backtick run inside it (a runbook already fenced, its
    language kept, as it is)."""
    if re.match(r"(`{3,}|~{3,})", text.lstrip()):
        return text.strip("\n").split("\n")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return [f"{ticks}bash", text.strip("\n"), ticks]


def _appendix(checklist: Checklist) -> list[str]:
    out: list[str] = []
    if checklist.contact or checklist.link or checklist.emergency_runbook:
        out += ["## Appendix: Quick Reference", ""]
        if checklist.contact:
            out += ["### Critical Contacts", ""]
            out += table(
                ["Role", "Contact", "Phone"],
                [[c.role, c.contact, c.phone] for c in checklist.contact],
                bold_first=False,
            )
        if checklist.link:
            out += ["### Important URLs", ""] + table(
                ["Resource", "URL"], [[k.name, k.url] for k in checklist.link], bold_first=False
            )
        if checklist.emergency_runbook:
            out += ["### Emergency Commands", "", *_fence(checklist.emergency_runbook), ""]
        out += ["---", ""]
    if checklist.changelog:
        out += ["## Change Log", ""]
        out += table(
            ["Date", "Version", "Author", "Changes"],
            [[e.date, e.version, e.author, e.changes] for e in checklist.changelog],
            bold_first=False,
        )
    return out
