"""Plain-text and JSON views for the CLI: status, run results, one item.

Kept free of colour and terminal control so output pipes cleanly into files and CI logs.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from .actor import Operator
from .decision import ApprovalView, decide, post_golive_tasks, progress, section_progress
from .engine import ItemResult
from .model import Checklist, Item
from .profile import Profile
from .projection import item_facts
from .signoff import Trust
from .state import AuditEntry, State
from .text import indent_block, safe_line, shorten
from .vocab import APPROVAL_TERMS, OUTCOMES, VERDICTS, glyph

if TYPE_CHECKING:
    from .reachability import Unreachable
    from .state import Store


def result_record(o: ItemResult) -> dict[str, Any]:
    r = o.result
    return {
        "id": o.item.key,
        "title": o.item.title,
        "section": o.item.section_key,
        "owner": o.item.owner,
        "verdict": r.verdict.value,
        "summary": r.summary,
        "evidence": r.evidence,
        "value": r.value,
        "unit": r.unit,
        "checked_at": r.checked_at.isoformat(),
        "duration_ms": round(r.duration_ms, 1),
    }


def run_record(outcomes: list[ItemResult]) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.result.verdict.value] = counts.get(o.result.verdict.value, 0) + 1
    record: dict[str, Any] = {"items": [result_record(o) for o in outcomes], "counts": counts}
    silent = run_unreachable(outcomes)
    if silent:
        record["unreachable"] = [
            {"backend": u.backend, "since": u.since, "items": u.items, "failed": u.failed}
            for u in silent
        ]
    return record


def run_unreachable(outcomes: list[ItemResult]) -> list[Unreachable]:
    """The backends a run found silent, once each (reachability.Unreachable)."""
    from .reachability import unreachable

    return unreachable((o.result.summary, o.result.evidence) for o in outcomes)


def run_table(outcomes: list[ItemResult]) -> str:
    lines = [f"{'VERDICT':<12} {'ITEM':<46} {'MS':>6}  SUMMARY"]
    for o in outcomes:
        v = o.result.verdict.value
        lines.append(
            safe_line(
                f"{glyph(v)} {v:<10} {shorten(o.item.key, 46):<46} {o.result.duration_ms:>6.0f}  "
                f"{shorten(o.result.summary, 100)}"
            )
        )
    counts = run_record(outcomes)["counts"]
    lines.append("")
    lines.append("  ".join(f"{k}: {counts[k]}" for k in VERDICTS if k in counts))
    lines += [safe_line(u.line()) for u in run_unreachable(outcomes)]
    return "\n".join(lines)


def status_record(
    checklist: Checklist,
    profile: Profile,
    state: State,
    now: datetime,
    *,
    store: Store | None = None,
) -> dict[str, Any]:
    decision = decide(checklist, state, now, Trust.of(checklist, profile))
    sections = []
    for top in checklist.section:
        for section in top.walk():
            prog = section_progress(section, state, now)
            sections.append(
                {
                    "id": section.key,
                    "title": section.title,
                    "depth": section.key.count("."),
                    "total": prog.total,
                    "finished": prog.finished,
                    "counts": dict(prog.counts),
                }
            )
    overall = progress(list(checklist.items()), state, now)
    items = {}
    for item in checklist.items():
        istate = state.items.get(item.key)
        if istate is None:
            continue
        facts = item_facts(item, state, now)
        items[item.key] = {
            "status": facts.status,
            "outcome": facts.state,
            "reason": facts.reason,
            "by": facts.by,
            "at": facts.at,
            "note": facts.note,
            "evidence": facts.evidence,
            "verdict": facts.verdict or None,
            "override": facts.override,
        }
    return {
        "checklist": checklist.title,
        "target": profile.target.name,
        "state_file": (str(store.path) if store.path else store.location) if store else None,
        "shared_state": _shared(store),
        "generated_at": now.isoformat(),
        "total": overall.total,
        "finished": overall.finished,
        "counts": {k: overall.counts.get(k, 0) for k in OUTCOMES},
        "sections": sections,
        "items": items,
        "decision": {
            "go": decision.go,
            "label": decision.label,
            "reasons": decision.reasons,
            "signature": decision.signature,
            "integrity": {
                "ok": decision.integrity.ok,
                "entries": decision.integrity.entries,
                "problem": decision.integrity.problem,
                "broken_seq": decision.integrity.broken_seq,
            },
            "criteria": [
                {
                    "id": c.criterion.id,
                    "title": c.criterion.title,
                    "met": c.met,
                    "blockers": c.blockers,
                }
                for c in decision.criteria
            ],
            "approvals": [approval_record(a) for a in decision.approvals],
        },
        "golive_at": state.meta.golive_at,
        "post_golive": [
            {"id": t.item.key, "due": t.due, "overdue": t.overdue, "finished": t.finished}
            for t in post_golive_tasks(checklist, state, now)
        ],
        "audit_entries": len(state.audit),
    }


def approval_record(view: ApprovalView) -> dict[str, Any]:
    """One approval for `status --format json`: who approved, who recorded it, signed / unsigned /
    proxy / invalid."""
    return {
        "role": view.role,
        "id": view.role_id,
        "state": view.state,
        "name": view.name,
        "principal": view.principal,
        "at": view.at,
        "changed": view.changed,
        "operator": view.operator,
        "proxy": view.proxy,
        "signed": view.signing.verified,
        "signing": view.signing.label,
        "signing_detail": view.signing.detail,
        "counts": view.counts,
    }


def approval_line(a: dict[str, Any]) -> str:
    """`approved by Sam Rivera (proxy), recorded by ops@bastion-1 from 10.0.4.7`."""
    mark = APPROVAL_TERMS[a["state"]].glyph
    if a["state"] == "missing":
        return f"  {mark} {a['role']}: missing"
    if a["state"] == "fresh" and not a["counts"]:
        mark = "✗"  # fresh, but an invalid or a required-and-missing signature: it does not count
    text = f"  {mark} {a['role']}: {a['state']}, approved by {a['name']} ({a['signing']})"
    if a["operator"]:
        text += f", recorded by {a['operator']}"
    return text


def status_table(record: dict[str, Any]) -> str:
    c = record["counts"]
    lines = [
        f"{record['checklist']} — target {record['target']}",
        f"{record['finished']}/{record['total']} finished   "
        + "  ".join(f"{glyph(k)} {k} {c[k]}" for k in c),
        *_shared_lines(record.get("shared_state")),
        "",
        f"{'SECTION':<44} {'DONE':>9}  FAILED",
    ]
    for s in record["sections"]:
        indent = "  " * s["depth"]
        failed = s["counts"].get("failed", 0)
        lines.append(
            f"{indent + shorten(s['title'], 44 - len(indent)):<44} "
            f"{s['finished']:>4}/{s['total']:<4}  {'✗' + str(failed) if failed else ''}"
        )
    d = record["decision"]
    if not d["integrity"]["ok"]:
        lines.insert(
            0, f"TAMPERED: {d['integrity']['problem']} (golive audit verify; golive restore)"
        )
    lines += ["", "APPROVALS", *(approval_line(a) for a in d["approvals"])]
    lines += ["", f"DECISION: {d['label']}"]
    lines += [f"  - {reason}" for reason in d["reasons"]]
    if record["golive_at"]:
        lines.append(f"go-live recorded at {record['golive_at']:%Y-%m-%d %H:%M} UTC")
        overdue = [t["id"] for t in record["post_golive"] if t["overdue"]]
        if overdue:
            lines.append("OVERDUE: " + ", ".join(overdue))
    return "\n".join(safe_line(line) for line in lines)


def _shared(store: Store | None) -> dict[str, Any] | None:
    """The shared (S3) state's facts, None for a local file."""
    if store is None:
        return None
    status = store.status()
    return status.record() if status.kind != "local" else None


def _shared_lines(shared: dict[str, Any] | None) -> list[str]:
    """The shared (S3) state's line: where, versioning, and OFFLINE / queued changes."""
    if not shared:
        return []
    facts = [
        f"bucket versioning {shared['versioning']}" if shared.get("versioning") else "",
        f"SSE {shared['encryption']}" if shared.get("encryption") else "",
    ]
    lines = [f"state: {shared['location']}" + "".join(f", {f}" for f in facts if f)]
    if shared.get("summary"):
        lines.append(f"  {shared['summary']}")
    return lines


def item_record(
    checklist: Checklist, item: Item, state: State, now: datetime, profile: Profile | None = None
) -> dict[str, Any]:
    istate = state.item(item.key)
    facts = item_facts(item, state, now)
    extra = (
        {"runbook_filled": filled_runbook(item, profile)}
        if profile is not None and item.runbook
        else {}
    )
    return extra | {
        "id": item.key,
        "title": item.title,
        "description": item.description,
        "owner": item.owner,
        "priority": item.priority,
        "probes": [p.model_dump() for p in item.probe],
        "metric": item.metric.model_dump() if item.metric else None,
        "runbook": item.runbook,
        "fields": dict(item.fields),
        "links": [link.model_dump() for link in item.links],
        "state": istate.model_dump(),
        "outcome": facts.state,
        "reason": facts.reason,
    }


def filled_runbook(item: Item, profile: Profile) -> str:
    """The runbook as the item screen shows it: the seed's production replaced by the profile's
    target, kubectl and aws given the profile's --kubeconfig/--context/--profile/--region (a copied
    command runs there)."""
    from .runbook import fill

    return fill(item.runbook, profile)


def item_text(
    checklist: Checklist, item: Item, state: State, now: datetime, profile: Profile | None = None
) -> str:
    istate = state.item(item.key)
    facts = item_facts(item, state, now)
    first, *more = item.description.split("\n")  # an imported item's sub-bullets: one line each
    lines = [
        f"{item.key}  [{item.priority}]",
        f"  {item.title} — {first}",
        *indent_block("\n".join(more), "    ")[: len(more)],
        f"  owner: {item.owner}",
    ]
    lines += [
        safe_line(f"  {name}: {value}") for name, value in item.fields.items()
    ]  # the source's other columns
    lines += [safe_line(f"  link: {link.name} <{link.url}>") for link in item.links]
    lines.append(
        f"  status: {glyph(facts.state)} {facts.state}"
        + (f" ({facts.reason})" if facts.reason else "")
        + (f" — by {istate.by} at {istate.at:%Y-%m-%d %H:%M} UTC" if istate.at else "")
    )
    recorded = _last_operator(state, item.key)
    if recorded:
        lines.append(f"  recorded by: {recorded}")
    if item.metric:
        m = item.metric
        lines.append(
            f"  metric: {m.label or item.title}: target {m.target}"
            + (f", acceptable {m.acceptable}" if m.acceptable else "")
        )
    for spec in item.probe:
        lines.append(f"  probe: {spec.kind} {spec.params or ''}".rstrip())
    if istate.probe:
        p = istate.probe
        lines.append(
            f"  last check: {glyph(p.verdict)} {p.verdict} — {p.summary} "
            f"({p.checked_at:%Y-%m-%d %H:%M:%S} UTC)"
        )
        if p.evidence:
            lines += indent_block(p.evidence.rstrip("\n"), "    │ ")
    if istate.note:
        lines.append("  note:")
        lines += indent_block(istate.note, "    │ ")  # a note's lines can never pass for a field
    if istate.evidence:
        lines.append(
            f"  evidence: {istate.evidence}"
            + (f" (sha256 {istate.evidence_sha256[:16]}…)" if istate.evidence_sha256 else "")
        )
    if istate.waiver:
        lines.append(
            f"  waiver: until {istate.waiver.until:%Y-%m-%d %H:%M} UTC by "
            f"{istate.waiver.by}: {istate.waiver.reason}"
        )
    if istate.override:
        o_ = istate.override
        lines.append(
            f"  OVERRIDE: marked {istate.status} over a {o_.verdict} verdict by {o_.by} at "
            f"{o_.at:%Y-%m-%d %H:%M} UTC: {o_.reason}"
        )
    if item.runbook:
        # `profile is not None` twice, not a flag: mypy narrows the profile on the test itself.
        lines.append(
            f"  runbook (filled in for {profile.target.name}):"
            if profile is not None
            else "  runbook:"
        )
        lines += indent_block(
            (filled_runbook(item, profile) if profile is not None else item.runbook).rstrip("\n"),
            "    ",
        )
    return "\n".join(safe_line(line) for line in lines)


def _last_operator(state: State, key: str) -> str:
    """Who was at the keyboard for the item's last recorded change (the session, not the name
    typed)."""
    for entry in reversed(state.audit):
        if entry.target == f"item:{key}":
            operator = Operator.from_record(entry.operator)
            return f"{operator} (as {entry.by})" if operator else ""
    return ""


def _brief(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("verdict") or value.get("reason") or "{…}")
    return shorten(value, 40)


def audit_lines(entries: list[AuditEntry]) -> list[str]:
    """`golive audit`: one line per entry, the name typed and the operator apart."""
    lines = []
    for e in entries:
        detail = ", ".join(f"{k}={_brief(v)}" for k, v in e.values.items() if k not in ("at", "by"))
        operator = Operator.from_record(e.operator)
        recorded = f" [{operator}]" if operator else ""
        lines.append(
            safe_line(
                f"#{e.seq:<4} {e.at:%Y-%m-%d %H:%M:%S} {e.by:<20} {e.action:<10} {e.target}  "
                f"{detail}{recorded}"
            )
        )
    return lines
