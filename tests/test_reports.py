"""Reports on a half-finished go-live: markdown in the seed's layout, HTML, JSON, JUnit; no secrets."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from markdown_it import MarkdownIt

from golive_tui import actions
from golive_tui.engine import ItemResult
from golive_tui.model import Checklist
from golive_tui.probes.base import ProbeResult, Verdict
from golive_tui.profile import Profile
from golive_tui.report import render
from golive_tui.state import StateStore

REPO = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
SECRET = "R0UT1NGK3Y-must-never-leak-0123456789"


@pytest.fixture(scope="module")
def checklist() -> Checklist:
    return Checklist.model_validate(tomllib.loads((REPO / "checklists" / "production.toml").read_text()))


@pytest.fixture
def state(tmp_path: Path, checklist: Checklist, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("GOLIVE_SECRET_PAGERDUTY_ROUTING_KEY", SECRET)
    store = StateStore(tmp_path / "state.toml", checklist=checklist.title)
    items = checklist.item_map()
    at = NOW - timedelta(hours=1)
    actions.record_results(store, [
        ItemResult(items["go-live.infrastructure.node-groups"], ProbeResult(Verdict.FAIL, "2 Ready nodes in 2 zones | need 3", "zone c: node-3 NotReady", checked_at=at, duration_ms=120)),
        ItemResult(items["go-live.infrastructure.eks-cluster"], ProbeResult(Verdict.PASS, "API v1.32 reachable", checked_at=at, duration_ms=80)),
        ItemResult(items["go-live.infrastructure.pdb"], ProbeResult(Verdict.ERROR, "cannot reach API server", checked_at=at, duration_ms=10)),
        ItemResult(items["performance.baseline.api-response-time-p95"], ProbeResult(Verdict.ACCEPTABLE, "p95 320ms", value=320.0, unit="ms", checked_at=at)),
    ], by="captain")
    actions.mark(store, items["go-live.operational.rollback-plan"], "done", note="rehearsed\non staging", by="ops", at=at)
    actions.waive(store, items["go-live.infrastructure.auto-scaling"], reason="HPA lands Monday", until=NOW + timedelta(days=30), by="ciso")
    actions.mark(store, items["sign-off.final-checklist.risk-register-updated"], "done", by="pm", at=at)
    actions.approve(store, checklist, "security-lead", name="Sam Rivera")
    return store.read()


def tables_after(tokens, heading: str) -> list[list[str]]:
    """Rows (cells as text) of the first table after the heading with this text."""
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tokens[i + 1].content == heading:
            rows, row = [], None
            for t in tokens[i + 3:]:
                if t.type == "heading_open":
                    break
                if t.type == "tr_open":
                    row = []
                elif t.type == "inline" and row is not None:
                    row.append(t.content)
                elif t.type == "tr_close":
                    rows.append(row)
                    row = None
                elif t.type == "table_close":
                    return rows
            return rows
    raise AssertionError(f"heading {heading!r} not found")


def test_markdown_in_the_seeds_layout(checklist, state) -> None:
    text = render("markdown", checklist, state, Profile(), NOW)
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    seed = MarkdownIt("commonmark").enable("table").parse((REPO.parent / "shared" / "seed" / "production-checklist.md").read_text())
    seed_headings = [seed[i + 1].content for i, t in enumerate(seed) if t.type == "heading_open"]
    for wanted in ("Go-Live Checklist", "Infrastructure Readiness", "Baseline Requirements", "Required Approvals", "Go-Live Decision", "First Month"):
        assert wanted in headings and wanted in seed_headings
    infra = {row[0]: row for row in tables_after(tokens, "Infrastructure Readiness")}
    assert infra["**Node Groups**"][3] == "FAILED"
    assert infra["**EKS Cluster**"][3] == "[x]" and infra["**EKS Cluster**"][4] == "2026-11-28"
    assert infra["**Auto-scaling**"][3] == "waived"
    assert infra["**PDB**"][3] == "[ ]"
    assert len(infra) == 9  # header + 8 rows, none broken by the | in a summary
    baseline = {row[0]: row for row in tables_after(tokens, "Baseline Requirements")}
    assert baseline["**API Response Time (p95)**"][1:] == ["< 200ms", "< 500ms", "320ms", "[x]"]
    approvals = {row[0]: row for row in tables_after(tokens, "Required Approvals")}
    assert approvals["**Security Lead**"][1] == "Sam Rivera" and approvals["**Security Lead**"][2] == "[x]"
    assert len(approvals["**Security Lead**"][4]) == 12
    criteria = {row[0]: row for row in tables_after(tokens, "Go-Live Decision")}
    assert criteria["Rollback plan tested"][1] == "[x]" and criteria["All P1 items complete"][1] == "[ ]"
    assert "- **Node Groups** — fail: 2 Ready nodes in 2 zones \\| need 3" in text
    assert "- [x] Risk register updated" in text and "- [ ] Monitor error rates closely" in text


def test_stale_approval_marked(checklist, state, tmp_path) -> None:
    store = StateStore(tmp_path / "state.toml")
    actions.mark(store, checklist.item("security.infrastructure.waf"), "failed")
    text = render("markdown", checklist, store.read(), Profile(), NOW)
    assert "(stale)" in text


def test_html_is_self_contained_and_escaped(checklist, state) -> None:
    html = render("html", checklist, state, Profile(), NOW)
    assert html.startswith("<!doctype html>") and "<style>" in html
    assert "<script" not in html and "http://" not in html.split("</style>")[0] and "src=" not in html
    assert "NO-GO" in html and "@media print" in html
    assert "2 Ready nodes in 2 zones | need 3" in html
    assert "rehearsed\non staging" in html  # kept, escaped, pre-wrapped
    assert "<b>Node Groups</b>" in html and "FAILED failed" in html


def test_json_is_the_full_record(checklist, state) -> None:
    data = json.loads(render("json", checklist, state, Profile(), NOW))
    items = {i["id"]: i for i in data["items"]}
    assert len(items) == 129
    assert items["go-live.infrastructure.node-groups"]["verdict"] == "fail"
    assert items["performance.baseline.api-response-time-p95"]["value"] == 320.0
    assert items["go-live.infrastructure.auto-scaling"]["outcome"] == "waived"
    assert data["decision"]["go"] is False and data["decision"]["reasons"]
    assert data["audit"] == {"entries": 8, "verified": True, "problem": ""}
    assert {a["id"]: a["state"] for a in data["decision"]["approvals"]}["security-lead"] == "fresh"


def test_junit_one_case_per_probed_item_valid_schema(checklist, state) -> None:
    xml = render("junit", checklist, state, Profile(), NOW)
    root = ET.fromstring(xml.encode())
    cases = root.findall(".//testcase")
    assert len(cases) == sum(1 for i in checklist.items() if i.probe)
    by_name = {c.get("name"): c for c in cases}
    failing = by_name["go-live.infrastructure.node-groups: Node Groups"]
    assert failing.get("classname") == "go-live.infrastructure"
    assert failing.find("failure").get("message").startswith("2 Ready nodes") and "NotReady" in failing.find("failure").text
    assert by_name["go-live.infrastructure.pdb: PDB"].find("error") is not None
    assert by_name["go-live.infrastructure.auto-scaling: Auto-scaling"].find("skipped") is not None
    assert root.get("failures") == "1" and root.get("errors") == "1"
    xsd = REPO / "tests" / "data" / "junit.xsd"
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(xsd)))
    assert schema.validate(etree.fromstring(xml.encode())), schema.error_log


@pytest.mark.parametrize("fmt", ["markdown", "html", "json", "junit"])
def test_no_secret_in_any_report(checklist, state, fmt) -> None:
    assert SECRET not in render(fmt, checklist, state, Profile(), NOW)


def test_report_cli_writes_file(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = subprocess.run([sys.executable, "-m", "golive_tui", "--checklist", str(REPO / "tests" / "data" / "mini.toml"),
                             "report", "--format", "json", "-o", str(out)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_text())["checklist"] == "Mini go-live"
