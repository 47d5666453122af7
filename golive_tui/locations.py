"""Which files a session means: the checklist a reference names, the record's location.

No pydantic, no state package: the first frame (tui/preview.py) and the validated loaders
(checklists.load_checklist, state.open_store) find their files through these same functions.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from .errors import GoliveError

DEFAULT_NAME = "production"
STATE_ENV = "GOLIVE_STATE"
DEFAULT_STATE = "golive-state.toml"


def shipped_dir() -> Path:
    """The checklists shipped inside the package (a real directory: the wheel is not zipped)."""
    return Path(str(resources.files("golive_tui") / "data" / "checklists"))


def shipped() -> dict[str, Path]:
    """Shipped checklists by name (`production` for production.toml)."""
    return {path.stem: path for path in sorted(shipped_dir().glob("*.toml"))}


DEFAULT_CHECKLIST = shipped_dir() / f"{DEFAULT_NAME}.toml"


def locate(ref: str | Path | None) -> Path:
    """A checklist reference as a path: None is the default, a bare name a shipped checklist."""
    if ref is None or ref == "":
        return DEFAULT_CHECKLIST
    text = str(ref)
    known = shipped()
    if text in known and not Path(text).exists():
        return known[text]
    path = Path(text)
    if not path.exists() and "/" not in text and not text.endswith(".toml"):
        raise GoliveError(
            f"unknown checklist {text!r}: shipped checklists are {', '.join(known)}; or "
            "give a file path"
        )
    return path


def state_location(location: str | Path | None = None) -> str:
    """`--state`, else $GOLIVE_STATE, else ./golive-state.toml — a string: `Path` would fold
    `s3://b/k`."""
    return str(location) if location else os.environ.get(STATE_ENV) or DEFAULT_STATE
