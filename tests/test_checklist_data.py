"""The shipped checklist carries every row of the seed document (parsed, not hand-counted)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from golive_tui.model import Checklist

REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "checklists" / "production.toml"
TOP_SECTIONS = [
    "Go-Live Checklist",
    "Security Review Checklist",
    "Performance Benchmarks",
    "Compliance Verification",
    "Sign-Off Requirements",
    "Post Go-Live",
]


def seed_tables(seed: Path) -> list[dict]:
    """Every table and task list under the six sections: (top title, sub title, header,
    rows/tasks)."""
    tokens = MarkdownIt("commonmark").enable("table").parse(seed.read_text())
    found, top, sub = [], None, None
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "heading_open":
            title = tokens[i + 1].content
            if tok.tag == "h2":
                top, sub = (title if title in TOP_SECTIONS else None), None
            elif tok.tag == "h3":
                sub = title
        elif tok.type == "table_open" and top:
            header, rows, row, in_head = [], [], [], False
            while tokens[i].type != "table_close":
                t = tokens[i]
                in_head = (
                    True
                    if t.type == "thead_open"
                    else False
                    if t.type == "thead_close"
                    else in_head
                )
                if t.type == "tr_open":
                    row = []
                elif t.type == "inline":
                    row.append("".join(c.content for c in t.children if c.type == "text").strip())
                elif t.type == "tr_close":
                    (header.extend(row) if in_head else rows.append(row))
                i += 1
            found.append(
                {
                    "top": top,
                    "sub": sub,
                    "header": [h.lower() for h in header],
                    "rows": rows,
                    "tasks": [],
                }
            )
        elif tok.type == "inline" and top and re.match(r"^\[[ xX]\] ", tok.content):
            if not found or found[-1]["sub"] != sub or found[-1]["rows"]:
                found.append({"top": top, "sub": sub, "header": [], "rows": [], "tasks": []})
            found[-1]["tasks"].append(tok.content[4:].strip())
        i += 1
    return found


@pytest.fixture(scope="module")
def shipped() -> Checklist:
    # Schema validation only: the probe kinds are checked by test_shipped_checklist_validates.
    return Checklist.model_validate(tomllib.loads(SHIPPED.read_text()))


def _subsection(checklist: Checklist, top: str, sub: str):
    tops = [s for s in checklist.section if s.title == top]
    assert tops, f"section {top!r} missing"
    subs = [s for s in tops[0].walk() if s.title == sub]
    assert subs, f"subsection {sub!r} of {top!r} missing"
    return subs[0]


def test_every_table_row_and_task_is_an_item_with_its_owner(
    seed_path: Path, shipped: Checklist
) -> None:
    checked = 0
    for table in seed_tables(seed_path):
        if table["sub"] in ("Required Approvals", "Go-Live Decision"):
            continue  # approvals and criteria: their own tests below
        section = _subsection(shipped, table["top"], table["sub"])
        items = {item.title: item for item in section.item}
        for row in table["rows"]:
            cells = dict(zip(table["header"], row, strict=False))
            assert row[0] in items, f"{table['sub']}: row {row[0]!r} missing"
            item = items[row[0]]
            if "owner" in cells:
                assert item.owner == cells["owner"], (
                    f"{item.key}: owner {item.owner!r} != {cells['owner']!r}"
                )
            if "description" in cells:
                assert item.description == cells["description"]
            if "metric" in cells:
                assert item.metric is not None and item.metric.label == cells["metric"]
            checked += 1
        for task in table["tasks"]:
            assert task in items, f"{table['sub']}: task {task!r} missing"
            checked += 1
    assert checked == sum(1 for _ in shipped.items())


def test_six_top_sections_in_order(shipped: Checklist) -> None:
    assert [s.title for s in shipped.section] == TOP_SECTIONS
    assert [s.id for s in shipped.section] == [
        "go-live",
        "security",
        "performance",
        "compliance",
        "sign-off",
        "post-go-live",
    ]


def _threshold(text: str) -> tuple[str, float, str]:
    match = re.match(r"^(<|>)?\s*([\d.]+)\s*(ms|%|RPS)?$", text.strip())
    assert match, text
    op, value, unit = match.groups()
    unit = {"RPS": "rps", None: ""}.get(unit, unit)
    return op or "", float(value), unit


def test_metric_thresholds_are_the_seeds_numbers(seed_path: Path, shipped: Checklist) -> None:
    compared = 0
    for table in seed_tables(seed_path):
        if table["top"] != "Performance Benchmarks":
            continue
        section = _subsection(shipped, table["top"], table["sub"])
        items = {item.title: item for item in section.item}
        for row in table["rows"]:
            cells = dict(zip(table["header"], row, strict=False))
            metric = items[row[0]].metric
            assert metric is not None, row[0]
            for column, threshold in (("target", metric.target), ("acceptable", metric.acceptable)):
                if column not in cells:
                    continue
                op, value, unit = _threshold(cells[column])
                assert threshold is not None and threshold.value == value, (row[0], column)
                assert op in ("", threshold.op[0]), (row[0], column, op, threshold.op)
                if unit == "rps" or (unit == "" and "sec" in cells.get("metric", "").lower()):
                    assert threshold.unit == "rps" and threshold.op == ">="
                elif unit:
                    assert threshold.unit == unit, (row[0], column)
                compared += 1
            if "expected" in cells:
                assert metric.expected == cells["expected"], (
                    row[0],
                    metric.expected,
                    cells["expected"],
                )
    assert compared >= 20


def test_approvals_and_go_no_go_criteria(seed_path: Path, shipped: Checklist) -> None:
    tables = {t["sub"]: t for t in seed_tables(seed_path)}
    assert [a.role for a in shipped.approval] == [
        row[0] for row in tables["Required Approvals"]["rows"]
    ]
    assert [c.title for c in shipped.criterion] == [
        row[0] for row in tables["Go-Live Decision"]["rows"]
    ]
    assert len(shipped.approval) == 6 and len(shipped.criterion) == 7


def test_appendix_is_kept(seed_path: Path, shipped: Checklist) -> None:
    text = seed_path.read_text()
    for contact in shipped.contact:
        assert f"| {contact.role}" in text
    assert [c.role for c in shipped.contact] == [
        "On-Call Engineer",
        "Engineering Manager",
        "Security Lead",
        "AWS Support",
    ]
    assert {link.url for link in shipped.link} >= {
        "https://api.autolytiq.com",
        "https://status.autolytiq.com",
    }
    assert "kubectl rollout undo" in shipped.emergency_runbook
    assert shipped.changelog[0].version == "1.0.0"


def test_post_go_live_windows_and_priorities(shipped: Checklist) -> None:
    post = next(s for s in shipped.section if s.id == "post-go-live")
    windows = {sub.id: {i.window for i in sub.item} for sub in post.subsection}
    assert windows == {"first-24h": {"24h"}, "first-week": {"1w"}, "first-month": {"1m"}}
    items = shipped.item_map()
    assert items["go-live.infrastructure.eks-cluster"].priority == "P1"
    assert items["security.application.penetration-test"].priority == "P3"  # "(if required)"
    assert items["go-live.operational.on-call-schedule"].attest_valid_days == 7
    assert shipped.priority_rationale


def test_probe_catalogue_matches_the_checklist(shipped: Checklist) -> None:
    """Each item named in docs/probes.md's "used by items" column carries that probe kind."""
    items = shipped.item_map()
    doc = (REPO / "docs" / "probes.md").read_text()
    pairs = 0
    for line in doc.splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) < 6 or not cells[1].startswith("`"):
            continue
        kind = cells[1].strip("`")
        for ref in re.findall(r"[a-z0-9-]+\.[a-z0-9-]+\.[a-z0-9-*]+", cells[4]):
            if ref.endswith("*"):
                prefix = ref[:-1]
                matched = [i for k, i in items.items() if k.startswith(prefix)]
                assert matched and all(
                    kind in {p.kind for p in i.probe} or not i.probe for i in matched
                ), ref
            else:
                assert ref in items, f"docs/probes.md names unknown item {ref}"
                assert kind in {p.kind for p in items[ref].probe}, f"{ref} lacks {kind}"
            pairs += 1
    assert pairs >= 40


def test_shipped_checklist_validates() -> None:
    """Full validation: schema, ids, and every probe kind and parameter known to the registry."""
    from golive_tui.checklists import load_checklist

    checklist = load_checklist(SHIPPED)
    assert sum(1 for _ in checklist.items()) == 129
