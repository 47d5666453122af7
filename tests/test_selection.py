"""The filter language (one function for the cockpit and `golive run|status --filter`) and
`--section/--item`."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from golive_tui import actions
from golive_tui.actor import Actor
from golive_tui.checklists import load_checklist
from golive_tui.engine import ItemResult
from golive_tui.errors import GoliveError
from golive_tui.probes.base import ProbeResult, Verdict
from golive_tui.selection import (
    FilterError,
    filter_items,
    parse_filter,
    select_items,
    verdict_counts,
)
from golive_tui.state import open_store

MINI = Path(__file__).parent / "data" / "mini.toml"
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@pytest.fixture
def staged(tmp_path):
    """The mini checklist with: cluster failed by a probe, on-call failed by hand then waived,
    rollback done, waf errored by a probe (status untouched), p95 acceptable."""
    checklist = load_checklist(MINI)
    store = open_store(tmp_path / "state.toml", checklist=checklist.title)
    actor = Actor.current("tester", clock=lambda: NOW)
    items = checklist.item_map()

    def result(key: str, verdict: Verdict) -> ItemResult:
        return ItemResult(items[key], ProbeResult(verdict, f"{verdict}", checked_at=NOW))

    actions.record_results(
        store,
        [
            result("go-live.infra.cluster", Verdict.FAIL),
            result("security.waf", Verdict.ERROR),
            result("performance.p95", Verdict.ACCEPTABLE),
        ],
        actor=actor,
    )
    actions.mark(store, items["go-live.infra.on-call"], "failed", actor=actor)
    actions.waive(
        store,
        items["go-live.infra.on-call"],
        reason="known",
        until=NOW.replace(year=2099),
        actor=actor,
    )
    actions.mark(store, items["go-live.infra.rollback"], "done", actor=actor)
    return checklist, store.read()


def keys(checklist, state, expression: str) -> list[str]:
    return [i.key for i in filter_items(checklist.items(), expression, state, NOW)]


def test_status_means_the_status_column_only(staged) -> None:
    checklist, state = staged
    # on-call's recorded status is failed but it is waived: it shows (and filters) as waived.
    assert keys(checklist, state, "status:failed") == ["go-live.infra.cluster"]
    assert keys(checklist, state, "status:waived") == ["go-live.infra.on-call"]
    assert keys(checklist, state, "status:done") == ["go-live.infra.rollback", "performance.p95"]
    assert keys(checklist, state, "status:pending") == [
        "security.waf"
    ]  # an error says nothing about the item


def test_verdict_tokens_and_alternatives(staged) -> None:
    checklist, state = staged
    assert keys(checklist, state, "verdict:error") == ["security.waf"]
    assert keys(checklist, state, "verdict:error|fail") == ["go-live.infra.cluster", "security.waf"]
    assert keys(checklist, state, "verdict:fail,acceptable") == [
        "go-live.infra.cluster",
        "performance.p95",
    ]
    assert keys(checklist, state, "verdict:pass") == []
    assert keys(checklist, state, "status:failed status:waived") == [
        "go-live.infra.cluster",
        "go-live.infra.on-call",
    ]


def test_keys_combine_with_words_owner_and_priority(staged) -> None:
    checklist, state = staged
    assert keys(checklist, state, "owner:ops") == [
        "go-live.infra.on-call",
        "go-live.infra.rollback",
    ]
    assert keys(checklist, state, "priority:P1 owner:ops") == ["go-live.infra.on-call"]
    assert keys(checklist, state, "verdict:fail priority:p2") == []
    assert keys(checklist, state, "Rollback") == ["go-live.infra.rollback"]
    assert keys(checklist, state, "") == [i.key for i in checklist.items()]
    assert not parse_filter("  ") and parse_filter("waf")


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (
            "status:error",
            "status is one of done, failed, pending, n/a, "
            "blocked, waived (probe results: verdict:…)",
        ),
        ("verdict:errr", "did you mean verdict:error?"),
        ("priority:p4", "priority is one of p1, p2, p3"),
        ("owner:", "owner: needs a value"),
        ("status:", "status: needs a value, e.g. status:done"),
    ],
)
def test_unknown_values_are_errors_naming_the_valid_ones(expression, message) -> None:
    with pytest.raises(FilterError) as info:
        parse_filter(expression)
    assert message in str(info.value)
    assert isinstance(info.value, GoliveError) and info.value.exit_code == 2


def test_verdict_counts_count_errors_apart(staged) -> None:
    checklist, state = staged
    assert verdict_counts(checklist.items(), state) == {"fail": 1, "error": 1, "acceptable": 1}


def test_select_items_by_section_and_id() -> None:
    checklist = load_checklist(MINI)
    assert [i.key for i in select_items(checklist, ("infra",), ("waf",))] == [
        "go-live.infra.cluster",
        "go-live.infra.on-call",
        "go-live.infra.rollback",
        "security.waf",
    ]
    with pytest.raises(GoliveError, match="unknown section 'securty' — did you mean security"):
        select_items(checklist, ("securty",))


def _golive(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "golive_tui",
            "--checklist",
            str(MINI),
            "--state",
            "state.toml",
            *args,
        ],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
    )


def test_cli_status_and_run_take_the_same_filter(staged, tmp_path) -> None:
    done = _golive("status", "--format", "json", "--filter", "verdict:error|fail", cwd=tmp_path)
    assert done.returncode == 1, done.stderr  # NO-GO
    assert json.loads(done.stdout)["filter"]["items"] == ["go-live.infra.cluster", "security.waf"]
    table = _golive("status", "--filter", "status:waived", cwd=tmp_path)
    assert (
        "ITEMS matching 'status:waived': 1" in table.stdout
        and "go-live.infra.on-call" in table.stdout
    )
    bad = _golive("run", "--filter", "status:error", cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.startswith("golive: error: filter status:error:")
    assert "Traceback" not in bad.stderr
    # Manual items only: the filter leaves nothing to probe, and says so.
    nothing = _golive("run", "--filter", "owner:ops", cwd=tmp_path)
    assert nothing.returncode == 2 and "no item with a probe" in nothing.stderr
