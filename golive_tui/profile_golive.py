"""The profile's sections about golive itself: how it runs, signs off, keeps its record and
tells the team (profile.py holds those about the production it checks)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


class ProfileSection(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RunSettings(ProfileSection):
    concurrency: int = Field(default=32, ge=1, le=256)
    """Probes at once. Most of a warm sweep waits on the network: at 20 ms a round trip, 16 at
    once queued the shortest probes behind the pool and the sweep lasted 1.4-1.5x its slowest
    probe; 32 brought it to 1.1-1.2x (bench/seed_by_hand.py). Each target's HTTP requests are
    bounded on their own (http_client.POOL_CONNECTIONS)."""
    timeout: float = Field(default=10.0, gt=0)
    """Default seconds per probe: one deadline for everything the probe does after its client is
    built."""
    allowed_commands: list[str] = Field(default_factory=list)
    """Programs (argv[0]) a `command` probe of a team's own checklist may start on this machine;
    empty: none.

    A checklist is data others write: it must not run a program the operator did not name here."""


class SignoffSettings(ProfileSection):
    allowed_signers: str = ""
    """OpenSSH allowed-signers file (`principal namespaces="golive" key` per line) that verifies
    signed approvals."""
    require_signatures: bool = False
    """Count only verified signed approvals toward GO (the checklist's [signoff] may require it
    too)."""


class StateSettings(ProfileSection):
    mode: str = "0600"
    """Permissions of a local state file, its .bak and lock: 0600, or 0660/0640 for a group of
    captains sharing one host (put the file in a directory owned by that group, with the setgid
    bit)."""
    group: str = ""
    """The captains' group on a shared host: state, lock and .bak files owned by another user are
    accepted only in this group (else only the setgid directory's group, with a group `mode`)."""

    @field_validator("mode")
    @classmethod
    def _octal_mode(cls, value: str) -> str:
        try:
            mode = int(value, 8)
        except ValueError:
            raise ValueError(
                f"mode {value!r} is not an octal file mode such as 0600 or 0660"
            ) from None
        if mode & ~0o777 or mode & 0o600 != 0o600:
            raise ValueError(f"mode {value!r}: the owner needs read and write (0600, 0640 or 0660)")
        if mode & 0o007:
            raise ValueError(
                f"mode {value!r} gives every user of the host access; use 0600, 0640 or 0660"
            )
        return value

    @property
    def file_mode(self) -> int:
        return int(self.mode, 8)


NOTIFY_EVENTS = (
    "decision",
    "regression",
    "approval-requested",
    "approval-given",
    "approval-stale",
    "force-requested",
    "force-confirmed",
    "go-live",
    "sweep-summary",
)


class NotifySettings(ProfileSection):
    slack_webhook_secret: str = ""
    """Name of the secret (keyring, or $GOLIVE_SECRET_<NAME>) holding a Slack-compatible
    incoming-webhook URL; empty: none."""
    webhook_secret: str = ""
    """Name of the secret holding a generic JSON webhook URL (every event as one JSON object);
    empty: none."""
    events: list[str] = Field(default_factory=lambda: list(NOTIFY_EVENTS))
    """Which events are sent (a sweep summary only when asked for: `golive run
    --notify-summary`)."""
    min_interval: float = Field(default=60.0, ge=0)
    """Seconds between two messages about the same thing (a flapping item is held, then sent
    once)."""
    per_minute: int = Field(default=10, ge=1)
    """At most this many messages a minute; the next says how many were dropped."""
    timeout: float = Field(default=5.0, gt=0, le=60)
    """Deadline of one post; the cockpit never waits for it, a command waits at most this at
    exit."""

    @field_validator("events")
    @classmethod
    def _known_events(cls, value: list[str]) -> list[str]:
        unknown = [v for v in value if v not in NOTIFY_EVENTS]
        if unknown:
            raise ValueError(f"unknown event {unknown[0]!r}; events: {', '.join(NOTIFY_EVENTS)}")
        return value

    @property
    def configured(self) -> bool:
        return bool(self.slack_webhook_secret or self.webhook_secret)
