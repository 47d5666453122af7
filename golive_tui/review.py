"""Review requests: the short text file an approver signs with plain OpenSSH, from anywhere.

The captain writes a request for one role: what is being approved (checklist, target, role),
the decision right now with its blockers in words, the state digest and the chain head, and
the one command that signs it. The file itself is what is signed (`ssh-keygen -Y sign -n
golive -f KEY FILE` writes FILE.sig), so an approver needs no golive and no access to
production — only the text (pasted from chat is fine) and their SSH key.

This module only writes and reads the text; importing a signature is an action
(actions/approvals_signed.py), checking a stored one is signoff.py's job.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from datetime import datetime

from .errors import GoliveError
from .text import safe_line

HEADER = "golive review request v1"
WIDTH = 78
SIGN_KEY = "~/.ssh/id_ed25519"
_HEX = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class ReviewRequest:
    """What one request asks an approver to sign."""

    checklist: str
    target: str
    role_id: str
    role: str
    decision: str
    """GO, NO-GO or TAMPERED when the request was written."""
    state_digest: str
    chain_head: str
    requested_at: datetime
    requested_by: str
    blockers: list[str] = field(default_factory=list)


def sign_command(filename: str) -> str:
    """The one command an approver runs (their key path may differ; the rest may not)."""
    return f"ssh-keygen -Y sign -n golive -f {SIGN_KEY} {filename}"


def render(request: ReviewRequest, filename: str) -> str:
    """The request as a terminal-readable text of at most WIDTH columns, ending with the command
    that signs it."""

    def field_line(label: str, value: str) -> list[str]:
        return textwrap.wrap(
            f"{label:<14}{safe_line(value)}", WIDTH, subsequent_indent=" " * 14
        ) or [label]

    lines = [HEADER, "=" * len(HEADER), ""]
    lines += field_line("Checklist:", request.checklist)
    lines += field_line("Target:", request.target)
    lines += [f"{'Role:':<14}{safe_line(request.role)} ({request.role_id})"]
    lines += field_line(
        "Requested:", f"{request.requested_at:%Y-%m-%d %H:%M} UTC by {request.requested_by}"
    )
    lines += ["", f"{'Decision now:':<14}{request.decision}"]
    if request.blockers:
        lines.append("Blockers:")
        for blocker in request.blockers:
            lines += textwrap.wrap(
                safe_line(blocker), WIDTH, initial_indent="  - ", subsequent_indent="    "
            )
    else:
        lines.append("Blockers:     none")
    lines += [
        "",
        f"{'State digest:':<14}{request.state_digest}",
        f"{'Chain head:':<14}{request.chain_head}",
        "",
    ]
    lines += textwrap.wrap(
        "You approve the state above as it is now. If an item changes before your signature "
        "is imported, the approval is not counted.",
        WIDTH,
    )
    lines += [
        "",
        "To approve, sign this file with your SSH key and send back the .sig file",
        "it writes:",
        "",
        f"  {sign_command(filename)}",
        "",
    ]
    return "\n".join(lines)


def _value(lines: list[str], label: str) -> str:
    for line in lines:
        if line.startswith(label):
            return line[len(label) :].strip()
    raise GoliveError(f"not a golive review request: no '{label}' line")


def parse(text: str) -> ReviewRequest:
    """The request's fields back from its text (which the signature covers); GoliveError if it is
    not one."""
    lines = text.replace("\r\n", "\n").split("\n")
    if not lines or lines[0].strip() != HEADER:
        raise GoliveError(f"not a golive review request: the first line is not {HEADER!r}")
    role_text = _value(lines, "Role:")
    match = re.fullmatch(r"(.*) \(([^()\s]+)\)", role_text)
    if match is None:
        raise GoliveError(
            f"review request: 'Role:' line {role_text!r} does not end with the role's id "
            "in parentheses"
        )
    digest, head = _value(lines, "State digest:"), _value(lines, "Chain head:")
    if not _HEX.fullmatch(digest) or not _HEX.fullmatch(head):
        raise GoliveError(
            "review request: 'State digest:' and 'Chain head:' must each be 64 hex digits"
        )
    requested = _value(lines, "Requested:")
    when, _, by = requested.partition(" UTC by ")
    try:
        at = datetime.strptime(when, "%Y-%m-%d %H:%M")
    except ValueError:
        raise GoliveError(f"review request: 'Requested:' line {requested!r} has no time") from None
    blockers = []
    if "Blockers:" in lines:
        for line in lines[lines.index("Blockers:") + 1 :]:
            if line.startswith("  - "):
                blockers.append(line[4:])
            elif line.startswith("    ") and blockers:
                blockers[-1] += " " + line.strip()
            else:
                break
    return ReviewRequest(
        _value(lines, "Checklist:"),
        _value(lines, "Target:"),
        match.group(2),
        match.group(1),
        _value(lines, "Decision now:"),
        digest,
        head,
        at,
        by,
        blockers,
    )


def normalised(text: str) -> str:
    """The request as stored in the record: LF line ends, no trailing spaces, one final newline (the
    TOML record does not keep a carriage return through a write and a read)."""
    return (
        "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n")).rstrip("\n")
        + "\n"
    )


def variants(text: str) -> list[bytes]:
    """The request's bytes as an approver may have saved them from a chat (line endings, trailing
    spaces, final newline)."""
    lf = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n")).rstrip("\n")
    found: list[bytes] = []
    crlf = lf.replace("\n", "\r\n")
    for candidate in (text, lf + "\n", lf, lf + "\n\n", crlf + "\r\n", crlf):
        data = candidate.encode()
        if data not in found:
            found.append(data)
    return found
