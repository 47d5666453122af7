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

import base64
import binascii
import hashlib
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
    except (
        ImportError,
        KeyError,
    ):  # no passwd entry (some containers): fall back to the environment
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
    ssh_key: str = ""
    """Fingerprint (SHA256:…) of the key the person logged in with (sshd ExposeAuthInfo →
    $SSH_USER_AUTH), else of their forwarded agent's first key: what tells two captains on one
    shared account apart."""
    key_source: str = ""
    """Where `ssh_key` came from: `login` (SSH_USER_AUTH) or `agent` (ssh-add -L)."""
    person: str = ""
    """$GOLIVE_USER as the session declared it (a label: it proves nothing by itself)."""

    @classmethod
    def current(cls, environ: Mapping[str, str] | None = None) -> Operator:
        env = os.environ if environ is None else environ
        user = _login()
        ssh = env.get("SSH_CONNECTION", "").split()
        sudo = env.get("SUDO_USER", "")
        fingerprint, source = session_key(env)
        return cls(
            user,
            socket.gethostname(),
            ssh[0] if ssh else "",
            sudo if sudo and sudo != user else "",
            fingerprint,
            source,
            env.get(USER_ENV, "").strip(),
        )

    @property
    def key(self) -> str:
        """The person, for separation of duties: the original account under sudo, at this host, and
        the SSH key they logged in with when the machine knows it (two captains on one shared
        account are two people)."""
        return f"{self.sudo_user or self.user}@{self.host}" + (
            f" {self.ssh_key}" if self.ssh_key else ""
        )

    def same_person(self, other: Operator) -> bool:
        """Whether two sessions may be one person: the same account at the same host, unless both
        name the SSH key they logged in with and the keys differ (a session without a key cannot
        prove it is someone else)."""
        if (
            f"{self.sudo_user or self.user}@{self.host}"
            != f"{other.sudo_user or other.user}@{other.host}"
        ):
            return False
        return not (self.ssh_key and other.ssh_key and self.ssh_key != other.ssh_key)

    @property
    def captain(self) -> str:
        """How a captain is shown beside others: the declared name, the account and the key's short
        fingerprint."""
        account = f"{self.sudo_user or self.user}@{self.host}"
        key = f" key {self.ssh_key[:15]}…" if self.ssh_key else ""
        return f"{self.person} ({account}{key})" if self.person else f"{account}{key}"

    def __str__(self) -> str:
        text = f"{self.user}@{self.host}"
        if self.sudo_user:
            text += f" (sudo by {self.sudo_user})"
        if self.ssh_key:
            text += f" [key {self.ssh_key[:15]}…]"
        if self.ssh_client:
            text += f" from {self.ssh_client}"
        return text

    def record(self) -> dict[str, str]:
        """The fields stored in an audit entry (empty ones left out)."""
        return {
            k: v
            for k, v in (
                ("user", self.user),
                ("host", self.host),
                ("ssh_client", self.ssh_client),
                ("sudo_user", self.sudo_user),
                ("ssh_key", self.ssh_key),
                ("key_source", self.key_source),
                ("person", self.person),
            )
            if v
        }

    @classmethod
    def from_record(cls, data: Mapping[str, Any] | None) -> Operator | None:
        if not data:
            return None
        return cls(
            *(
                str(data.get(name, ""))
                for name in (
                    "user",
                    "host",
                    "ssh_client",
                    "sudo_user",
                    "ssh_key",
                    "key_source",
                    "person",
                )
            )
        )


def fingerprint(public_key_blob_base64: str) -> str:
    """OpenSSH's SHA256 fingerprint of a public key (as `ssh-keygen -l` prints it), '' if it is not
    base64."""
    try:
        blob = base64.b64decode(public_key_blob_base64, validate=True)
    except (ValueError, binascii.Error):
        return ""
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def session_key(env: Mapping[str, str]) -> tuple[str, str]:
    """(fingerprint, source) of the key behind this session: the login's (sshd `ExposeAuthInfo yes`
    writes the methods it accepted to the file $SSH_USER_AUTH, e.g. `publickey ssh-ed25519 AAAA…`),
    else the forwarded agent's first key; ('', '') when the machine cannot know."""
    path = env.get("SSH_USER_AUTH", "")
    if path:
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                lines = handle.read(65536).splitlines()
        except OSError:
            lines = []
        for line in reversed(
            lines
        ):  # the last publickey method is the one that completed the login
            parts = line.split()
            if len(parts) >= 3 and parts[0] == "publickey" and (found := fingerprint(parts[2])):
                return found, "login"
    if env.get("SSH_AUTH_SOCK") and env.get(
        "SSH_CONNECTION"
    ):  # a forwarded agent: the person's laptop key
        from .signing import agent_keys

        for line in agent_keys():
            parts = line.split()
            if len(parts) >= 2 and (found := fingerprint(parts[1])):
                return found, "agent"
    return "", ""


def check_name(name: str, what: str = "--by") -> str:
    """A typed name as it may be recorded: one line, no control characters, not blank."""
    found = control_characters(name)
    if found:
        raise GoliveError(
            f"{what} {name!r} contains control characters ({found}); a name is one line of text"
        )
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
    """The name changes are recorded under: `--by`, else $GOLIVE_USER, else the operator's
    user@host."""
    clock: Clock = field(default=utcnow, compare=False)

    @classmethod
    def current(
        cls, by: str | None = None, *, clock: Clock | None = None, operator: Operator | None = None
    ) -> Actor:
        operator = operator or Operator.current()
        name = by or os.environ.get(USER_ENV) or f"{operator.user}@{operator.host}"
        return cls(
            operator,
            check_name(
                name, "--by" if by else f"${USER_ENV}" if os.environ.get(USER_ENV) else "name"
            ),
            clock or utcnow,
        )

    def now(self) -> datetime:
        return self.clock()

    def named(self, by: str | None) -> Actor:
        """The same operator and clock acting under another name (None: unchanged)."""
        return self if not by else replace(self, name=check_name(by))

    def at(self, moment: datetime) -> Actor:
        """The same actor with the clock stopped at `moment` (replaying queued changes)."""
        return replace(self, clock=lambda: moment)
