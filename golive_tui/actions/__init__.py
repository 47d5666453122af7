"""What a user can do to the record: each action is a list of audited changes.

The CLI and the TUI both call these; nothing else writes the state file. Every action
takes the `Actor` (who, which session, what time) so records and tests agree on both.
"""

from __future__ import annotations

from .approvals import approve, confirm_proxy, find_role, revoke
from .approvals_signed import import_signature, write_request
from .golive import confirm_forced_go_live, go_live, request_forced_go_live
from .items import (
    STATUS_CYCLE,
    VERDICT_STATUS,
    NeedsOverride,
    NeedsReason,
    annotate,
    cycle_status,
    evidence_values,
    file_sha256,
    invalidated_approvals,
    mark,
    mark_change,
    probe_change,
    record_results,
    unwaive,
    waive,
)

__all__ = [
    "STATUS_CYCLE",
    "VERDICT_STATUS",
    "NeedsOverride",
    "NeedsReason",
    "annotate",
    "approve",
    "confirm_forced_go_live",
    "confirm_proxy",
    "import_signature",
    "write_request",
    "cycle_status",
    "evidence_values",
    "file_sha256",
    "find_role",
    "go_live",
    "invalidated_approvals",
    "mark",
    "mark_change",
    "probe_change",
    "record_results",
    "request_forced_go_live",
    "revoke",
    "unwaive",
    "waive",
]
