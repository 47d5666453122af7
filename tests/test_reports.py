"""Reports on a half-finished go-live of the shipped checklist: Markdown in the seed's layout,
HTML, JSON, JUnit XML (schema-validated); none of them carries a secret."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from lxml import etree
from markdown_it import MarkdownIt

from golive_tui import actions
from golive_tui.actor import Actor
from golive_tui.checklists import load_checklist
from golive_tui.engine import ItemResult
from golive_tui.model import Checklist
from golive_tui.probes.base import ProbeResult, Verdict
from golive_tui.profile import Profile
from golive_tui.report import FORMATS, render
from golive_tui.secrets import set_secret
from golive_tui.state import State, StateStore, open_store
from tests.people import forced_go_live, person

REPO = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
AT = NOW - timedelta(hours=1)
ENV_SECRET = "R0UT1NGK3Y-must-never-leak-0123456789"
KEYRING_SECRET = "grafana-token-from-the-keyring-9876"
PROFILE = Profile()
NODE_GROUPS = "go-live.infrastructure.node-groups"


@pytest.fixture(scope="module")
def checklist() -> Checklist:
    return load_checklist(REPO / "checklists" / "production.toml")


def half_finished(path: Path, checklist: Checklist) -> StateStore:
    """Probe results of every kind, attestations, a waiver, a stale and a fresh approval."""
    store = open_store(path, checklist=checklist.title)
    items = checklist.item_map()
    actions.approve(
        store,
        checklist,
        "qa-lead",
        name="Quinn Park",
        principal="qpark",
        actor=person("qpark", "Quinn Park"),
    )  # goes stale with the changes below
    actions.record_results(
        store,
        [
            ItemResult(
                items[NODE_GROUPS],
                ProbeResult(
                    Verdict.FAIL,
                    "2 Ready nodes in 2 zones | need 3",
                    "zone c: node-3 NotReady\x1b[0m",
                    checked_at=AT,
                    duration_ms=120,
                ),
            ),
            ItemResult(
                items["go-live.infrastructure.eks-cluster"],
                ProbeResult(
                    Verdict.PASS,
                    "API v1.32 reachable",
                    "GET /version: v1.32.1",
                    checked_at=AT,
                    duration_ms=80,
                ),
            ),
            ItemResult(
                items["go-live.infrastructure.pdb"],
                ProbeResult(
                    Verdict.ERROR, "cannot reach API server", checked_at=AT, duration_ms=10
                ),
            ),
            ItemResult(
                items["go-live.monitoring.pagerduty"],
                ProbeResult(Verdict.SKIPPED, "not confirmed: pages a human", checked_at=AT),
            ),
            ItemResult(
                items["performance.baseline.api-response-time-p95"],
                ProbeResult(
                    Verdict.ACCEPTABLE,
                    "p95 over target, within acceptable",
                    value=320.0,
                    unit="ms",
                    checked_at=AT,
                    duration_ms=40,
                ),
            ),
            ItemResult(
                items["performance.baseline.availability"],
                ProbeResult(
                    Verdict.PASS,
                    "30-day availability",
                    value=99.95,
                    unit="%",
                    checked_at=AT,
                    duration_ms=30,
                ),
            ),
        ],
        actor=Actor.current("captain"),
    )
    actions.mark(
        store,
        items["go-live.operational.rollback-plan"],
        "done",
        note="rehearsed\non staging <b>twice</b>",
        actor=Actor.current("ops").at(AT),
    )
    actions.mark(
        store,
        items["compliance.security-compliance.hipaa"],
        "n/a",
        note="no health data",
        actor=Actor.current("legal").at(AT),
    )
    actions.mark(
        store,
        items["go-live.operational.dr-plan"],
        "blocked",
        note="waiting for the vendor",
        actor=Actor.current("ops").at(AT),
    )
    actions.waive(
        store,
        items["go-live.infrastructure.auto-scaling"],
        reason="HPA lands Monday",
        until=NOW + timedelta(days=30),
        actor=Actor.current("ciso"),
    )
    actions.mark(
        store,
        items["sign-off.final-checklist.risk-register-updated"],
        "done",
        actor=Actor.current("pm").at(AT),
    )
    actions.approve(
        store,
        checklist,
        "security-lead",
        name="Sam Rivera",
        principal="srivera",
        actor=person("srivera", "Sam Rivera"),
    )
    return store


@pytest.fixture
def state(tmp_path: Path, checklist: Checklist) -> State:
    return half_finished(tmp_path / "state.toml", checklist).read()


MD = MarkdownIt("commonmark").enable("table")


def table_after(text: str, heading: str) -> dict[str, list[str]]:
    """Rows of the first table under `heading`, keyed by the first cell (plain text); header under
    ''."""
    tokens = MD.parse(text)
    start = next(
        i
        for i, t in enumerate(tokens)
        if t.type == "heading_open" and tokens[i + 1].content == heading
    )
    rows: list[list[str]] = []
    for i in range(start + 3, len(tokens)):
        tok = tokens[i]
        if tok.type == "heading_open":
            break
        if tok.type == "tr_open":
            rows.append([])
        elif tok.type == "inline" and rows and tokens[i - 1].type in ("th_open", "td_open"):
            rows[-1].append(
                "".join(c.content for c in tok.children if c.type in ("text", "code_inline"))
            )
        elif tok.type == "table_close":
            break
    return {("" if n == 0 else row[0]): row for n, row in enumerate(rows)}


def test_markdown_fills_the_seeds_tables(
    checklist: Checklist, state: State, seed_path: Path
) -> None:
    text = render("markdown", checklist, state, PROFILE, NOW)
    tokens = MD.parse(text)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    seed = MD.parse(seed_path.read_text(encoding="utf-8"))
    seed_headings = {seed[i + 1].content for i, t in enumerate(seed) if t.type == "heading_open"}
    # Every heading of the seed but its title and "Performance Verification" (its commands sit under
    # "Verification Commands" like every other section's).
    assert seed_headings - {"Production Checklist", "Performance Verification"} <= set(headings)
    assert headings[0] == "Autolytiq production go-live"
    assert (
        "**Target:** autolytiq-prod · **Generated:** 2026-11-28 12:00 UTC · **Decision: NO-GO**"
        in text
    )

    infra = table_after(text, "Infrastructure Readiness")
    assert infra[""] == ["Item", "Description", "Owner", "Status", "Date"]
    assert len(infra) == 9  # header + 8 rows: the `|` in a summary broke nothing
    assert infra["Node Groups"][3:] == ["FAILED", "2026-11-28"]
    assert infra["EKS Cluster"][3:] == ["[x]", "2026-11-28"]
    assert infra["Auto-scaling"][3] == "waived"
    assert infra["PDB"][3:] == ["[ ]", ""]  # an error says nothing about the item
    operational = table_after(text, "Operational Readiness")
    assert operational["DR Plan"][3] == "blocked" and operational["Rollback Plan"][3] == "[x]"
    assert table_after(text, "Security Compliance")["HIPAA"][3] == "n/a"

    baseline = table_after(text, "Baseline Requirements")
    assert baseline[""] == ["Metric", "Target", "Acceptable", "Current", "Status"]
    assert baseline["API Response Time (p95)"][1:] == ["< 200ms", "< 500ms", "320ms", "[x]"]
    assert baseline["Availability"][3:] == ["99.95%", "[x]"]
    assert table_after(text, "Service-Specific Benchmarks")[""] == [
        "Service",
        "Metric",
        "Target",
        "Current",
        "Status",
    ]
    assert table_after(text, "Load Test Results")["Spike test (1000 users)"][1] == "No failures"

    approvals = table_after(text, "Required Approvals")
    assert approvals["Security Lead"][1:4] == [
        "Sam Rivera",
        "[x]",
        datetime.now(UTC).strftime("%Y-%m-%d"),
    ]
    assert len(approvals["Security Lead"][4]) == 12 and int(approvals["Security Lead"][4], 16) >= 0
    assert approvals["QA Lead"][2] == "stale" and approvals["QA Lead"][4].endswith(" (stale)")
    assert approvals["VP Engineering"][1:] == ["", "[ ]", "", ""]
    assert (
        "* **QA Lead**: stale — changed since approval: go-live.infrastructure.eks-cluster" in text
    )
    criteria = table_after(text, "Go-Live Decision")
    assert criteria["Rollback plan tested"][1:] == ["[x]", ""]
    assert (
        criteria["All P1 items complete"][1] == "[ ]"
        and "Node Groups (failed)" in criteria["All P1 items complete"][2]
    )
    assert criteria["No critical security issues"][1] == "[x]"

    # Evidence lines under the tables; task lists ticked like the seed's.
    assert (
        "* **Node Groups**: fail — 2 Ready nodes in 2 "
        "zones \\| need 3, checked 2026-11-28 11:00 UTC" in text
    )
    assert "* **Rollback Plan**: note: rehearsed on staging \\<b>twice\\</b>" in text
    assert "* **Auto-scaling**: waived until 2026-12-28 by ciso: HPA lands Monday" in text
    assert (
        "* **API Response Time (p95)**: acceptable — p95 over target, within acceptable (320ms)"
        in text
    )
    assert "- [x] Risk register updated" in text and "- [ ] Monitor error rates closely" in text
    assert "*Due within the first 24 hours after go-live (go-live not recorded yet).*" in text
    assert "\x1b" not in text
    # Reference material of the seed: table of contents, runbooks, appendix, change log.
    assert "1. [Go-Live Checklist](#go-live-checklist)" in text
    assert (
        "kubectl get pdb -n autolytiq-prod" in text
        and "kubectl scale deployment --all --replicas=0" in text
    )
    assert table_after(text, "Change Log")["2024-11-26"][1:] == [
        "1.0.0",
        "Ops Team",
        "Initial version",
    ]


def test_markdown_post_golive_due_times_and_overdue(checklist: Checklist, tmp_path: Path) -> None:
    store = open_store(tmp_path / "state.toml")
    items = checklist.item_map()
    actions.mark(
        store, items["post-go-live.first-24h.watch-latency-metrics"], "done", actor=Actor.current()
    )
    forced_go_live(store, checklist, "exec override for the demo")
    state = store.read()
    start = state.meta.golive_at
    later = start + timedelta(hours=30)
    text = render("markdown", checklist, state, PROFILE, later)
    assert (
        f"**Go-live:** {start:%Y-%m-%d %H:%M} UTC by tester@ci — forced: exec override for the demo"
        in text
    )
    due = start + timedelta(hours=24)
    assert f"*Due {due:%Y-%m-%d %H:%M} UTC (first 24 hours after go-live).*" in text
    assert f"* **Monitor error rates closely**: OVERDUE (due {due:%Y-%m-%d %H:%M} UTC)" in text
    assert (
        "* **Watch latency metrics**: OVERDUE" not in text and "- [x] Watch latency metrics" in text
    )
    assert "* **Daily metrics review**: OVERDUE" not in text  # the first week is not over


def test_markdown_only_and_revoked(checklist: Checklist, state: State, tmp_path: Path) -> None:
    text = render("markdown", checklist, state, PROFILE, NOW, only={NODE_GROUPS})
    infra = table_after(text, "Infrastructure Readiness")
    assert set(infra) == {"", "Node Groups"}
    assert "Database Readiness" not in text and "Monitor error rates closely" not in text
    assert "Required Approvals" in text  # the sign-off is the point of any report

    store = half_finished(tmp_path / "revoked.toml", checklist)
    actions.revoke(
        store, checklist, "security-lead", reason="pen test reopened", actor=Actor.current("ciso")
    )
    text = render("markdown", checklist, store.read(), PROFILE, NOW)
    assert table_after(text, "Required Approvals")["Security Lead"][2] == "revoked"
    assert "* **Security Lead**: revoked by ciso: pen test reopened" in text


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.seen: list[tuple[str, dict]] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.seen.append((tag, dict(attrs)))
        if tag not in ("meta", "br", "link", "img", "input", "hr"):
            self.open.append(tag)

    def handle_endtag(self, tag):
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
        else:
            self.open.pop()


def test_html_self_contained_escaped_and_worded(checklist: Checklist, state: State) -> None:
    html = render("html", checklist, state, PROFILE, NOW)
    parser = _Tags()
    parser.feed(html)
    assert not parser.problems and parser.open == []  # well nested, everything closed
    tags = {tag for tag, _ in parser.seen}
    assert (
        "script" not in tags and "link" not in tags and "img" not in tags and "iframe" not in tags
    )
    assert not any(
        key in ("src", "href") for _, attrs in parser.seen for key in attrs
    )  # no external assets
    assert "@media print" in html and '<span class="badge nogo">NO-GO</span>' in html
    # Verdicts are words as well as colours.
    assert '<td class="st failed">FAILED</td>' in html and '<span class="fail">FAIL</span>' in html
    assert (
        '<td class="st waived">WAIVED</td>' in html and '<span class="error">ERROR</span>' in html
    )
    assert (
        '<span class="acceptable">ACCEPTABLE</span> 320ms' in html
        and '<td class="stale">STALE' in html
    )
    assert "rehearsed\non staging &lt;b&gt;twice&lt;/b&gt;" in html and "<b>twice</b>" not in html
    assert "2 Ready nodes in 2 zones | need 3" in html and "zone c: node-3 NotReady" in html
    assert html.count("<tr><td><b>") == sum(1 for _ in checklist.items())  # one row per item


def test_json_is_the_full_record(checklist: Checklist, state: State) -> None:
    data = json.loads(render("json", checklist, state, PROFILE, NOW))
    assert data["schema_version"] == 1 and data["generated_at"] == "2026-11-28T12:00:00+00:00"
    assert (data["checklist"], data["target"], data["only"]) == (
        "Autolytiq production go-live",
        "autolytiq-prod",
        None,
    )
    items = {i["id"]: i for i in data["items"]}
    assert len(items) == sum(1 for _ in checklist.items())
    node = items[NODE_GROUPS]
    assert (node["status"], node["outcome"], node["verdict"], node["duration_ms"]) == (
        "failed",
        "failed",
        "fail",
        120.0,
    )
    assert node["checked_at"] == "2026-11-28T11:00:00+00:00" and node["by"] == "captain (probe)"
    p95 = items["performance.baseline.api-response-time-p95"]
    assert (p95["value"], p95["unit"], p95["verdict"]) == (320.0, "ms", "acceptable")
    assert p95["metric"]["target"] == {"op": "<", "value": 200.0, "unit": "ms"}
    waived = items["go-live.infrastructure.auto-scaling"]
    assert waived["outcome"] == "waived" and waived["waiver"]["reason"] == "HPA lands Monday"
    assert (
        items["go-live.operational.rollback-plan"]["note"] == "rehearsed\non staging <b>twice</b>"
    )
    assert data["totals"]["counts"] == {
        "complete": 5,
        "failed": 1,
        "pending": 120,
        "blocked": 1,
        "n/a": 1,
        "waived": 1,
    }
    decision = data["decision"]
    assert (
        decision["go"] is False
        and decision["label"] == "NO-GO"
        and len(decision["signature"]) == 64
    )
    assert {a["id"]: a["state"] for a in decision["approvals"]} == {
        "engineering-manager": "missing",
        "security-lead": "fresh",
        "qa-lead": "stale",
        "operations-lead": "missing",
        "product-manager": "missing",
        "vp-engineering": "missing",
    }
    assert {c["id"]: c["met"] for c in decision["criteria"]}["rollback-tested"] is True
    sections = {s["id"]: s for s in data["sections"]}
    assert (
        sections["go-live.infrastructure"]["counts"]["failed"] == 1
        and sections["go-live"]["total"] == 38
    )
    assert data["audit"] == {"entries": 13, "verified": True, "problem": ""}
    assert data["post_golive"] == [] and data["golive_at"] is None

    only = json.loads(render("json", checklist, state, PROFILE, NOW, only={NODE_GROUPS}))
    assert [i["id"] for i in only["items"]] == [NODE_GROUPS] and only["only"] == [NODE_GROUPS]


def test_junit_valid_counts_and_cases(checklist: Checklist, state: State) -> None:
    xml = render("junit", checklist, state, PROFILE, NOW)
    schema = etree.XMLSchema(etree.parse(str(REPO / "tests" / "data" / "junit.xsd")))
    doc = etree.fromstring(xml.encode())
    assert schema.validate(doc), schema.error_log
    cases = doc.findall(".//testcase")
    assert len(cases) == sum(1 for i in checklist.items() if i.probe)
    by_name = {c.get("name"): c for c in cases}
    failing = by_name[f"{NODE_GROUPS}: Node Groups"]
    assert failing.get("classname") == "go-live.infrastructure" and failing.get("time") == "0.120"
    assert failing.find("failure").get("message") == "2 Ready nodes in 2 zones | need 3"
    assert (
        failing.find("failure").text == "zone c: node-3 NotReady␛[0m"
    )  # the escape XML cannot hold is shown, not sent
    assert (
        by_name["go-live.infrastructure.pdb: PDB"].find("error").get("message")
        == "cannot reach API server"
    )
    assert (
        by_name["go-live.infrastructure.auto-scaling: Auto-scaling"]
        .find("skipped")
        .get("message")
        .startswith("waived until")
    )
    assert (
        by_name["go-live.monitoring.pagerduty: PagerDuty"].find("skipped").get("message")
        == "not confirmed: pages a human"
    )
    assert by_name["go-live.infrastructure.dns: DNS"].find("skipped").get("message") == "never run"
    assert len(by_name["go-live.infrastructure.eks-cluster: EKS Cluster"]) == 0  # passed
    suites = {s.get("package"): s for s in doc.findall("testsuite")}
    assert list(suites) == [
        "go-live",
        "security",
        "performance",
        "compliance",
        "sign-off",
        "post-go-live",
    ]  # sections with probed rows
    golive = suites["go-live"]
    go_live_cases = golive.findall("testcase")
    assert golive.get("tests") == str(len(go_live_cases))
    assert (golive.get("failures"), golive.get("errors")) == ("1", "1")
    assert int(golive.get("skipped")) == sum(
        1 for c in go_live_cases if c.find("skipped") is not None
    )
    assert golive.get("timestamp") == "2026-11-28T11:00:00"
    assert (
        "go-live.infrastructure.eks-cluster: pass — API v1.32 reachable"
        in golive.find("system-out").text
    )
    assert {p.get("name"): p.get("value") for p in golive.find("properties")}["decision"] == "NO-GO"

    only = etree.fromstring(
        render("junit", checklist, state, PROFILE, NOW, only={NODE_GROUPS}).encode()
    )
    assert schema.validate(only), schema.error_log
    assert [c.get("name") for c in only.findall(".//testcase")] == [f"{NODE_GROUPS}: Node Groups"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_secret_in_any_report(
    checklist: Checklist, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    monkeypatch.setenv("GOLIVE_SECRET_PAGERDUTY_ROUTING_KEY", ENV_SECRET)
    set_secret(
        "grafana-token", KEYRING_SECRET, allow_plaintext=True
    )  # the tests' keyring is keyrings.alt's file
    state = half_finished(tmp_path / "state.toml", checklist).read()
    text = render(fmt, checklist, state, PROFILE, NOW)
    assert "Node Groups" in text  # a real report
    assert ENV_SECRET not in text and KEYRING_SECRET not in text


def test_unknown_format_is_refused(checklist: Checklist) -> None:
    from golive_tui.errors import GoliveError

    with pytest.raises(GoliveError, match="unknown report format 'pdf'"):
        render("pdf", checklist, State(), PROFILE, NOW)


def test_report_cli_writes_file(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "golive_tui",
            "--checklist",
            str(REPO / "tests" / "data" / "mini.toml"),
            "report",
            "--format",
            "json",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_text())["checklist"] == "Mini go-live"


def test_blockers_for_people_by_title_grouped_by_section_the_whole_list(
    checklist: Checklist, state: State
) -> None:
    """A VP reads titles, and every one of them: no `and 17 more`; the id stays, small, beside
    each."""
    from golive_tui.decision import decide
    from golive_tui.report.blockers import blocker_groups

    decision = decide(checklist, state, NOW)
    groups = blocker_groups(checklist, state, NOW, decision)
    every = {b.key for g in groups for b in g.blockers}
    expected = {blocker.rsplit(" (", 1)[0] for c in decision.criteria for blocker in c.blockers}
    assert every == expected and len(every) > 17
    md = render("markdown", checklist, state, PROFILE, NOW)
    html = render("html", checklist, state, PROFILE, NOW)
    assert (
        f"**Blockers ({len(every)}), by section:**" in md
        and f"<h2>Blockers ({len(every)}), by section</h2>" in html
    )
    assert "*Go-Live Checklist › Infrastructure Readiness*" in md
    assert "<h3>Go-Live Checklist › Infrastructure Readiness</h3>" in html
    assert (
        "- **Node Groups** — FAILED: 2 Ready nodes in "
        f"2 zones \\| need 3 <sub>`{NODE_GROUPS}`</sub>" in md
    ), md[:3000]
    assert (
        '<li><b>Node Groups</b> — <span class="failed">FAILED</span>: '
        "2 Ready nodes in 2 zones | need 3 "
        f"<small><code>{NODE_GROUPS}</code></small></li>"
    ) in html
    for key in every:  # the whole list, each once, in both
        assert (
            md.count(f"<sub>`{key}`</sub>") == 1
            and html.count(f"<small><code>{key}</code></small>") == 1
        )
    head = md.split("**Blockers (")[0]
    criterion_lines = [line for line in head.splitlines() if "not there yet" in line]
    assert criterion_lines and not any(
        "more" in line or NODE_GROUPS in line for line in criterion_lines
    )
    assert "All P1 items complete: " in head and " items not there yet" in head
