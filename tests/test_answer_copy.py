"""Each probe reading a shared answer gets a copy no other probe's edit reaches (answer_copy)."""

from __future__ import annotations

import datetime
from concurrent.futures import ThreadPoolExecutor

from golive_tui.probes.answer_copy import copy_answer
from golive_tui.probes.base import ClientCache


class Unusual:
    def __init__(self) -> None:
        self.items: list[str] = []


def test_every_container_is_copied_at_every_depth() -> None:
    """The trap: a copy of the top dict only (`dict(answer)`, `copy.copy`) passes a probe that
    edits a top-level key, and leaks one that appends to a nested list (a probe sorting a VPC's
    subnets in place reorders them for every other probe of the sweep)."""
    when = datetime.datetime(2026, 12, 7, tzinfo=datetime.UTC)
    answer = {
        "Vpcs": [{"Subnets": ["a", "b"], "Tags": ({"Key": "k", "Values": ["v"]},)}],
        "When": when,
        "Other": Unusual(),
    }
    mine = copy_answer(answer)
    assert mine == {**answer, "Other": mine["Other"]}
    mine["Vpcs"][0]["Subnets"].append("c")
    mine["Vpcs"][0]["Tags"][0]["Values"].append("w")
    mine["Other"].items.append("x")
    assert answer["Vpcs"][0]["Subnets"] == ["a", "b"]
    assert answer["Vpcs"][0]["Tags"][0]["Values"] == ["v"]
    assert answer["Other"].items == []
    assert mine["When"] is when  # immutable leaves are shared, not copied


def test_shared_reads_hand_each_caller_its_own_copy() -> None:
    cache = ClientCache(share_results=True)
    calls = []

    def describe() -> dict[str, list[str]]:
        calls.append(1)
        return {"Subnets": ["a", "b"]}

    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(lambda _: cache.shared("describe", describe, wait=5.0), range(2))
    first["Subnets"].reverse()
    assert second["Subnets"] == ["a", "b"] and len(calls) == 1
    assert cache.shared("describe", describe, wait=5.0)["Subnets"] == ["a", "b"]
