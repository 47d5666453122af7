"""Reading a report a pipeline produced (k6 summary, npm audit, SARIF, Trivy): a file or an http(s)
URL.

URLs go through the run's client and deadline; files must be regular files under a size
cap (a FIFO or /dev/zero named by mistake must not hang or fill memory).
"""

from __future__ import annotations

import email.utils
import json
import os
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .base import ProbeContext, ProbeError
from .http_client import request

MAX_ARTIFACT = 64 * 1024 * 1024


@dataclass(frozen=True)
class Artifact:
    data: Any
    """The parsed JSON."""
    where: str
    """The path or URL it was read from."""
    modified: datetime | None
    """File mtime or HTTP Last-Modified, when known."""


async def read_json(ctx: ProbeContext, source: str, what: str) -> Artifact:
    """Parse the JSON at `source` (path or URL); ProbeError names the source and what went wrong."""
    if source.startswith(("http://", "https://")):
        reply = await request(ctx, "GET", source, max_body=MAX_ARTIFACT)
        if reply.status_code != 200:
            raise ProbeError(f"cannot fetch {what} {source}: HTTP {reply.status_code}")
        modified = None
        if reply.headers.get("last-modified"):
            try:
                modified = email.utils.parsedate_to_datetime(reply.headers["last-modified"])
            except (TypeError, ValueError):
                modified = None
        return Artifact(_parse(reply.content, what, source), source, modified)
    path = Path(source).expanduser()
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ProbeError(f"{what} not found: {path}") from None
    except OSError as exc:
        raise ProbeError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ProbeError(f"{what} {path} is not a regular file")
    if info.st_size > MAX_ARTIFACT:
        raise ProbeError(
            f"{what} {path} is {info.st_size // 2**20} MB, over the {MAX_ARTIFACT // 2**20} MB cap"
        )
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise ProbeError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    return Artifact(
        _parse(content, what, str(path)), str(path), datetime.fromtimestamp(info.st_mtime, UTC)
    )


def _parse(content: bytes, what: str, where: str) -> Any:
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProbeError(
            f"{what} {where} is not JSON ({type(exc).__name__}: {str(exc)[:80]})"
        ) from None
