"""A copy of a shared answer for each probe that reads it (ClientCache.shared): probes may edit
theirs.

SDK answers are trees of dicts and lists over immutable leaves (str, numbers, datetimes). A
walk that copies the containers and keeps the leaves costs a fraction of `copy.deepcopy`, which
keeps a memo of every object and asks each leaf how to copy itself: ~2 % of a warm sweep's CPU
went to it. Anything else is deep-copied as before.
"""

from __future__ import annotations

import copy
import datetime
from typing import Any, TypeVar

T = TypeVar("T")

_KEPT: frozenset[type] = frozenset(
    {str, int, float, bool, type(None), bytes, datetime.datetime, datetime.date}
)
"""Leaves kept as they are: immutable (a datetime's tzinfo is never edited in place)."""


def copy_answer(value: T) -> T:
    """A copy sharing no container with `value`."""
    return _copy(value)  # type: ignore[no-any-return]


def _copy(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        return {key: _copy(item) for key, item in value.items()}
    if kind is list:
        return [_copy(item) for item in value]
    if kind in _KEPT:
        return value
    if kind is tuple:
        return tuple(_copy(item) for item in value)
    return copy.deepcopy(value)
