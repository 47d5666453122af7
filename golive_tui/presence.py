"""Who else has the record open: one small heartbeat per open session, beside the record.

Each cockpit writes `<session>.json` (its captain and the time) every few seconds into a
presence area next to the record — a hidden directory beside a local state file, a prefix
beside an S3 object — and reads the others'. A heartbeat older than the TTL is someone who
left (or lost their terminal). Nothing here goes into the record or its audit chain: being
present is not a change, and a crashed session must not leave a trace there.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from .actor import Operator

TTL = timedelta(seconds=45)
"""A session not heard from in this long has left."""


@dataclass(frozen=True)
class Seen:
    session: str
    captain: str
    """Operator.captain of that session: the declared name, the account and the SSH key's
    fingerprint."""
    key: str
    """Operator.key: two sessions with the same key are one person with two windows."""
    at: datetime


class Area(Protocol):
    def put(self, session: str, body: bytes) -> None: ...
    def all(self) -> list[bytes]: ...
    def remove(self, session: str) -> None: ...


class LocalArea:
    """A hidden directory beside a local state file; files as private as the record's."""

    def __init__(self, state_path: Path, mode: int = 0o600) -> None:
        self.directory = state_path.with_name(f".{state_path.name}.presence")
        self.mode = mode

    def put(self, session: str, body: bytes) -> None:
        group = (
            0o070 if self.mode & 0o020 else 0o050 if self.mode & 0o040 else 0
        )  # as the record's group may
        self.directory.mkdir(mode=0o700 | group, exist_ok=True)
        temp = self.directory / f".{session}.tmp"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, self.mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(body)
        os.replace(temp, self.directory / f"{session}.json")

    def all(self) -> list[bytes]:
        found = []
        for path in sorted(self.directory.glob("*.json")) if self.directory.is_dir() else []:
            try:
                found.append(path.read_bytes()[:4096])
            except OSError:
                continue  # gone between listing and reading: that session left
        return found

    def remove(self, session: str) -> None:
        (self.directory / f"{session}.json").unlink(missing_ok=True)


class S3Area:
    """A prefix beside the record's S3 object (`KEY.presence/`), through the record's own client."""

    def __init__(self, s3: Any) -> None:
        self.s3, self.prefix = s3, f"{s3.key}.presence/"

    def put(self, session: str, body: bytes) -> None:
        self.s3.client.put_object(
            Bucket=self.s3.bucket,
            Key=f"{self.prefix}{session}.json",
            Body=body,
            ServerSideEncryption=self.s3.sse,
            ContentType="application/json",
        )

    def all(self) -> list[bytes]:
        listed = self.s3.client.list_objects_v2(
            Bucket=self.s3.bucket, Prefix=self.prefix, MaxKeys=100
        )
        found = []
        for entry in listed.get("Contents", []):
            try:
                found.append(
                    self.s3.client.get_object(Bucket=self.s3.bucket, Key=entry["Key"])["Body"].read(
                        4096
                    )
                )
            except Exception:  # noqa: BLE001 - deleted between list and get: that session left
                continue
        return found

    def remove(self, session: str) -> None:
        self.s3.client.delete_object(Bucket=self.s3.bucket, Key=f"{self.prefix}{session}.json")


def area_of(store: Any, mode: int = 0o600) -> Area | None:
    """The presence area beside a store's record: local file or S3 object; None for anything
    else."""
    inner = getattr(store, "store", store)  # an offline-journalled store wraps the S3 one
    storage = getattr(inner, "storage", None)
    path = getattr(storage, "path", None)
    if isinstance(path, Path):
        return LocalArea(path, mode)
    if storage is not None and hasattr(storage, "bucket") and hasattr(storage, "client"):
        return S3Area(storage)
    return None


class Presence:
    """This session's heartbeat and the others it sees. Every call may fail on a remote area:
    callers run it off the event loop and treat a failure as 'unknown', never as a reason to
    stop."""

    def __init__(
        self, area: Area, operator: Operator, *, ttl: timedelta = TTL, session: str | None = None
    ) -> None:
        self.area, self.operator, self.ttl = area, operator, ttl
        self.session = session or secrets.token_hex(8)

    def beat(self, now: datetime) -> list[Seen]:
        """Say we are here; the other sessions heard from within the TTL (not this one)."""
        body = {
            "session": self.session,
            "captain": self.operator.captain,
            "key": self.operator.key,
            "at": now.isoformat(),
        }
        self.area.put(self.session, json.dumps(body).encode())
        return [seen for seen in self.others() if now - seen.at <= self.ttl]

    def others(self) -> list[Seen]:
        found = []
        for raw in self.area.all():
            try:
                data = json.loads(raw)
                seen = Seen(
                    str(data["session"]),
                    str(data["captain"])[:200],
                    str(data["key"])[:200],
                    datetime.fromisoformat(str(data["at"])),
                )
            except (ValueError, KeyError, TypeError):
                continue  # a half-written or foreign file says nothing about anyone
            if seen.session != self.session and seen.at.tzinfo is not None:
                found.append(seen)
        return found

    def leave(self) -> None:
        self.area.remove(self.session)


def captains(others: list[Seen], me: Operator) -> list[str]:
    """The other people (not sessions) at the record: one entry per captain key, this operator
    excluded."""
    people: dict[str, str] = {}
    for seen in sorted(others, key=lambda s: s.at, reverse=True):
        if seen.key != me.key:
            people.setdefault(seen.key, seen.captain)
    return sorted(people.values())


def label(others: list[Seen], me: Operator) -> str:
    """The header's words: '' alone, else '2 captains' (you and one other)."""
    count = len(captains(others, me)) + 1
    return f"{count} captains" if count > 1 else ""
