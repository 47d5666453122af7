"""Words and glyphs for statuses and verdicts: never colour alone (NO_COLOR, 256-colour terminals)."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

OUTCOME = {
    "complete": ("✓", "done", "ok"),
    "failed": ("✗", "failed", "bad"),
    "pending": ("·", "pending", "dim"),
    "n/a": ("–", "n/a", "dim"),
    "blocked": ("!", "blocked", "warn"),
    "waived": ("~", "waived", "warn"),
}
VERDICT = {
    "pass": ("✓", "pass", "ok"),
    "acceptable": ("≈", "acceptable", "warn"),
    "fail": ("✗", "fail", "bad"),
    "error": ("⚠", "error", "bad"),
    "skipped": ("-", "skipped", "dim"),
}
STYLE = {"ok": "green", "bad": "bold red", "warn": "yellow", "dim": "bright_black"}
SPINNER = "◐◓◑◒"


def styled(glyph: str, word: str, tone: str, monochrome: bool) -> Text:
    return Text(f"{glyph} {word}", style="" if monochrome else STYLE[tone])


def outcome_text(state: str, monochrome: bool = False) -> Text:
    return styled(*OUTCOME[state], monochrome)


def verdict_text(verdict: str | None, monochrome: bool = False, short: bool = False) -> Text:
    if not verdict:
        return Text("")
    glyph, word, tone = VERDICT[verdict]
    return styled(glyph, "accept." if short and verdict == "acceptable" else word, tone, monochrome)


def age(then: datetime | None, now: datetime) -> str:
    """Compact age of a check: 40s, 3m, 2h, 5d."""
    if then is None:
        return ""
    seconds = max(0, int((now - then).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
