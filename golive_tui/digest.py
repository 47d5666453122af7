"""What an approver signs: a SHA-256 over the canonical state of every item.

An item's part covers what decides whether it counts — status, probe verdict, waiver and
evidence — so any later change to one of those makes an approval stale (decision.py lists
which items changed) and a signed approval's message names exactly this digest.
"""

from __future__ import annotations

import hashlib
from typing import Any

from .model import Checklist
from .state.canon import canonical
from .state.schema import ItemState, State


def item_digest_source(istate: ItemState) -> dict[str, Any]:
    return {
        "status": istate.status,
        "verdict": istate.probe.verdict if istate.probe else "",
        "waiver": [istate.waiver.reason, istate.waiver.until] if istate.waiver else [],
        "evidence": istate.evidence,
        "evidence_sha256": istate.evidence_sha256,
    }


def item_digests(checklist: Checklist, state: State) -> dict[str, str]:
    return {
        item.key: hashlib.sha256(
            canonical(item_digest_source(state.item(item.key))).encode()
        ).hexdigest()
        for item in checklist.items()
    }


def signature(checklist: Checklist, state: State) -> str:
    """SHA-256 of the canonical state of every item (what an approver signs)."""
    return hashlib.sha256(canonical(item_digests(checklist, state)).encode()).hexdigest()
