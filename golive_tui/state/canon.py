"""Deterministic JSON for hashing, and the comparison that names where two records differ."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any


def canonical(obj: Any) -> str:
    """Deterministic JSON: sorted keys, no spaces, datetimes as ISO 8601."""
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), default=_default, ensure_ascii=False
    )


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def strip_none(value: Any) -> Any:
    """Drop None recursively: TOML has no null, so what is hashed is what is written and read
    back."""
    if isinstance(value, dict):
        return {k: strip_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [strip_none(v) for v in value if v is not None]
    return value


def first_difference(stored: dict[str, Any], derived: dict[str, Any]) -> str:
    for key in sorted(set(stored) | set(derived)):
        a, b = stored.get(key), derived.get(key)
        if canonical(a) != canonical(b):
            if isinstance(a, dict) and isinstance(b, dict):
                return f"{key}.{first_difference(a, b)}"
            return key
    return "(unknown)"
