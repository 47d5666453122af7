"""Verification remembered between processes: the verified prefix of a chain, by its text.

Every command that writes verifies the record first, and a cutover's chain grows to
thousands of entries. What one process verified, the next need not redo: after a
verification this module keeps, in the user's cache directory, the SHA-256 of the audit
text it covered and the state its replay gave. A later process whose document starts with
that very text resumes after it; any edit in that prefix changes the digest, and the whole
chain is checked again. The stored items are always compared with the replay (chain_verify.py),
so the cache spares only the replay of history, never a check of the present.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ..cache_file import write_cache_file
from .lazy import LazyAudit
from .schema import State

REMEMBER_AFTER = 64
"""Entries a process must have replayed before it writes down what it verified."""
RECALL = True
"""False: every verification of this process replays the whole chain (`golive audit verify
--full`)."""


def directory() -> Path:
    from platformdirs import user_cache_path

    return user_cache_path("golive") / "verified"


def _file(audit: LazyAudit) -> Path:
    first = audit.prefix_text(1) if audit.stored else ""
    return directory() / (hashlib.sha256(first.encode()).hexdigest()[:32] + ".json")


def recall(audit: LazyAudit) -> tuple[int, State] | None:
    """(entries verified, the replay after them) when `audit`'s text starts with a remembered
    prefix."""
    if not RECALL or not audit.stored or not audit.has_text:
        return None
    try:
        data = json.loads(_file(audit).read_text(encoding="utf-8"))
        count, digest = int(data["count"]), str(data["digest"])
        if not 0 < count <= audit.stored:
            return None
        if audit.prefix_digest(count) != digest:
            return None
        return count, State.model_validate(data["replay"])
    except (OSError, ValueError, KeyError, TypeError):
        return None  # nothing remembered, or a cache file that is not ours: verify it all


def remember(audit: LazyAudit, count: int, replay: State) -> None:
    """Keep what `count` verified entries of `audit`'s text replay to (best effort: a cache)."""
    if not audit.has_text or not 0 < count <= audit.stored:
        return
    replay_data: dict[str, Any] = replay.model_dump(mode="json", exclude={"audit"})
    data = {
        "count": count,
        "digest": audit.prefix_digest(count),
        "replay": replay_data,
    }
    write_cache_file(_file(audit), json.dumps(data))
