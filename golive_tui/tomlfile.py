"""Read TOML files and turn parse and validation errors into LoadErrors with file:line [key]."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import LoadError
from .files import read_text

if TYPE_CHECKING:  # the first frame reads TOML through here before pydantic is imported
    from pydantic import ValidationError

_AT_LINE = re.compile(r"\(at line (\d+), column \d+\)")


def read_toml(path: Path, what: str = "TOML file") -> tuple[dict[str, Any], str]:
    """Parse `path` (a regular UTF-8 file of sane size); a syntax error becomes a LoadError naming
    file and line."""
    text = read_text(path, what)
    return parse_toml(path, text), text


def parse_toml(path: Path | str, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise LoadError(path, "invalid TOML: tables or arrays nested too deeply") from None
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _AT_LINE.search(message)
        line = int(match.group(1)) if match else None
        raise LoadError(
            path, f"invalid TOML: {_AT_LINE.sub('', message).strip()}", line=line
        ) from None


def key_path(raw: Any, loc: Sequence[str | int]) -> str:
    """Readable path for a pydantic error location, naming list entries by their id."""
    parts: list[str] = []
    node = raw
    for step in loc:
        if isinstance(step, int):
            label = str(step)
            if isinstance(node, list) and 0 <= step < len(node):
                node = node[step]
                if isinstance(node, dict):
                    label = str(node.get("id") or node.get("role") or node.get("name") or step)
            else:
                node = None
            parts[-1:] = [f"{parts[-1]}[{label}]"] if parts else [f"[{label}]"]
        else:
            parts.append(str(step))
            node = node.get(step) if isinstance(node, dict) else None
    return ".".join(parts)


def guess_line(text: str, raw: Any, loc: Sequence[str | int]) -> int | None:
    """Best-effort line of the key at `loc`: after the line declaring the nearest id."""
    lines = text.splitlines()
    start = 0
    node = raw
    last_key = None
    for step in loc:
        if isinstance(step, int) and isinstance(node, list) and 0 <= step < len(node):
            node = node[step]
            ident = node.get("id") if isinstance(node, dict) else None
            if isinstance(ident, str):
                pattern = re.compile(rf"^\s*id\s*=\s*[\"']{re.escape(ident)}[\"']")
                for n in range(start, len(lines)):
                    if pattern.match(lines[n]):
                        start = n
                        break
        elif isinstance(step, str):
            last_key = step
            node = node.get(step) if isinstance(node, dict) else None
    if last_key is None:
        return None
    # The entity's block runs to the next line declaring an id (items and sections all have one).
    end = next((n for n in range(start + 1, len(lines)) if _ID_LINE.match(lines[n])), len(lines))
    key_re = re.compile(
        rf"(^|[{{,\s])\"?{re.escape(last_key)}\"?\s*=|^\s*\[+[^\]]*\b{re.escape(last_key)}\]+"
    )
    for n in range(start, end):
        if key_re.search(lines[n]):
            return n + 1
    return start + 1 if start or (lines and _ID_LINE.match(lines[0])) else None


_ID_LINE = re.compile(r"^\s*id\s*=")


def validation_error(path: Path | str, text: str, raw: Any, exc: ValidationError) -> LoadError:
    """The first pydantic error as a LoadError; the others are counted in the message."""
    errors = exc.errors()
    first = errors[0]
    loc = [
        step
        for step in first["loc"]
        if not (isinstance(step, str) and step.startswith("function-"))
    ]
    msg = first["msg"]
    if first["type"] == "extra_forbidden":
        msg = "unknown key"
    more = (
        f" (and {len(errors) - 1} more error{'s' if len(errors) > 2 else ''})"
        if len(errors) > 1
        else ""
    )
    return LoadError(path, msg + more, line=guess_line(text, raw, loc), key=key_path(raw, loc))
