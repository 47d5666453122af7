"""`golive import`: Markdown checklists become valid golive checklists (markdown-it-py tokens)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from golive_tui import actions
from golive_tui.actor import Actor
from golive_tui.checklists import load_checklist
from golive_tui.importer import import_markdown, slug
from golive_tui.model import Checklist, Section
from golive_tui.profile import Profile
from golive_tui.report import render
from golive_tui.state import open_store
from tests.people import person

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data" / "import"
PRODUCTION = REPO / "checklists" / "production.toml"


def imported(name: str):
    path = DATA / name
    return import_markdown(path.read_text(encoding="utf-8"), source=str(path))


def sections(checklist: Checklist) -> dict[str, Section]:
    return {s.key: s for s in checklist.sections()}


def titles(section: Section) -> list[str]:
    return [i.title for i in section.item]


def outline(checklist: Checklist) -> set[tuple[str, str]]:
    """(section path by titles, item title) for every item: ids may differ, titles may not."""
    out = set()

    def visit(section: Section, path: str) -> None:
        here = f"{path} / {section.title}" if path else section.title
        out.update((here, item.title) for item in section.item)
        for sub in section.subsection:
            visit(sub, here)

    for top in checklist.section:
        visit(top, "")
    return out


def test_links_tasks_toc_and_notes() -> None:
    result = imported("links-and-tasks.md")
    c = result.checklist
    assert c.title == "Payments cutover"
    s = sections(c)
    assert set(s) == {
        "contents",
        "readiness",
        "readiness.smoke-tests",
        "readiness.smoke-tests.deep-linked-heading",
        "tasks",
    }
    readiness = s["readiness"]
    assert titles(readiness) == [
        "Ledger DB",
        "Card API",
        "Fraud rules",
    ]  # bold and link text unwrapped
    ledger = readiness.item[0]
    assert (ledger.id, ledger.owner, ledger.description) == (
        "ledger-db",
        "DBA",
        "Replica caught up",
    )
    assert readiness.notes == (
        "Prose that explains the table is kept as a note.\n\n"
        "- a plain bullet, not a task\n- another plain bullet"
    )
    smoke = s["readiness.smoke-tests"]
    assert titles(smoke) == [
        "Pay with a test card",
        "Refund a test payment",
        "Refund shows in the ledger",
        "Customer receives the email",
    ]
    assert smoke.item[2].description == "Part of: Refund a test payment"  # nesting kept in words
    assert smoke.runbook == "curl -s https://payments.example/health"
    assert (
        s["readiness"].title == "Readiness" and s["readiness.smoke-tests"].title == "Smoke tests"
    )  # shortcodes gone
    assert titles(s["readiness.smoke-tests.deep-linked-heading"]) == ["Item at depth four"]
    # A numbered table of contents is notes; the task list under it is still items.
    assert titles(s["contents"]) == ["Freeze the release branch", "Book the war room"]
    assert s["contents"].notes == "1. [Readiness](#readiness)\n2. [Tasks](#tasks)"
    # Ticked task boxes, and the table row whose Status cell is [x].
    assert sorted(result.checked) == [
        "contents.book-the-war-room",
        "readiness.card-api",
        "readiness.smoke-tests.customer-receives-the-email",
        "readiness.smoke-tests.refund-a-test-payment",
    ]


def test_release_gates_columns_metrics_and_records() -> None:
    result = imported("release-gates.md")
    c = result.checklist
    assert c.title == "Release gates — Orders v2"
    assert c.description == "Prose under the title is the checklist's description."
    s = sections(c)
    launch = s["launch-readiness"]
    assert launch.title == "Launch readiness"
    orders, workers, workers2 = launch.item  # the untitled row is skipped
    assert (orders.title, orders.owner, orders.priority) == ("Orders API", "Team Orders", "P1")
    assert orders.description == "GET /healthz returns 200 | 204"  # escaped pipe, code unwrapped
    assert orders.fields == {
        "Runbook link": "[wiki](https://wiki.example/orders#run)"
    }  # verbatim; Status/Date dropped
    assert (workers.id, workers2.id, workers.priority, workers2.priority) == (
        "queue-workers",
        "queue-workers-2",
        "P1",
        "P3",
    )
    assert launch.notes == "- a plain bullet is a note\n- so is this one, with **bold** kept"
    assert (
        launch.runbook == "kubectl get deploy -n orders"
    )  # the Verification Commands heading folds into its parent

    gates = s["launch-readiness.gates"]
    assert gates.title == "🚦 Gates"
    assert titles(gates) == [
        "Freeze the branch",
        "Tag the release",
        "Smoke test the checkout",
        "Pay with a test card",
        "Refund it",
        "Cancel an order",
        "Announce in #releases",
        "Dash list after a star list is a new list",
        "Brief support",
        "Share the FAQ",
    ]
    by_title = {i.title: i for i in gates.item}
    assert by_title["Refund it"].description == "Part of: Pay with a test card"
    assert (
        by_title["Cancel an order"].description
        == "Part of: Smoke test the checkout. The refund must show in the ledger."
    )
    assert (by_title["Brief support"].owner, by_title["Share the FAQ"].description) == (
        "Support Desk",
        "Part of: Brief support",
    )
    assert (
        by_title["Announce in #releases"].runbook == 'slack-notify "#releases" "Orders v2 is live"'
    )
    assert sorted(result.checked) == [
        "launch-readiness.gates.announce-in-releases",
        "launch-readiness.gates.pay-with-a-test-card",
        "launch-readiness.gates.tag-the-release",
        "launch-readiness.orders-api",
    ]
    assert titles(s["launch-readiness.gates.deeper-linked-heading.deepest"]) == [
        "Item at depth five"
    ]

    perf = {i.id: i for i in s["performance"].item}
    target = lambda item: (  # noqa: E731
        item.metric.target.op,
        item.metric.target.value,
        item.metric.target.unit,
    )
    assert target(perf["checkout-p95"]) == ("<", 300.0, "ms")
    assert (
        perf["checkout-p95"].metric.acceptable.op == "<="
        and perf["checkout-p95"].metric.acceptable.value == 800.0
    )
    assert target(perf["success-rate"]) == (">=", 99.95, "%")
    assert target(perf["orders-per-second"]) == (">=", 250.0, "rps")
    assert perf["error-budget"].metric is None and perf["error-budget"].fields == {
        "Target": "two incidents",
        "Acceptable": "one more",
    }
    assert (
        target(perf["payments"]) == (">=", 120.0, "rps")
        and perf["payments"].metric.label == "Requests/sec per pod"
    )
    assert (
        target(perf["ledger"]) == ("<", 2.0, "s")
        and perf["ledger"].description == "Write latency p99"
    )
    assert (
        target(perf["peak-hour"]) == ("<", 400.0, "ms")
        and perf["peak-hour"].metric.expected == "p95 < 400ms"
    )
    assert perf["black-friday"].metric is None and perf["black-friday"].fields == {
        "Expected": "Nothing drops"
    }

    # Sign-off and reference tables become the checklist's own records, not items.
    assert [(a.id, a.role) for a in c.approval] == [
        ("release-manager", "Release Manager"),
        ("head-of-payments", "Head of Payments"),
    ]
    assert [(k.role, k.contact, k.phone) for k in c.contact] == [
        ("Incident commander", "PagerDuty", "N/A")
    ]
    assert [(k.name, k.url) for k in c.link] == [
        ("Dashboard", "https://grafana.example/orders"),
        ("Runbook", "https://wiki.example/orders"),
    ]
    assert [(e.version, e.author) for e in c.changelog] == [("0.9", "Ana"), ("1.0", "Ben")]
    assert c.emergency_runbook == "kubectl rollout undo deploy/orders -n orders"
    assert "sign-off" not in s and "change-log" not in s  # nothing left in them


def test_edge_cases_no_title_orphans_duplicates_unicode() -> None:
    result = imported("edge-cases.md")
    c = result.checklist
    assert c.title == "edge-cases"  # no h1: the file name
    assert c.description == "Orphan prose before any heading."
    s = sections(c)
    assert list(s) == [
        "checklist",
        "second-setext-section",
        "creme-brulee-and-quotes",
        "creme-brulee-and-quotes-2",
    ]
    assert titles(s["checklist"]) == ["A task before any heading", "Another one, ticked"]
    assert s["checklist"].item[0].runbook == 'echo "commands under a task are its runbook"'
    assert result.checked == [
        "checklist.another-one-ticked",
        "creme-brulee-and-quotes-2.a-quoted-task-is-still-a-task",
    ]
    assert (
        s["second-setext-section"].notes == "Only notes here: no items."
        and not s["second-setext-section"].item
    )
    long_item, code_item = s["creme-brulee-and-quotes"].item
    assert (
        long_item.id == "very-long-title-that-keeps-going-well-past-any-sensible"
        and len(long_item.id) <= 60
    )
    assert code_item.title == "inline code title"
    second = s["creme-brulee-and-quotes-2"]
    assert second.title == "Crème brûlée & «quotes»"
    assert titles(second) == ["Same heading twice gets its own id", "A quoted task is still a task"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (":rocket: Launch :white_check_mark:", "launch"),
        ("Auth & Authorization", "auth-and-authorization"),
        ("VPC/Networking", "vpc-networking"),
        ("API Response Time (p95)", "api-response-time-p95"),
        ("🚦", "item"),
    ],
)
def test_slug(text: str, expected: str) -> None:
    assert slug(text) == expected


def test_written_toml_is_accepted_by_load_checklist(tmp_path: Path) -> None:
    for name in ("links-and-tasks.md", "release-gates.md", "edge-cases.md"):
        result = imported(name)
        path = tmp_path / f"{name}.toml"
        path.write_text(result.checklist_toml, encoding="utf-8")
        loaded = load_checklist(path)
        assert outline(loaded) == outline(result.checklist)
        assert result.checklist_toml.startswith("# Imported from ")


def test_importing_the_seed_yields_every_shipped_row(seed_path: Path) -> None:
    result = import_markdown(seed_path.read_text(encoding="utf-8"), source=str(seed_path))
    got = result.checklist
    shipped = load_checklist(PRODUCTION)
    got_rows = {(s.title, i.title) for s in got.sections() for i in s.item}
    missing = [
        (s.title, i.title)
        for s in shipped.sections()
        for i in s.item
        if (s.title, i.title) not in got_rows
    ]
    assert not missing
    # The seed's own sections, one item per row, nothing invented: the shipped rows plus the seven
    # criteria.
    assert len(got_rows) == sum(1 for _ in shipped.items()) + 7
    assert [s.title for s in got.section] == [
        "Overview",
        "Table of Contents",
        "Go-Live Checklist",
        "Security Review Checklist",
        "Performance Benchmarks",
        "Compliance Verification",
        "Sign-Off Requirements",
        "Post Go-Live",
    ]
    assert [a.role for a in got.approval] == [a.role for a in shipped.approval]
    assert (
        got.contact == shipped.contact
        and got.link == shipped.link
        and got.changelog == shipped.changelog
    )
    assert got.emergency_runbook.strip() == shipped.emergency_runbook.strip()
    # Metrics as the shipped checklist has them (ops, values and units).
    shipped_metrics = {
        (s.title, i.title): i.metric for s in shipped.sections() for i in s.item if i.metric
    }
    for section in got.sections():
        for item in section.item:
            if item.metric is not None:
                want = shipped_metrics[(section.title, item.title)]
                assert (item.metric.target.value, item.metric.target.unit) == (
                    want.target.value,
                    want.target.unit,
                ), item.title
                assert item.metric.target.op.strip("=") == want.target.op.strip("="), item.title
    infra = next(s for s in got.sections() if s.title == "Infrastructure Readiness")
    assert (
        "kubectl get pdb -n autolytiq-prod" in infra.runbook and infra.item[0].owner == "Platform"
    )
    assert result.checked == []


def tables(tokens) -> dict[str, list[list[str]]]:
    """Heading text -> rows (header first) of the first table under it, cells as plain text."""
    out: dict[str, list[list[str]]] = {}
    heading = ""
    rows: list[list[str]] | None = None
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open":
            heading = tokens[i + 1].content
        elif tok.type == "table_open":
            rows = []
        elif tok.type == "tr_open" and rows is not None:
            rows.append([])
        elif (
            tok.type == "inline"
            and rows is not None
            and tokens[i - 1].type in ("th_open", "td_open")
        ):
            rows[-1].append("".join(c.content for c in tok.children if c.type == "text"))
        elif tok.type == "table_close" and rows is not None:
            out.setdefault(heading, rows)
            rows = None
    return out


def test_round_trip_seed_import_report_parse(seed_path: Path, tmp_path: Path) -> None:
    """Seed -> import -> state -> Markdown report -> parse both -> the same sections, tables and
    items."""
    first = import_markdown(seed_path.read_text(encoding="utf-8"))
    checklist = first.checklist
    store = open_store(tmp_path / "state.toml", checklist=checklist.title)
    by_title = {i.title: i for i in checklist.items()}
    now = datetime.now(UTC)
    actions.mark(
        store, by_title["EKS Cluster"], "done", note="3 nodes | 3 zones", actor=Actor.current()
    )
    actions.mark(store, by_title["Node Groups"], "failed", actor=Actor.current())
    actions.mark(store, by_title["Risk register updated"], "done", actor=Actor.current())
    actions.mark(store, by_title["Security scan"], "n/a", actor=Actor.current())
    actions.waive(
        store,
        by_title["Status Page"],
        reason="launch without it",
        until=now + timedelta(days=3),
        actor=Actor.current(),
    )
    actions.approve(store, checklist, "qa-lead", name="Quinn", actor=person("quinn"))
    report = render("markdown", checklist, store.read(), Profile(), now)

    md = MarkdownIt("commonmark").enable("table")
    seed_tokens, report_tokens = md.parse(seed_path.read_text(encoding="utf-8")), md.parse(report)

    def heads(tokens: list) -> list[str]:
        return [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]

    assert set(heads(seed_tokens)) - {"Performance Verification"} <= set(heads(report_tokens))
    seed_tables, report_tables = tables(seed_tokens), tables(report_tokens)
    # The imported go/no-go criteria are plain items (golive cannot guess their rules): a task list.
    assert set(seed_tables) - {"Go-Live Decision"} == set(report_tables)
    assert "- [ ] All P1 items complete" in report
    for heading, rows in seed_tables.items():
        if heading == "Go-Live Decision":
            continue
        got = report_tables[heading]
        assert got[0][1:] == rows[0][1:], (
            heading
        )  # the same columns (the title column's name is not kept)
        assert [r[0] for r in got[1:]] == [r[0] for r in rows[1:]], (
            heading
        )  # the same rows, none broken
        assert {len(r) for r in got} == {len(rows[0])}, heading
    infra = {row[0]: row for row in report_tables["Infrastructure Readiness"]}
    assert infra["EKS Cluster"][3] == "[x]" and infra["Node Groups"][3] == "FAILED"
    approvals = {row[0]: row for row in report_tables["Required Approvals"]}
    assert approvals["QA Lead"][1:3] == ["Quinn", "[x]"]

    # The report imports back to the same checklist; its ticked boxes are the finished tasks.
    second = import_markdown(report)
    assert outline(second.checklist) == outline(checklist)
    assert [a.role for a in second.checklist.approval] == [a.role for a in checklist.approval]
    assert second.checklist.contact == checklist.contact and second.checklist.link == checklist.link
    assert second.checklist.changelog == checklist.changelog
    assert second.checklist.emergency_runbook == checklist.emergency_runbook
    ticked = {k.rsplit(".", 1)[1] for k in second.checked}
    assert ticked == {"eks-cluster", "risk-register-updated", "security-scan"}


@pytest.mark.parametrize("name", ["links-and-tasks.md", "release-gates.md", "edge-cases.md"])
def test_report_of_an_imported_document_imports_back_the_same(name: str, tmp_path: Path) -> None:
    """Every item, column and record survives import -> Markdown report -> import (pipes and
    all)."""
    first = imported(name)
    checklist = first.checklist
    store = open_store(tmp_path / "state.toml", checklist=checklist.title)
    items = checklist.item_map()
    for key in first.checked:
        actions.mark(store, items[key], "done", actor=Actor.current())
    report = render("markdown", checklist, store.read(), Profile(), datetime.now(UTC))
    second = import_markdown(report).checklist

    def rows(c: Checklist) -> list[tuple]:
        # An item's own commands show in task lists only (a table row has no room for a code block).
        return [
            (
                i.title,
                i.description,
                i.owner,
                i.fields,
                i.metric,
                i.runbook if name != "release-gates.md" else "",
            )
            for i in c.items()
        ]

    assert outline(second) == outline(checklist)
    assert rows(second) == rows(checklist)
    assert (
        second.approval,
        second.contact,
        second.link,
        second.changelog,
        second.emergency_runbook,
    ) == (
        checklist.approval,
        checklist.contact,
        checklist.link,
        checklist.changelog,
        checklist.emergency_runbook,
    )
    assert {k.rsplit(".", 1)[1] for k in import_markdown(report).checked} == {
        k.rsplit(".", 1)[1] for k in first.checked
    }


def test_cli_import_with_state(tmp_path: Path) -> None:
    doc = DATA / "links-and-tasks.md"
    out = tmp_path / "payments.toml"
    result = subprocess.run(
        [sys.executable, "-m", "golive_tui", "import", str(doc), "-o", str(out), "--with-state"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    check = subprocess.run(
        [sys.executable, "-m", "golive_tui", "validate", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0, check.stderr
    state = open_store(tmp_path / "golive-state.toml").read()
    assert {k for k, v in state.items.items() if v.status == "done"} == set(
        import_markdown(doc.read_text()).checked
    )
    again = subprocess.run(
        [sys.executable, "-m", "golive_tui", "import", str(doc), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode == 2 and "--force" in again.stderr
