"""Reports: the record for humans (Markdown in the seed's layout, self-contained HTML) and
pipelines (JSON, JUnit XML). All are pure functions of (checklist, state, profile, now):
they run no probe and read no secret."""

from __future__ import annotations

from datetime import datetime

from ..errors import GoliveError
from ..model import Checklist
from ..profile import Profile
from ..state import State

FORMATS = ("markdown", "html", "json", "junit")


def render(fmt: str, checklist: Checklist, state: State, profile: Profile, now: datetime, *, only: set[str] | None = None) -> str:
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
    return fn(checklist, state, profile, now, only=only)
