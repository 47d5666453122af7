"""`golive import`: a Markdown checklist becomes a valid golive checklist (markdown-it-py tokens)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from datetime import UTC
from pathlib import Path

from markdown_it import MarkdownIt

from golive_tui.importer import import_markdown
from golive_tui.model import Checklist
from golive_tui.state import StateStore

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "tests" / "data" / "import" / "links-and-tasks.md"
SEED = REPO.parent / "shared" / "seed" / "production-checklist.md"


def test_headings_tables_tasks_and_notes() -> None:
    result = import_markdown(DOC.read_text(), source=str(DOC))
    c = result.checklist
    assert c.title == "Payments cutover"
    sections = {s.key: s for s in c.sections()}
    assert set(sections) >= {"contents", "readiness", "readiness.smoke-tests", "readiness.smoke-tests.deep-linked-heading", "tasks"}
    readiness = sections["readiness"]
    assert [i.title for i in readiness.item] == ["Ledger DB", "Card API", "Fraud rules"]  # bold and link text unwrapped
    ledger = readiness.item[0]
    assert ledger.owner == "DBA" and ledger.description == "Replica caught up" and ledger.id == "ledger-db"
    assert "Prose that explains the table" in readiness.notes and "plain bullet" not in " ".join(i.title for i in c.items())
    smoke = sections["readiness.smoke-tests"]
    assert [i.title for i in smoke.item] == ["Pay with a test card", "Refund a test payment", "Refund shows in the ledger",
                                             "Customer receives the email"]
    assert "curl -s https://payments.example/health" in smoke.runbook
    assert [i.title for i in sections["readiness.smoke-tests.deep-linked-heading"].item] == ["Item at depth four"]
    # A task list under a numbered table of contents is still items; the TOC links are not.
    assert [i.title for i in sections["contents"].item] == ["Freeze the release branch", "Book the war room"]
    assert sorted(result.checked) == ["contents.book-the-war-room", "readiness.smoke-tests.customer-receives-the-email",
                                      "readiness.smoke-tests.refund-a-test-payment"]


def test_ids_are_unique_and_emoji_free() -> None:
    c = import_markdown(DOC.read_text() + "\n## Tasks\n\n- [ ] Freeze the release branch\n").checklist
    keys = [i.key for i in c.items()]
    assert len(keys) == len(set(keys))
    assert "tasks-2.freeze-the-release-branch" in keys
    assert not any(":" in k for k in keys)


def test_importing_the_seed_yields_every_shipped_item() -> None:
    imported = import_markdown(SEED.read_text(), source=str(SEED)).checklist
    shipped = Checklist.model_validate(tomllib.loads((REPO / "checklists" / "production.toml").read_text()))
    imported_titles = {(s.title, i.title) for s in imported.sections() for i in s.item}
    for section in shipped.sections():
        for item in section.item:
            assert (section.title, item.title) in imported_titles, (section.title, item.title)
    baseline = next(s for s in imported.sections() if s.title == "Baseline Requirements")
    p95 = next(i for i in baseline.item if i.title == "API Response Time (p95)")
    assert (p95.metric.target.op, p95.metric.target.value, p95.metric.target.unit) == ("<", 200.0, "ms")
    assert p95.metric.acceptable.value == 500.0


def test_round_trip_seed_import_report_parse() -> None:
    """Seed → import → markdown report → parse both → the same sections and items."""
    from datetime import datetime

    from golive_tui.profile import Profile
    from golive_tui.report import render
    from golive_tui.state_model import State

    imported = import_markdown(SEED.read_text()).checklist
    report = render("markdown", imported, State(), Profile(), datetime.now(UTC))
    md = MarkdownIt("commonmark").enable("table")

    def headings_and_first_cells(text: str) -> tuple[list[str], set[str]]:
        tokens = md.parse(text)
        heads = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
        cells = set()
        for i, t in enumerate(tokens):
            if t.type == "tr_open" and tokens[i + 1].type == "td_open":
                cells.add(tokens[i + 2].content.strip("*"))
        return heads, cells

    seed_heads, seed_cells = headings_and_first_cells(SEED.read_text())
    report_heads, report_cells = headings_and_first_cells(report)
    for section in imported.sections():
        if section.item:
            assert section.title in seed_heads and section.title in report_heads
    items_in_tables = {i.title for s in imported.sections() for i in s.item} & seed_cells
    assert items_in_tables and items_in_tables <= report_cells


def test_cli_import_with_state(tmp_path: Path) -> None:
    out = tmp_path / "payments.toml"
    result = subprocess.run([sys.executable, "-m", "golive_tui", "import", str(DOC), "-o", str(out), "--with-state"],
                            capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    check = subprocess.run([sys.executable, "-m", "golive_tui", "validate", str(out)], capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stderr
    state = StateStore(tmp_path / "golive-state.toml").read()
    assert state.item("contents.book-the-war-room").status == "done"
    again = subprocess.run([sys.executable, "-m", "golive_tui", "import", str(DOC), "-o", str(out)], capture_output=True, text=True, timeout=60)
    assert again.returncode == 2 and "--force" in again.stderr
