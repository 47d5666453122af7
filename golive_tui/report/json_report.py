"""The full machine-readable record (documented in docs/report-json.md)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from ..decision import decide, post_golive_tasks, progress, section_progress
from ..model import Checklist
from ..profile import Profile
from ..signoff import Trust
from ..state import State, verify
from .common import views

REPORT_SCHEMA_VERSION = 1
COUNT_KEYS = ("complete", "failed", "pending", "blocked", "n/a", "waived")


def record(
    checklist: Checklist,
    state: State,
    profile: Profile,
    now: datetime,
    *,
    only: set[str] | None = None,
) -> dict[str, Any]:
    """The report as plain data (datetimes still datetime objects)."""
    decision = decide(checklist, state, now, Trust.of(checklist, profile))
    overall = progress(list(checklist.items()), state, now)
    audit = verify(state)
    items = []
    for v in views(checklist, state, now, only):
        item = v.item
        istate = state.item(item.key)
        items.append(
            {
                "id": item.key,
                "title": item.title,
                "section": item.section_key,
                "description": item.description,
                "owner": item.owner,
                "priority": item.priority,
                "automated": bool(item.probe),
                "probes": [spec.kind for spec in item.probe],
                "status": v.status,
                "outcome": v.state,
                "reason": v.reason,
                "verdict": v.verdict or None,
                "summary": v.summary,
                "evidence": v.probe_output,
                "value": v.value,
                "unit": v.unit,
                "checked_at": v.checked_at,
                "duration_ms": v.duration_ms,
                "note": v.note,
                "evidence_attached": v.evidence,
                "evidence_sha256": istate.evidence_sha256,
                "by": v.by,
                "at": v.at,
                "expires_at": istate.expires_at,
                "waiver": v.waiver,
                "override": v.override,
                "metric": item.metric.model_dump() if item.metric else None,
                "window": item.window,
                "fields": dict(item.fields),
                "links": [link.model_dump() for link in item.links],
            }
        )
    sections = []
    for section in checklist.sections():
        prog = section_progress(section, state, now)
        sections.append(
            {
                "id": section.key,
                "title": section.title,
                "depth": section.key.count("."),
                "total": prog.total,
                "finished": prog.finished,
                "counts": {k: prog.counts.get(k, 0) for k in COUNT_KEYS},
            }
        )
    return {
        "schema_version": REPORT_SCHEMA_VERSION,
        "generated_at": now,
        "checklist": checklist.title,
        "target": profile.target.name,
        "only": sorted(only) if only is not None else None,
        "decision": {
            "go": decision.go,
            "label": decision.label,
            "reasons": decision.reasons,
            "signature": decision.signature,
            "criteria": [
                {
                    "id": c.criterion.id,
                    "title": c.criterion.title,
                    "met": c.met,
                    "blockers": c.blockers,
                }
                for c in decision.criteria
            ],
            "approvals": [
                {
                    "id": a.role_id,
                    "role": a.role,
                    "state": a.state,
                    "name": a.name,
                    "at": a.at,
                    "signature": a.signature,
                    "changed": a.changed,
                    "principal": a.principal,
                    "operator": a.operator,
                    "proxy": a.proxy,
                    "signed": a.signing.verified,
                    "signing": a.signing.label,
                    "signing_detail": a.signing.detail,
                    "counts": a.counts,
                }
                for a in decision.approvals
            ],
            "integrity": {"ok": decision.integrity.ok, "problem": decision.integrity.problem},
        },
        "totals": {
            "total": overall.total,
            "finished": overall.finished,
            "counts": {k: overall.counts.get(k, 0) for k in COUNT_KEYS},
        },
        "sections": sections,
        "items": items,
        "golive_at": state.meta.golive_at,
        "golive_by": state.meta.golive_by,
        "golive_forced_reason": state.meta.golive_forced_reason,
        "golive_confirmed_by": state.meta.golive_confirmed_by,
        "force_request": state.meta.force_request.model_dump()
        if state.meta.force_request
        else None,
        "post_golive": [
            {
                "id": t.item.key,
                "title": t.item.title,
                "window": t.item.window,
                "due": t.due,
                "overdue": t.overdue,
                "finished": t.finished,
            }
            for t in post_golive_tasks(checklist, state, now)
        ],
        "audit": {"entries": audit.entries, "verified": audit.ok, "problem": audit.problem},
    }


def render_json(
    checklist: Checklist,
    state: State,
    profile: Profile,
    now: datetime,
    *,
    only: set[str] | None = None,
) -> str:
    return (
        json.dumps(
            record(checklist, state, profile, now, only=only),
            indent=2,
            default=_default,
            ensure_ascii=False,
        )
        + "\n"
    )


def _default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)
