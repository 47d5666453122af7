"""Rich text drawn from the snapshots in cockpit/views.py: the header, table rows, the item, the
sweep line.

Pure functions of (snapshot, width, tones): no App, no session, no colour names — the
tones come from the drawing widget's CSS. Glyphs and words come from `golive_tui.vocab`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text

from ..text import safe_line, shorten
from ..vocab import term

if TYPE_CHECKING:
    from ..cockpit.views import HeaderView, ItemView, RowView

Tones = Mapping[str, Style]
SPINNER = "◐◓◑◒"
SEP = " │ "


def age(then: datetime | None, now: datetime) -> str:
    """Compact age of a check: 40s, 3m, 2h, 5d."""
    if then is None:
        return ""
    seconds = max(0, int((now - then).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else ""


def shorten_middle(text: str, width: int) -> str:
    """`autolytiq-…-eu-west-1`: both ends kept, for names whose end matters as much as their
    start."""
    if len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    head = width // 2
    tail = width - 1 - head
    return text[:head] + "…" + (text[-tail:] if tail else "")


CUT = (16, 8)
"""Where a long target name is cut: fixed lengths, so the cut does not move with the header's other
parts."""


def target_form(label: str, width: int) -> str:
    """The header's target in one of a few fixed forms, the widest that fits: all of it; the
    profile's target.name with the region; the name cut at 16 with the region; the name; the name
    cut at 16, at 8. A redraw with a column more or less never gives a different cut
    (`ns:a…tiq-prod`, `ns:au…tiq-prod`)."""
    parts = label.split(" ")
    name, rest = parts[0], parts[1:]
    region = " ".join(p for p in rest if not p.startswith(("ctx:", "ns:")))
    cuts = [
        name[: n - 1] + "…" for n in CUT if len(name) > n
    ]  # by characters: a word-aware cut moves
    long_cut = [f"{name[: CUT[0] - 1]}… {region}".strip()] if len(name) > CUT[0] else []
    forms = [label, f"{name} {region}".strip(), *long_cut, name, *cuts]
    return next((form for form in forms if len(form) <= width), name[: max(1, width - 1)] + "…")


def term_text(name: str | None, tones: Tones, *, short: bool = False) -> Text:
    """An outcome or a verdict as glyph and word, toned (`✗ failed`, `⚠ error`)."""
    if not name:
        return Text("")
    t = term(name)
    word = "accept." if short and name == "acceptable" else t.word
    return Text(f"{t.glyph} {word}", style=tones[t.tone])


# --- header --------------------------------------------------------------------------------
def _parts(view: HeaderView, short: bool) -> list[tuple[str, str, int]]:
    """(text, tone, priority) after the badge, in display order; a higher priority number goes
    first."""
    parts = [
        (
            f"{view.finished}/{view.total}"
            + (f" ✗{view.failed}" if view.failed else "")
            + (f" ⚠{view.errors}" if view.errors else ""),
            "strong",
            0,
        )
    ]
    if view.roles:
        parts.append((f"{'appr' if short else 'approvals'} {view.approved}/{view.roles}", "", 0))
    if view.read_only:
        parts.append(("READ-ONLY", "warn", 0))
    if view.regressed:
        parts.append((f"▼{view.regressed}" + ("" if short else " regressed"), "bad", 0))
    for silent in view.unreachable:
        parts.append((safe_line(silent.short() if short else silent.line()), "bad", 0))
    if view.live:
        parts.append((view.live, "strong", 0))
    if view.watch:
        parts.append((view.watch.replace("watch ", "") if short else view.watch, "", 2))
    if view.store:
        parts.append((view.store, "warn", 1))
    return parts


def header_text(view: HeaderView, width: int, tones: Tones) -> Text:
    """Badge, progress with ✗ and ⚠, approvals, LIVE and the next task, target — what fits in
    `width`."""
    room = width - 2  # the widget's padding
    badge_tone = (
        "badge-alarm" if view.badge == "TAMPERED" else "badge-go" if view.go else "badge-nogo"
    )
    badge = (
        f" {view.badge}: {shorten(view.problem, max(12, room // 2 - 12))} "
        if view.problem
        else f" {view.badge} "
    )
    task = ""
    if view.next_task:
        task = f"{'OVERDUE' if view.overdue else 'next'}: {{}} {view.next_due}"
    minimum_target = (
        0 if task else 8
    )  # after go-live the clock and the next task come before the target

    def used(chosen: list[tuple[str, str, int]], sep: str) -> int:
        return len(badge) + sum(len(sep) + len(text) for text, _, _ in chosen)

    # Full words and │ separators when they fit (with room for the task), else the short forms.
    for short, sep in ((False, " │ "), (True, " ")):
        parts = _parts(view, short)
        need = len(task.format("")) + 6 + len(sep) if task else 0
        if used(parts, sep) + len(sep) + minimum_target + need <= room:
            break
    while used(parts, sep) + minimum_target + len(sep) > room and any(p for _, _, p in parts):
        parts.pop(max(range(len(parts)), key=lambda i: (parts[i][2], i)))
    if task:
        left = room - used(parts, sep) - len(sep) - len(task.format(""))
        if left >= 6:
            parts.append(
                (task.format(shorten(view.next_task, left)), "bad" if view.overdue else "", 1)
            )
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(badge, style=tones[badge_tone])
    for body, tone, _ in parts:
        text.append(sep, style=tones["dim"])
        text.append(body, style=tones[tone])
    left = room - len(text.plain) - len(sep)
    if left >= 6:
        target = target_form(view.target, left)
        text.append(sep, style=tones["dim"])
        text.append(target)
        left -= len(target) + len(sep)
        if left >= 12 and view.title:
            text.append(sep, style=tones["dim"])
            text.append(shorten(view.title, left), style=tones["dim"])
    return text


# --- the item table -------------------------------------------------------------------------
def spinner_cell(spin: int | None, tones: Tones) -> Text:
    """The verdict cell of a running row; `spin` None draws a static `… running` (monochrome)."""
    return Text(
        ("… " if spin is None else SPINNER[spin % len(SPINNER)] + " ") + "running",
        style=tones["dim"],
    )


def row_cells(row: RowView, now: datetime, tones: Tones, spin: int | None) -> list[Text]:
    """Title, owner, status, verdict, age; `spin` None draws a static `… running` (monochrome)."""
    status = term_text(row.outcome, tones)
    if row.overridden:
        status.append(
            "!", style=tones["warn"]
        )  # a person overrode a failing probe: the item says why
    if row.expired:
        status.append("*")  # expired attestation or waiver: the detail says which
    if row.running:
        verdict = spinner_cell(spin, tones)
    elif row.held:
        verdict = Text("? confirm", style=tones["warn"])
    else:
        verdict = term_text(row.verdict, tones, short=True)
        if row.change:
            verdict = Text.assemble(
                (
                    row.change,
                    tones["bad" if row.change == "▼" else "ok" if row.change == "▲" else "warn"],
                ),
                verdict,
            )
    return [
        Text(row.title, no_wrap=True, overflow="ellipsis"),
        Text(row.owner, no_wrap=True, overflow="ellipsis"),
        status,
        verdict,
        Text(age(row.checked_at, now)),
    ]


# --- one item -----------------------------------------------------------------------------
def _status_line(view: ItemView, tones: Tones) -> Text:
    line = Text("Status: ")
    line.append_text(term_text(view.outcome, tones))
    if view.at:
        line.append(f" — {view.by} {when(view.at)}")
    if view.operator:
        line.append(f", recorded by {view.operator}", style=tones["dim"])
    if view.reason and view.outcome != "waived":
        line.append(f" ({view.reason})", style=tones["warn"])
    return line


def _probe_line(view: ItemView, tones: Tones, *, timing: bool = True) -> Text:
    if view.running:
        return Text("Probe: running… (esc cancels)")
    if view.held:
        return Text(
            "Probe: pages a human — not run by R; p runs it after you confirm", style=tones["warn"]
        )
    if view.verdict:
        line = Text("Probe: ")
        line.append_text(term_text(view.verdict, tones))
        if view.change:
            line.append(
                f" (was {view.change.before})",
                style=tones["bad" if view.change.regression else "dim"],
            )
        line.append(f" — {view.summary}")
        if view.checked_at:
            took = f", {view.duration_ms:.0f} ms" if timing else ""
            line.append(f" ({view.checked_at:%H:%M:%S}{took})", style=tones["dim"])
        return line
    if view.probes:
        return Text("Probe: " + ", ".join(view.probes) + " — not run yet (p)")
    return Text("Manual item: attest with d/x/n/b, e for note and evidence.")


def detail_text(view: ItemView, tones: Tones) -> Text:
    """The main screen's short pane: what, status, verdict, note — Enter shows everything."""
    text = Text()
    text.append(view.title, style=tones["strong"])
    text.append(
        f"  {view.key}  [{view.priority}]  owner: {view.owner or '—'}\n", style=tones["dim"]
    )
    text.append_text(_status_line(view, tones))
    text.append("\n")
    text.append_text(_probe_line(view, tones, timing=False))
    text.append("\n")
    if view.probe_output and view.verdict in ("fail", "error"):
        for line in view.probe_output.splitlines()[:3]:
            text.append(f"  {line}\n", style=tones["dim"])
    if view.note:
        text.append(f"Note: {view.note.splitlines()[0]}\n")
    if view.override:
        text.append(f"Override: {view.override}\n", style=tones["warn"])
    if view.waiver:
        text.append(f"Waiver: {view.waiver}\n", style=tones["warn"])
    if view.description:
        text.append(view.description.strip() + "\n")
    text.append("enter: the whole item, evidence and runbook", style=tones["dim"])
    return text


def item_text(view: ItemView, tones: Tones) -> Text:
    """The item screen: everything, evidence in full, every field and link."""
    text = Text()
    text.append(view.title, style=tones["strong"])
    text.append(
        f"\n{view.key}  [{view.priority}]  owner: {view.owner or '—'}\n", style=tones["dim"]
    )
    if view.description:
        text.append(view.description.strip() + "\n")
    text.append("\n")
    text.append_text(_status_line(view, tones))
    text.append("\n")
    if view.expires_at and view.outcome != "waived":
        what = "Probe verdict counts until" if view.by_probe else "Attestation valid until"
        text.append(f"{what} {when(view.expires_at)}\n")
    if view.metric:
        text.append(
            f"Metric: {view.metric}" + (f"; measured {view.value}" if view.value else "") + "\n"
        )
    text.append_text(_probe_line(view, tones))
    text.append("\n")
    if view.probe_output:
        text.append("Evidence from the probe:\n", style=tones["strong"])
        for line in view.probe_output.splitlines():
            text.append(f"  {line}\n")
    if view.note:
        text.append("Note:\n", style=tones["strong"])
        for line in view.note.splitlines():
            text.append(f"  {line}\n")
    if view.evidence:
        text.append(f"Evidence: {view.evidence}\n")
        if view.evidence_sha256:
            text.append(f"  sha256 {view.evidence_sha256}\n", style=tones["dim"])
    if view.override:
        text.append(f"Override: {view.override}\n", style=tones["warn"])
    if view.waiver:
        text.append(f"Waiver: {view.waiver}\n", style=tones["warn"])
    for name, url in view.links:
        text.append(f"Link: {name} — {url}\n" if name != url else f"Link: {url}\n")
    for name, value in view.fields:
        text.append(f"{name}: ", style=tones["strong"])
        text.append(value.replace("\n", "\n  ") + "\n")
    text.rstrip()
    return text
