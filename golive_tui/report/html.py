"""One self-contained HTML file (inline CSS, no scripts or external assets) for the change ticket."""

from __future__ import annotations

from datetime import datetime
from html import escape

from ..decision import decide, progress
from ..model import Checklist
from ..profile import Profile
from ..state_model import State
from .common import STATUS_MARK, item_view

CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#111}
h1{margin-bottom:.2em} table{border-collapse:collapse;width:100%;margin:.5em 0 1.5em}
th,td{border:1px solid #bbb;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#eee} .badge{padding:.15em .6em;border-radius:.3em;font-weight:bold;color:#fff}
.go{background:#1a7f37} .nogo{background:#cf222e}
.complete,.pass{color:#1a7f37} .failed,.fail,.error{color:#cf222e;font-weight:bold}
.acceptable,.waived,.blocked{color:#9a6700} .pending,.skipped,.na{color:#57606a}
.evidence{white-space:pre-wrap;font-family:ui-monospace,monospace;font-size:12px;color:#333}
@media print{body{margin:0;font-size:11px}.badge{color:#000;border:2px solid #000;background:none}
 a{color:#000} tr{page-break-inside:avoid}}
"""


def render_html(checklist: Checklist, state: State, profile: Profile, now: datetime, *, only: set[str] | None = None) -> str:
    decision = decide(checklist, state, now)
    overall = progress(list(checklist.items()), state, now)
    e = escape
    parts = [f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{e(checklist.title)}</title>",
             f"<style>{CSS}</style></head><body>",
             f"<h1>{e(checklist.title)}</h1>",
             f"<p>Target <b>{e(profile.target.name)}</b> · generated {now:%Y-%m-%d %H:%M} UTC · "
             f"<span class='badge {'go' if decision.go else 'nogo'}'>{decision.label}</span></p>",
             "<p>" + " · ".join(f"{e(k)}: {v}" for k, v in sorted(overall.counts.items())) + f" · {overall.finished}/{overall.total} finished</p>"]
    if decision.reasons:
        parts.append("<h2>Blocking</h2><ul>" + "".join(f"<li>{e(r)}</li>" for r in decision.reasons) + "</ul>")
    parts.append("<h2>Approvals</h2><table><tr><th>Role</th><th>Name</th><th>State</th><th>Date</th><th>Signature</th></tr>")
    for a in decision.approvals:
        parts.append(f"<tr><td>{e(a.role)}</td><td>{e(a.name)}</td><td class='{ 'complete' if a.state == 'fresh' else 'failed' if a.state != 'missing' else 'pending'}'>{e(a.state)}</td>"
                     f"<td>{a.at:%Y-%m-%d %H:%M}</td>" if a.at else
                     f"<tr><td>{e(a.role)}</td><td></td><td class=pending>missing</td><td></td>")
        parts.append(f"<td><code>{e(a.signature[:16])}</code></td></tr>")
    parts.append("</table><h2>Go/no-go criteria</h2><ul>")
    parts += [f"<li class='{'complete' if c.met else 'failed'}'>{'MET' if c.met else 'NOT MET'}: {e(c.criterion.title)}"
              + (f" — {e(', '.join(c.blockers[:8]))}" if c.blockers else "") + "</li>" for c in decision.criteria]
    parts.append("</ul>")
    for section in checklist.sections():
        items = [i for i in section.item if only is None or i.key in only]
        if not items:
            continue
        parts.append(f"<h{min(2 + section.key.count('.'), 4)}>{e(section.title)}</h{min(2 + section.key.count('.'), 4)}>")
        parts.append("<table><tr><th>Item</th><th>Owner</th><th>Status</th><th>Probe</th><th>Evidence</th></tr>")
        for item in items:
            v = item_view(item, state, now)
            state_class = "na" if v.state == "n/a" else v.state
            evidence = "\n".join(x for x in (v.summary, v.evidence, v.note and f"note: {v.note}", v.attached and f"evidence: {v.attached}", v.reason) if x)
            parts.append(f"<tr><td><b>{e(item.title)}</b><br><small>{e(item.key)}</small></td><td>{e(item.owner)}</td>"
                         f"<td class='{state_class}'>{e(STATUS_MARK[v.state])} {e(v.state)}</td>"
                         f"<td class='{e(v.verdict)}'>{e(v.verdict)}{' ' + e(v.current) if v.current else ''}</td>"
                         f"<td><div class=evidence>{e(evidence)}</div></td></tr>")
        parts.append("</table>")
    parts.append("</body></html>\n")
    return "".join(parts)
