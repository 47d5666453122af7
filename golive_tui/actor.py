"""Who acts and when: the operator at the keyboard, the name they act under, and the clock.

Two identities are kept apart on purpose. The *operator* is what the machine knows about
the session: the OS account (from the real uid, not from `$USER`), the host, the SSH
client address (`SSH_CONNECTION`) and the original user under `sudo` (`SUDO_USER`). The
*name* is what a person types (`--by`, an approver's name) and proves nothing by itself.
Every audit entry records both, so a record can say "approved by Sam Rivera, recorded by
ops@bastion-1 from 10.0.4.7".

The clock is passed down with the actor, so tests pin time for records and probes alike.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from .errors import GoliveError
from .text import control_characters

Clock = Callable[[], datetime]
USER_ENV = "GOLIVE_USER"


def utcnow() -> datetime:
    return datetime.now(UTC)


def _login() -> str:
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):  # no passwd entry (some containers): fall back to the environment
        import getpass

        try:
            return getpass.getuser()
        except (KeyError, OSError):
            return f"uid{os.getuid()}"


@dataclass(frozen=True)
class Operator:
    """The session behind a change, as the machine knows it."""

    user: str
    host: str
    ssh_client: str = ""
    """The SSH client's address when the session came in over SSH."""
    sudo_user: str = ""
    """The account that ran `sudo`, when it differs from `user`."""

    @classmethod
    def current(cls, environ: Mapping[str, str] | None = None) -> Operator:
        env = os.environ if environ is None else environ
        user = _login()
        ssh = env.get("SSH_CONNECTION", "").split()
        sudo = env.get("SUDO_USER", "")
        return cls(user, socket.gethostname(), ssh[0] if ssh else "", sudo if sudo and sudo != user else "")

    @property
    def key(self) -> str:
        """The person, for separation of duties: the original account under sudo, at this host."""
        return f"{self.sudo_user or self.user}@{self.host}"

    def __str__(self) -> str:
        text = f"{self.user}@{self.host}"
        if self.sudo_user:
            text += f" (sudo by {self.sudo_user})"
        if self.ssh_client:
            text += f" from {self.ssh_client}"
        return text

    def record(self) -> dict[str, str]:
        """The fields stored in an audit entry (empty ones left out)."""
        return {k: v for k, v in (("user", self.user), ("host", self.host), ("ssh_client", self.ssh_client),
                                  ("sudo_user", self.sudo_user)) if v}

    @classmethod
    def from_record(cls, data: Mapping[str, Any] | None) -> Operator | None:
        if not data:
            return None
        return cls(str(data.get("user", "")), str(data.get("host", "")), str(data.get("ssh_client", "")),
                   str(data.get("sudo_user", "")))


def check_name(name: str, what: str = "--by") -> str:
    """A typed name as it may be recorded: one line, no control characters, not blank."""
    found = control_characters(name)
    if found:
        raise GoliveError(f"{what} {name!r} contains control characters ({found}); a name is one line of text")
    name = name.strip()
    if not name:
        raise GoliveError(f"{what} is empty")
    if len(name) > 200:
        raise GoliveError(f"{what} is {len(name)} characters long; at most 200")
    return name


@dataclass(frozen=True)
class Actor:
    """Who is acting (the name and the operator) and what time it is for them."""

    operator: Operator
    name: str
    """The name changes are recorded under: `--by`, else $GOLIVE_USER, else the operator's user@host."""
    clock: Clock = field(default=utcnow, compare=False)

    @classmethod
    def current(cls, by: str | None = None, *, clock: Clock | None = None,
                operator: Operator | None = None) -> Actor:
        operator = operator or Operator.current()
        name = by or os.environ.get(USER_ENV) or f"{operator.user}@{operator.host}"
        return cls(operator, check_name(name, "--by" if by else f"${USER_ENV}" if os.environ.get(USER_ENV) else "name"),
                   clock or utcnow)

    def now(self) -> datetime:
        return self.clock()

    def named(self, by: str | None) -> Actor:
        """The same operator and clock acting under another name (None: unchanged)."""
        return self if not by else replace(self, name=check_name(by))

    def at(self, moment: datetime) -> Actor:
        """The same actor with the clock stopped at `moment` (replaying queued changes)."""
        return replace(self, clock=lambda: moment)
