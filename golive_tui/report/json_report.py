"""The full machine-readable record (documented in the README, "JSON report")."""

from __future__ import annotations

import json
from datetime import datetime

from ..audit import verify
from ..model import Checklist
from ..profile import Profile
from ..state_model import State
from ..views import status_record
from .common import views

REPORT_SCHEMA_VERSION = 1


def record(checklist: Checklist, state: State, profile: Profile, now: datetime, *, only: set[str] | None = None) -> dict:
    status = status_record(checklist, profile, state, now)
    audit = verify(state)
    items = []
    for v in views(checklist, state, now, only):
        items.append({
            "id": v.item.key, "title": v.item.title, "section": v.item.section_key, "owner": v.item.owner,
            "priority": v.item.priority, "automated": bool(v.item.probe), "status": v.status, "outcome": v.state,
            "reason": v.reason, "verdict": v.verdict or None, "summary": v.summary, "evidence": v.evidence,
            "value": v.value, "unit": v.unit, "checked_at": v.checked_at, "duration_ms": v.duration_ms,
            "note": v.note, "evidence_attached": v.attached, "by": v.by, "at": v.at, "waiver": v.waiver,
            "metric": v.item.metric.model_dump() if v.item.metric else None,
        })
    return {
        "schema_version": REPORT_SCHEMA_VERSION,
        "generated_at": now,
        "checklist": checklist.title,
        "target": profile.target.name,
        "decision": status["decision"],
        "totals": {"total": status["total"], "finished": status["finished"], "counts": status["counts"]},
        "sections": status["sections"],
        "items": items,
        "golive_at": state.meta.golive_at,
        "post_golive": status["post_golive"],
        "audit": {"entries": audit.entries, "verified": audit.ok, "problem": audit.problem},
    }


def render_json(checklist, state, profile, now, *, only=None) -> str:
    return json.dumps(record(checklist, state, profile, now, only=only), indent=2, default=_default) + "\n"


def _default(value):
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)
