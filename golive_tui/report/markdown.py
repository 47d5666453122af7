"""Markdown in the seed document's own layout, with Status, Date, Current and sign-off filled."""

from __future__ import annotations

from datetime import datetime

from ..decision import decide, post_golive_tasks
from ..model import Checklist, Section
from ..profile import Profile
from ..state_model import State
from .common import STATUS_MARK, ItemView, cell, item_view


def render_markdown(checklist: Checklist, state: State, profile: Profile, now: datetime, *, only: set[str] | None = None) -> str:
    decision = decide(checklist, state, now)
    out = [f"# {checklist.title}", "",
           f"Target: **{profile.target.name}** · generated {now:%Y-%m-%d %H:%M} UTC · decision: **{decision.label}**", ""]
    if decision.reasons:
        out += ["Blocking:", ""] + [f"- {cell(r)}" for r in decision.reasons] + [""]
    if checklist.description:
        out += ["## Overview", "", checklist.description, ""]
    due = {t.item.key: t for t in post_golive_tasks(checklist, state, now)}
    for top in checklist.section:
        if top.id == "sign-off":
            out += _signoff(checklist, state, now, decision, top, only, due)
            continue
        out += ["---", "", f"## {top.title}", ""]
        out += _section_body(top, state, now, only, due, level=3)
    return "\n".join(out).rstrip() + "\n"


def _section_body(section: Section, state: State, now: datetime, only, due, level: int) -> list[str]:
    out: list[str] = []
    views = [item_view(i, state, now) for i in section.item if only is None or i.key in only]
    if views:
        out += _items(section, views, due)
    for sub in section.subsection:
        body = _section_body(sub, state, now, only, due, level + 1)
        if body:
            out += [f"{'#' * level} {sub.title}", ""] + body
    return out


def _items(section: Section, views: list[ItemView], due) -> list[str]:
    out: list[str] = []
    if section.id == "final-checklist" or any(v.item.window for v in views):  # the seed's task lists
        for v in views:
            box = "[x]" if v.state in ("complete", "n/a", "waived") else "[ ]"
            extra = ""
            if v.item.key in due:
                task = due[v.item.key]
                extra = f" (due {task.due:%Y-%m-%d %H:%M} UTC{', OVERDUE' if task.overdue else ''})"
            out.append(f"- {box} {v.item.title}{extra}")
        return out + [""] + _evidence(views)
    metric = any(v.item.metric for v in views)
    if metric:
        has_acceptable = any(v.item.metric and v.item.metric.acceptable for v in views)
        # The seed's service table names the service and, in its own column, the metric.
        has_label = any(v.item.metric and v.item.metric.label and v.item.metric.label != v.item.title for v in views)
        first = "Service" if has_label else "Metric"
        head = [first] + (["Metric"] if has_label else []) + ["Target"] + (["Acceptable"] if has_acceptable else []) + ["Current", "Status"]
        rows = []
        for v in views:
            m = v.item.metric
            row = [f"**{v.item.title}**"]
            if has_label:
                row.append(m.label if m else "")
            row.append((m.expected or str(m.target)) if m else "")
            if has_acceptable:
                row.append(str(m.acceptable) if m and m.acceptable else "")
            row += [v.current, STATUS_MARK[v.state]]
            rows.append(row)
        out += _table(head, rows)
    else:
        rows = [[f"**{v.item.title}**", v.item.description, v.item.owner, STATUS_MARK[v.state], v.date] for v in views]
        out += _table(["Item", "Description", "Owner", "Status", "Date"], rows)
    return out + _evidence(views)


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join("---" for _ in head) + " |"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return lines + [""]


def _evidence(views: list[ItemView]) -> list[str]:
    lines = []
    for v in views:
        parts = []
        if v.verdict:
            parts.append(f"{v.verdict}: {v.summary}")
        if v.note:
            parts.append(f"note: {v.note}")
        if v.attached:
            parts.append(f"evidence: {v.attached}")
        if v.waiver:
            parts.append(f"waived until {v.waiver['until']:%Y-%m-%d} by {v.waiver['by']}: {v.waiver['reason']}")
        if v.reason and not v.waiver:
            parts.append(v.reason)
        if parts:
            lines.append(f"- **{cell(v.item.title)}** — {cell('; '.join(parts))}")
    return lines + [""] if lines else []


def _signoff(checklist, state, now, decision, top: Section, only, due) -> list[str]:
    out = ["---", "", f"## {top.title}", "", "### Required Approvals", ""]
    rows = []
    for a in decision.approvals:
        marker = {"fresh": "", "stale": " (stale)", "revoked": " (revoked)", "missing": ""}[a.state]
        rows.append([f"**{a.role}**", a.name, "[x]" if a.state == "fresh" else "[ ]", f"{a.at:%Y-%m-%d}" if a.at else "",
                     (a.signature[:12] + marker) if a.signature else ""])
    out += _table(["Role", "Name", "Approval", "Date", "Signature"], rows)
    out += ["### Go-Live Decision", ""]
    out += _table(["Criteria", "Met", "Notes"], [[c.criterion.title, "[x]" if c.met else "[ ]", ", ".join(c.blockers[:5])]
                                                for c in decision.criteria])
    out += _section_body(top, state, now, only, due, level=3)
    return out
