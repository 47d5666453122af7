"""AWS calls of `golive init`: a refused call is a reason to write down, not a traceback.

`call` runs one describe/list call (`pages` a paginated one) through the probes' client and
turns AWS's failure into `Refused`, one line with AWS's error code, so discovery can tell one
refused action (init goes on) from no credentials at all (every other call would fail alike).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ..probes import aws_client
from ..probes.base import ProbeContext

DENIED = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})
"""Codes that refuse one action: the other calls may still be allowed, so init goes on."""


T = TypeVar("T")


class Refused(Exception):
    """An AWS call failed; the message says why in one line, `code` is AWS's error code."""

    def __init__(self, reason: str, code: str = "") -> None:
        super().__init__(reason)
        self.code = code


def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    try:
        return fn(*args, **kwargs)
    except Exception as exc:
        reason = aws_client.describe_error(exc)
        if reason is None:
            raise
        raise Refused(reason, aws_client.error_code(exc)) from None


def pages(ctx: ProbeContext, service: str, operation: str, key: str, **kwargs: Any) -> list[Any]:
    return call(aws_client.paginate, ctx, service, operation, key, **kwargs)
