"""Rich text for the header bar and the item detail pane, computed from checklist, state and clock."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text

from ..decision import decide, outcome, progress
from ..model import Item
from .format import outcome_text, verdict_text

if TYPE_CHECKING:
    from .app import GoliveApp


def target_label(app: GoliveApp) -> str:
    """Where the checks point: target name, kube context, namespace (if different), AWS region."""
    profile = app.profile
    target = profile.target
    parts = [target.name]
    if profile.kubernetes.context:
        parts.append(f"ctx:{profile.kubernetes.context}")
    if target.namespace != target.name:
        parts.append(f"ns:{target.namespace}")
    if profile.aws.region:
        parts.append(profile.aws.region)
    return " ".join(parts)


def badge(go: bool, label: str, monochrome: bool) -> Text:
    """The GO / NO-GO badge: the word carries the meaning, the colour only repeats it."""
    return Text(f" {label} ", style="" if monochrome else ("bold white on green" if go else "bold white on red"))


def header_text(app: GoliveApp) -> Text:
    now = app.now()
    decision = decide(app.checklist, app.state, now)
    overall = progress(list(app.checklist.items()), app.state, now)
    warn = "" if app.monochrome else "bold yellow"
    # The badge and progress come first: at 80 columns the end of the line may be cut.
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append_text(badge(decision.go, decision.label, app.monochrome))
    if app.read_only:
        text.append(" READ-ONLY", style=warn)
    text.append(f" {overall.label()} │ {app.checklist.title} │ {target_label(app)}")
    if app.running:
        text.append(f"  probing {len(app.running)}…")
    summary = app.store.status().summary if getattr(app.store, "offline", False) else None
    if summary:
        text.append(f"  {summary}", style=warn)
    return text


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else ""


def detail_text(app: GoliveApp, item: Item) -> Text:
    """Everything about one item: what, who, status, probe verdict and evidence, note, waiver, runbook."""
    istate = app.state.item(item.key)
    o = outcome(item, istate, app.now())
    dim = "" if app.monochrome else "bright_black"
    text = Text()
    text.append(item.title, style="bold")
    text.append(f"  {item.key}  [{item.priority}]  owner: {item.owner or '—'}\n")
    if item.description:
        text.append(item.description + "\n")
    text.append("Status: ")
    text.append_text(outcome_text(o.state, app.monochrome))
    if istate.at:
        text.append(f" — {istate.by} {_when(istate.at)}")
    if o.reason and o.state != "waived":  # a live waiver has its own line below
        text.append(f" ({o.reason})")
    text.append("\n")
    if istate.expires_at and o.state != "waived":
        text.append(f"Attestation valid until {_when(istate.expires_at)}\n")
    if item.metric:
        m = item.metric
        text.append(f"Target {m.target}" + (f", acceptable {m.acceptable}" if m.acceptable else "") + "\n")
    if item.key in app.running:
        text.append("Probe: running… (esc cancels)\n")
    elif istate.probe:
        p = istate.probe
        text.append("Probe: ")
        text.append_text(verdict_text(p.verdict, app.monochrome))
        text.append(f" — {p.summary} ({p.checked_at:%H:%M:%S}, {p.duration_ms:.0f} ms)\n")
        if p.evidence:
            text.append(p.evidence.rstrip() + "\n", style=dim)
    elif item.probe:
        text.append("Probe: " + ", ".join(s.kind for s in item.probe) + " — not run yet (p)\n")
    else:
        text.append("Manual item: attest with d/x/n/b, e for note and evidence.\n")
    if istate.note:
        text.append(f"Note: {istate.note}\n")
    if istate.evidence:
        digest = f" (sha256 {istate.evidence_sha256[:12]}…)" if istate.evidence_sha256 else ""
        text.append(f"Evidence: {istate.evidence}{digest}\n")
    if istate.waiver:
        w = istate.waiver
        text.append(f"Waiver: until {w.until:%Y-%m-%d} by {w.by}: {w.reason}\n")
    if item.runbook:
        text.append("Runbook:\n", style="bold")
        text.append(item.runbook.rstrip() + "\n")
    return text
