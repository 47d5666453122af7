"""`golive audit verify` detects any hand edit: a field, a deleted entry, two swapped entries."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from golive_tui import actions
from golive_tui.actor import Actor
from golive_tui.checklists import load_checklist
from golive_tui.state import StateStore, open_store
from golive_tui.state.chain_verify import verify
from tests.people import person

MINI = Path(__file__).parent / "data" / "mini.toml"


@pytest.fixture
def recorded(tmp_path: Path) -> StateStore:
    checklist = load_checklist(MINI)
    store = open_store(tmp_path / "state.toml", checklist=checklist.title)
    items = checklist.item_map()
    actions.mark(
        store,
        items["go-live.infra.cluster"],
        "done",
        note="API 1.32 healthy",
        actor=Actor.current("alice"),
    )
    actions.mark(
        store, items["security.waf"], "failed", note="no rules", actor=Actor.current("bob")
    )
    actions.approve(store, checklist, "eng", name="Erin", actor=person("erin"))
    actions.mark(
        store,
        items["go-live.infra.rollback"],
        "done",
        evidence="https://wiki/rollback",
        actor=Actor.current("carol"),
    )
    return store


def golive(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "golive_tui", "--checklist", str(MINI), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_untouched_chain_verifies(recorded: StateStore) -> None:
    report = verify(recorded.read())
    assert report.ok and report.entries == 4
    result = golive("--state", str(recorded.path), "audit", "verify", cwd=recorded.path.parent)
    assert result.returncode == 0, result.stderr
    assert "intact (4 entries)" in result.stdout


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'note = "API 1.32 healthy"',
            'note = "API 1.31 healthy"',
            "items differ",
        ),  # the item table
        ('status = "failed"', 'status = "done"', "items differ"),  # first occurrence: item table
        ('name = "Erin"', 'name = "Mallory"', "approvals differ"),
    ],
)
def test_editing_a_state_field_by_hand_is_detected(
    recorded: StateStore, old: str, new: str, expected: str
) -> None:
    text = recorded.path.read_text()
    assert old in text
    recorded.path.write_text(text.replace(old, new, 1))
    report = verify(recorded.read())
    assert not report.ok
    assert expected in report.problem


def test_editing_an_audit_entry_is_detected_and_named(recorded: StateStore) -> None:
    text = recorded.path.read_text()
    # Rewrite who did entry 2 (both in the entry and consistently nowhere else).
    text = text.replace('by = "bob"', 'by = "mallory"')
    recorded.path.write_text(text)
    report = verify(recorded.read())
    assert not report.ok
    assert report.broken_seq == 2
    result = golive("--state", str(recorded.path), "audit", "verify", cwd=recorded.path.parent)
    assert result.returncode == 1
    assert "entry 2" in result.stderr


def _audit_chunks(text: str) -> tuple[str, list[str]]:
    head, *chunks = re.split(r"\n(?=\[\[audit\]\]\n)", text)
    return head, chunks


def test_deleting_an_audit_entry_is_detected(recorded: StateStore) -> None:
    head, chunks = _audit_chunks(recorded.path.read_text())
    del chunks[1]
    recorded.path.write_text("\n".join([head, *chunks]))
    report = verify(recorded.read())
    assert not report.ok
    assert report.broken_seq is not None and "deleted or reordered" in report.problem


def test_deleting_the_last_entry_is_detected_by_replay(recorded: StateStore) -> None:
    head, chunks = _audit_chunks(recorded.path.read_text())
    recorded.path.write_text("\n".join([head, *chunks[:-1]]))
    report = verify(recorded.read())
    assert not report.ok and "items differ" in report.problem


def test_reordering_two_entries_is_detected(recorded: StateStore) -> None:
    head, chunks = _audit_chunks(recorded.path.read_text())
    chunks[0], chunks[1] = chunks[1], chunks[0]
    recorded.path.write_text("\n".join([head, *chunks]))
    report = verify(recorded.read())
    assert not report.ok
    assert report.broken_seq in (1, 2)


def test_every_kind_of_change_is_audited(recorded: StateStore) -> None:
    actions_seen = [e.action for e in recorded.read().audit]
    assert actions_seen == ["mark", "mark", "approve", "mark"]
    entry = recorded.read().audit[0]
    assert entry.by == "alice" and entry.values["status"] == "done" and entry.at.tzinfo is not None
