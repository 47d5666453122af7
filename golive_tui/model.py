"""The checklist as data: sections, items, probes, metrics, approvals, go/no-go criteria.

Pure pydantic models, no I/O. `checklists.py` loads them from TOML; every other layer
(engine, state, decision, reports, TUI, CLI) reads these types.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .vocab import STATUSES, Status, unit_suffix

__all__ = ["STATUSES", "Status"]  # re-exported: the vocabulary lives in vocab.py

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")

Priority = Literal["P1", "P2", "P3"]
Window = Literal["24h", "1w", "1m"]
WINDOW_HOURS: dict[str, int] = {"24h": 24, "1w": 24 * 7, "1m": 24 * 30}
WINDOW_TITLES: dict[str, str] = {"24h": "first 24 hours", "1w": "first week", "1m": "first month"}


class Strict(BaseModel):
    """Base for checklist data: unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Threshold(Strict):
    """A bound such as `< 50 ms`: the measured value must satisfy `value OP bound`."""

    op: Literal["<", "<=", ">", ">="]
    value: float
    unit: str = ""
    """Unit of `value`: ms, s, %, rps, count, ... (display only; probes convert to it)."""

    def met_by(self, measured: float) -> bool:
        if self.op == "<":
            return measured < self.value
        if self.op == "<=":
            return measured <= self.value
        if self.op == ">":
            return measured > self.value
        return measured >= self.value

    def __str__(self) -> str:
        return f"{self.op} {self.value:g}{unit_suffix(self.unit)}"


class Metric(Strict):
    """A performance target: `target` is the goal, `acceptable` the bound still tolerated."""

    target: Threshold
    acceptable: Threshold | None = None
    label: str = ""
    """What is measured, as the seed words it (e.g. `Login latency p95`)."""
    expected: str = ""
    """Free-text expectation where the seed gives no number (e.g. `Stable memory`)."""


class ProbeSpec(Strict):
    """How a machine verifies an item: a registered probe kind and its parameters."""

    kind: str
    params: dict[str, Any] = Field(default_factory=dict)
    timeout: float | None = Field(default=None, gt=0)
    """Seconds; overrides the run's default timeout for this probe."""
    retries: int = Field(default=0, ge=0, le=10)
    retry_delay: float = Field(default=1.0, ge=0)
    confirm: bool = False
    """True when running the probe pages a human or touches production: ask first."""


class Link(Strict):
    name: str
    url: str


class Item(Strict):
    id: str
    title: str
    description: str = ""
    owner: str = ""
    priority: Priority = "P2"
    probe: list[ProbeSpec] = Field(default_factory=list)
    """Zero or more probes; the item's verdict is the worst of theirs."""
    metric: Metric | None = None
    runbook: str = ""
    """Commands a human runs to verify or act on this item (kept from the seed)."""
    window: Window | None = None
    """Post-go-live tasks: due this long after the go-live moment."""
    attest_valid_days: float | None = Field(default=None, gt=0)
    """A manual attestation expires after this many days and must be renewed."""
    probe_valid_hours: float | None = Field(default=None, gt=0)
    """A probe's verdict stands this many hours, then the item is pending until probed again
    (default: the checklist's [signoff] probe_valid_hours)."""
    fields: dict[str, str] = Field(default_factory=dict)
    """Other columns of the source table, kept verbatim."""
    links: list[Link] = Field(default_factory=list)
    """Links the source gave for this item (a linked title, links in its text)."""

    # Filled by Checklist after validation: the dotted path, e.g. go-live.infrastructure.eks-cluster
    key: str = ""
    section_key: str = ""

    @field_validator("id")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not ID_PATTERN.match(v):
            raise ValueError(f"id {v!r} must be lowercase letters, digits and '-'")
        return v

    @field_validator("probe", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        # `[...item.probe]` (one table) and `[[...item.probe]]` (several) are both accepted.
        return [v] if isinstance(v, dict) else v


class Section(Strict):
    id: str
    title: str
    description: str = ""
    runbook: str = ""
    notes: str = ""
    """Prose of the source that is not an item (kept so nothing is lost)."""
    item: list[Item] = Field(default_factory=list)
    subsection: list[Section] = Field(default_factory=list)
    key: str = ""

    @field_validator("id")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not ID_PATTERN.match(v):
            raise ValueError(f"id {v!r} must be lowercase letters, digits and '-'")
        return v

    def walk(self) -> Iterator[Section]:
        yield self
        for sub in self.subsection:
            yield from sub.walk()

    def all_items(self) -> Iterator[Item]:
        for section in self.walk():
            yield from section.item


class ApprovalRole(Strict):
    id: str
    role: str


Rule = Literal[
    "priority-complete",
    "section-no-failures",
    "section-metrics-met",
    "section-complete",
    "items-complete",
    "all-complete",
]


class Criterion(Strict):
    """A go/no-go criterion, evaluated by decision.py from a rule over items."""

    id: str
    title: str
    rule: Rule
    priority: Priority | None = None
    section: str | None = None
    items: list[str] = Field(default_factory=list)


class Contact(Strict):
    role: str
    contact: str = ""
    phone: str = ""


class ChangeLogEntry(Strict):
    date: str
    version: str
    author: str
    changes: str


class SignoffPolicy(Strict):
    """Who may sign what: the checklist's rules for approvals and forced go-lives."""

    one_role_per_operator: bool = False
    """Separation of duties: one operator (OS account at a host) may record one approval role,
    unless the approval is signed by the approver's own key."""
    require_signatures: bool = False
    """Only approvals signed with a key the allowed-signers file gives the approver count toward
    GO."""
    force_confirm_roles: list[str] = Field(default_factory=list)
    """Approval roles whose signed, fresh approval may confirm a forced go-live in place of a second
    operator."""
    probe_valid_hours: float | None = Field(default=None, gt=0)
    """How long a probe's verdict counts toward GO: a pass from this morning says nothing about
    now."""
    proxy_roles: int = Field(default=2, ge=0)
    """How many approval roles may be satisfied by a proxy approval (a verbal yes recorded by a
    captain) toward GO; the others need the approver's own approval or signature."""
    proxy_needs_confirmation: bool = False
    """A proxy approval counts only once a second captain (another session) confirms it (`approve
    ROLE --confirm-proxy`)."""


class Checklist(Strict):
    schema_version: int = 1
    title: str
    description: str = ""
    priority_rationale: str = ""
    """Why the P1 items were chosen (shown in `golive show` and reports)."""
    section: list[Section]
    approval: list[ApprovalRole] = Field(default_factory=list)
    criterion: list[Criterion] = Field(default_factory=list)
    contact: list[Contact] = Field(default_factory=list)
    link: list[Link] = Field(default_factory=list)
    emergency_runbook: str = ""
    changelog: list[ChangeLogEntry] = Field(default_factory=list)
    signoff: SignoffPolicy = Field(default_factory=SignoffPolicy)

    model_config = ConfigDict(extra="forbid", frozen=False)

    @model_validator(mode="after")
    def _assign_keys(self) -> Checklist:
        seen: dict[str, str] = {}

        def visit(section: Section, prefix: str) -> None:
            key = f"{prefix}.{section.id}" if prefix else section.id
            object.__setattr__(section, "key", key)
            for item in section.item:
                item_key = f"{key}.{item.id}"
                if item_key in seen:
                    raise ValueError(f"duplicate id {item_key!r}")
                seen[item_key] = "item"
                object.__setattr__(item, "key", item_key)
                object.__setattr__(item, "section_key", key)
                if item.probe_valid_hours is None and self.signoff.probe_valid_hours is not None:
                    object.__setattr__(item, "probe_valid_hours", self.signoff.probe_valid_hours)
            for sub in section.subsection:
                sub_key = f"{key}.{sub.id}"
                if sub_key in seen:
                    raise ValueError(f"duplicate id {sub_key!r}")
                seen[sub_key] = "section"
                visit(sub, key)

        for top in self.section:
            if top.id in seen:
                raise ValueError(f"duplicate id {top.id!r}")
            seen[top.id] = "section"
            visit(top, "")
        roles = [a.id for a in self.approval]
        if len(set(roles)) != len(roles):
            raise ValueError(f"duplicate approval id in {roles}")
        criteria = [c.id for c in self.criterion]
        if len(set(criteria)) != len(criteria):
            raise ValueError(f"duplicate criterion id in {criteria}")
        for ref in self.signoff.force_confirm_roles:
            if ref not in roles:
                raise ValueError(
                    f"signoff.force_confirm_roles names unknown approval role {ref!r}; "
                    f"roles: {', '.join(roles)}"
                )
        for c in self.criterion:
            for ref in c.items:
                if ref not in seen or seen[ref] != "item":
                    raise ValueError(f"criterion {c.id!r} names unknown item {ref!r}")
            if c.section and c.section not in seen:
                raise ValueError(f"criterion {c.id!r} names unknown section {c.section!r}")
        return self

    # --- lookups -------------------------------------------------------------
    def sections(self) -> Iterator[Section]:
        for top in self.section:
            yield from top.walk()

    def items(self) -> Iterator[Item]:
        for top in self.section:
            yield from top.all_items()

    def item_map(self) -> dict[str, Item]:
        return {item.key: item for item in self.items()}

    def section_map(self) -> dict[str, Section]:
        return {s.key: s for s in self.sections()}

    def item(self, key: str) -> Item:
        for item in self.items():
            if item.key == key:
                return item
        raise KeyError(key)

    def top_section_of(self, item: Item) -> str:
        return item.key.split(".", 1)[0]
