"""Reports: the record for humans (Markdown in the seed's layout, self-contained HTML) and
pipelines (JSON, JUnit XML). All are pure functions of (checklist, state, profile, now):
they run no probe and read no secret.

Notes, names, evidence and probe output come from people and remote servers: no report
carries a control character (ESC, BEL, BS, CR, C1, bidi overrides) — each is shown as a
visible glyph instead, so a report printed to a terminal or opened in a browser cannot be
made to redraw, retitle or hide anything."""

from __future__ import annotations

from datetime import datetime

from ..errors import GoliveError
from ..model import Checklist
from ..profile import Profile
from ..state import State
from ..text import safe_block

FORMATS = ("markdown", "html", "json", "junit")


def render(
    fmt: str,
    checklist: Checklist,
    state: State,
    profile: Profile,
    now: datetime,
    *,
    only: set[str] | None = None,
) -> str:
    """Render one report format; `only` restricts items (e.g. those a `golive run` just probed)."""
    if fmt == "markdown":
        from .markdown import render_markdown as fn
    elif fmt == "html":
        from .html import render_html as fn
    elif fmt == "json":
        from .json_report import render_json as fn
    elif fmt == "junit":
        from .junit import render_junit as fn
    else:
        raise GoliveError(f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}")
    return safe_block(fn(checklist, state, profile, now, only=only))
