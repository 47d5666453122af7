"""`golive import` end to end: bad input refused (exit 2, file:line, nothing written), the default
gate (NO-GO at 0 %), `validate` warning on a checklist without a gate, `show` and every report
carrying links and fields, and import → Markdown report → import giving the same checklist."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from golive_tui import actions
from golive_tui.actor import Actor
from golive_tui.checklists import gate_warnings, load_checklist
from golive_tui.decision import decide
from golive_tui.importer import import_file, import_markdown
from golive_tui.profile import Profile
from golive_tui.report import render
from golive_tui.state import open_store

DATA = Path(__file__).resolve().parent / "data" / "import"
CORPUS = [
    "service-maturity.md",
    "checkbox-columns.md",
    "frontend-badges.md",
    "severity-levels.md",
    "nested-runbooks.md",
    "plain-bullets.md",
    "html-cells.md",
    "windows-bom-crlf.md",
    "latin1.md",
    "utf16.md",
    "links-and-tasks.md",
    "release-gates.md",
    "edge-cases.md",
]
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def golive(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, str, str]:
    """Run the CLI's real entry point in this process: (exit code, stdout, stderr)."""
    from golive_tui.cli import main

    monkeypatch.setattr(sys, "argv", ["golive", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def options(name: str) -> list[str]:
    return (
        ["--encoding", "latin-1"]
        if name == "latin1.md"
        else ["--bullets"]
        if name == "plain-bullets.md"
        else []
    )


# --- bad input -------------------------------------------------------------------------------
BAD = {
    "binary.md": (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        ":3: binary file, not Markdown text",
    ),
    "latin1.md": ((DATA / "latin1.md").read_bytes(), ":1: not UTF-8: byte 0xE8 at column 5"),
    "late-latin1.md": (
        b"# Fine\n\n- [ ] ok\n- [ ] caf\xe9\n",
        ":4: not UTF-8: byte 0xE9 at column 10",
    ),
    "odd-utf16.md": ("# Rollout\n\n- [ ] one\n".encode("utf-16") + b"\x00", ":4: not valid utf-16"),
    "empty.md": (b"", ": empty file: nothing to import"),
    "blank.md": (b"\xef\xbb\xbf \r\n\r\n", ": empty file: nothing to import"),
    "prose.md": (
        b"# Notes\n\nJust prose, no list.\n\n## More\n\nStill prose.\n",
        ": no checklist items found",
    ),
    "bullets.md": (
        (DATA / "plain-bullets.md").read_bytes(),
        "8 plain bullets; import them as items with --bullets",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_exits_2_with_file_line_and_writes_nothing(
    name: str, tmp_path: Path, capsys, monkeypatch
) -> None:
    data, message = BAD[name]
    source = tmp_path / name
    source.write_bytes(data)
    out = tmp_path / "out.toml"
    code, stdout, stderr = golive(
        capsys, monkeypatch, "import", str(source), "-o", str(out), "--with-state"
    )
    assert code == 2, stderr
    assert stderr.startswith(f"golive: error: {source}") and message in stderr, stderr
    assert stderr.count("\n") == 1 and stdout == ""  # one line, no traceback
    assert not out.exists() and not (tmp_path / "golive-state.toml").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        {name, "home"}
    )  # not even a temporary file


def test_bad_input_through_the_console_script_has_no_traceback(tmp_path: Path) -> None:
    source = tmp_path / "image.md"
    source.write_bytes(b"\x00\x01\x02binary")
    result = subprocess.run(
        [sys.executable, "-m", "golive_tui", "import", str(source)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert (
        result.stderr
        == f"golive: error: {source}:1: binary file, not Markdown text (it holds NUL bytes)\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "{tmp}/missing/dir/out.toml"], "folder {tmp}/missing/dir does not exist"),
        (["-o", "{tmp}"], "is a folder"),
        (["--encoding", "klingon"], "unknown encoding 'klingon'"),
    ],
)
def test_bad_options_exit_2(
    args: list[str], message: str, tmp_path: Path, capsys, monkeypatch
) -> None:
    args = [a.format(tmp=tmp_path) for a in args]
    code, _, stderr = golive(capsys, monkeypatch, "import", str(DATA / "links-and-tasks.md"), *args)
    assert code == 2 and message.format(tmp=tmp_path) in stderr
    assert not (tmp_path / "missing").exists()


def test_the_encoding_named_by_the_user_is_used(tmp_path: Path, capsys, monkeypatch) -> None:
    out = tmp_path / "bakery.toml"
    code, _, stderr = golive(
        capsys,
        monkeypatch,
        "import",
        str(DATA / "latin1.md"),
        "--encoding",
        "latin-1",
        "-o",
        str(out),
    )
    assert code == 0, stderr
    assert (
        "iso8859-1 (--encoding)" in stderr
        and load_checklist(out).title == "Crème brûlée bakery go-live"
    )


def test_bullets_with_nothing_to_find_still_says_so(tmp_path: Path, capsys, monkeypatch) -> None:
    prose = tmp_path / "prose.md"
    prose.write_text("# Title\n\nOnly words.\n")
    code, _, stderr = golive(capsys, monkeypatch, "import", str(prose), "--bullets")
    assert code == 2 and "not even with --bullets" in stderr


# --- never GO by default -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "gate"),
    [
        ("service-maturity.md", "All items complete"),
        ("severity-levels.md", "All P1 items complete"),
    ],
)
def test_an_imported_checklist_at_zero_percent_is_no_go(
    name: str, gate: str, tmp_path: Path, capsys, monkeypatch
) -> None:
    out = tmp_path / "imported.toml"
    code, _, stderr = golive(capsys, monkeypatch, "import", str(DATA / name), "-o", str(out))
    assert code == 0 and f"gate added: {gate}" in stderr
    code, stdout, _ = golive(
        capsys, monkeypatch, "--checklist", str(out), "--state", str(tmp_path / "s.toml"), "status"
    )
    assert code == 1
    assert "DECISION: NO-GO" in stdout and f"  - {gate}: " in stdout
    code, _, stderr = golive(capsys, monkeypatch, "validate", str(out))
    assert code == 0 and "warning" not in stderr


def test_the_p1_gate_opens_when_every_p1_item_is_done_and_not_before(tmp_path: Path) -> None:
    checklist = import_file(DATA / "severity-levels.md").checklist
    store = open_store(tmp_path / "state.toml", checklist=checklist.title)
    p1 = [i for i in checklist.items() if i.priority == "P1"]
    assert len(p1) == 4
    for item in p1[:-1]:
        actions.mark(store, item, "done", actor=Actor.current(clock=lambda: NOW))
    decision = decide(checklist, store.read(), NOW)
    assert not decision.go and decision.reasons == [
        f"All P1 items complete: {p1[-1].key} (pending)"
    ]
    actions.mark(
        store,
        p1[-1],
        "n/a",
        note="the deploy key is retired",
        actor=Actor.current(clock=lambda: NOW),
    )
    assert decide(
        checklist, store.read(), NOW
    ).go  # P2 and P3 items still pending: the gate is P1 only


def test_all_complete_rule_counts_every_item(tmp_path: Path) -> None:
    checklist = import_file(DATA / "checkbox-columns.md").checklist
    assert [(c.rule, c.priority) for c in checklist.criterion] == [("all-complete", None)]
    store = open_store(tmp_path / "state.toml", checklist=checklist.title)
    items = list(checklist.items())
    for item in items[1:]:
        actions.mark(store, item, "done", actor=Actor.current(clock=lambda: NOW))
    result = decide(checklist, store.read(), NOW).criteria[0]
    assert (result.met, result.blockers) == (False, [f"{items[0].key} (pending)"])
    actions.waive(
        store,
        items[0],
        reason="done by hand",
        until=datetime(2027, 1, 1, tzinfo=UTC),
        actor=Actor.current(clock=lambda: NOW),
    )
    assert decide(checklist, store.read(), NOW).go


def test_a_document_with_its_own_sign_off_keeps_it_as_the_gate() -> None:
    result = import_file(DATA / "release-gates.md")
    assert result.gate == "" and not result.checklist.criterion
    assert [a.role for a in result.checklist.approval] == ["Release Manager", "Head of Payments"]
    assert not decide(result.checklist, open_store(Path("state.toml")).read(), NOW).go


def test_validate_warns_on_a_checklist_without_a_gate(tmp_path: Path, capsys, monkeypatch) -> None:
    toml = import_file(DATA / "checkbox-columns.md").checklist_toml
    ungated = tmp_path / "ungated.toml"
    ungated.write_text(
        toml.replace(
            'criterion = [\n    { id = "all-items-complete", title = "All items complete", '
            'rule = "all-complete" },\n]\n',
            "",
        )
    )
    assert "criterion = [" not in ungated.read_text()
    code, stdout, stderr = golive(capsys, monkeypatch, "validate", str(ungated))
    assert code == 0 and ": ok —" in stdout
    assert stderr == (
        f"{ungated}: warning: no go/no-go gate: no "
        "approval and no criterion that needs items done, "
        "so `golive status` says GO with nothing done; "
        'add a [[criterion]] with rule = "all-complete" '
        '(or "priority-complete") or [[approval]] roles\n'
    )
    vacuous = tmp_path / "vacuous.toml"
    vacuous.write_text(
        toml.replace('rule = "all-complete"', 'rule = "priority-complete", priority = "P1"')
    )
    assert gate_warnings(load_checklist(vacuous)) == [
        "criterion 'all-items-complete' (priority-complete) covers no item: it is always met",
        gate_warnings(load_checklist(ungated))[0],
    ]
    assert (
        gate_warnings(load_checklist(None)) == []
    )  # the shipped checklist has criteria and approvals


# --- links and fields everywhere ------------------------------------------------------------------
def test_show_and_reports_carry_links_and_fields(tmp_path: Path, capsys, monkeypatch) -> None:
    out = tmp_path / "maturity.toml"
    golive(capsys, monkeypatch, "import", str(DATA / "service-maturity.md"), "-o", str(out))
    base = ["--checklist", str(out), "--state", str(tmp_path / "s.toml")]
    code, text, _ = golive(capsys, monkeypatch, *base, "show", "levels.graceful-shutdown")
    assert code == 0
    assert "  Level B: :white_check_mark:\n  Level A: :white_check_mark:\n" in text
    assert "  link: Graceful shutdown <https://learnk8s.io/graceful-shutdown>" in text
    code, raw, _ = golive(
        capsys, monkeypatch, *base, "show", "levels.graceful-shutdown", "--format", "json"
    )
    shown = json.loads(raw)
    assert shown["links"] == [
        {"name": "Graceful shutdown", "url": "https://learnk8s.io/graceful-shutdown"}
    ]
    assert shown["fields"] == {"Level B": ":white_check_mark:", "Level A": ":white_check_mark:"}
    checklist = load_checklist(out)
    state = open_store(tmp_path / "s.toml").read()
    report = json.loads(render("json", checklist, state, Profile(), NOW))
    item = next(i for i in report["items"] if i["id"] == "levels.graceful-shutdown")
    assert (item["links"], item["fields"]) == (shown["links"], shown["fields"])
    html = render("html", checklist, state, Profile(), NOW)
    assert '<a href="https://learnk8s.io/graceful-shutdown">Graceful shutdown</a>' in html
    assert "<small>Level A: :white_check_mark:</small>" in html
    markdown = render("markdown", checklist, state, Profile(), NOW)
    assert (
        "| **[Graceful shutdown](https://learnk8s.io/graceful-shutdown)** "
        "| SIGTERM drains in-flight requests. |" in markdown
    )


def test_show_keeps_sub_bullets_on_their_own_indented_lines(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    out = tmp_path / "orders.toml"
    golive(capsys, monkeypatch, "import", str(DATA / "nested-runbooks.md"), "-o", str(out))
    code, text, _ = golive(
        capsys,
        monkeypatch,
        "--checklist",
        str(out),
        "--state",
        str(tmp_path / "s.toml"),
        "show",
        "readiness.kill-switch-tested",
    )
    assert code == 0
    assert text.startswith(
        "readiness.kill-switch-tested  [P2]\n"
        "  Kill switch tested — Part of: Feature flags default to off\n"
        "    - flip it in staging while the load test runs\n  owner: \n"
    )


def test_a_hostile_link_is_no_anchor_and_no_escape_reaches_the_terminal(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    doc = tmp_path / "hostile.md"
    doc.write_text(
        '# H\n\n- [ ] Read <a href="javascript:alert(1)">this</a> '
        "and [th\x1bat](https://ok.example/)\n"
        "\n| Item | Note\x1b]0;owned\x07 |\n| --- | --- |\n| Row | x\x1b[31m |\n"
    )
    result = import_file(doc)
    html = render("html", result.checklist, open_store(tmp_path / "s.toml").read(), Profile(), NOW)
    assert "this (javascript:alert(1))" in html and 'href="javascript' not in html
    assert '<a href="https://ok.example/">th␛at</a>' in html
    out = tmp_path / "h.toml"
    out.write_text(result.checklist_toml)
    shown = {}
    for key in result.checklist.item_map():
        code, shown[key], _ = golive(
            capsys,
            monkeypatch,
            "--checklist",
            str(out),
            "--state",
            str(tmp_path / "s.toml"),
            "show",
            key,
        )
        assert code == 0
    assert "  link: th␛at <https://ok.example/>" in next(
        text for key, text in shown.items() if key != "h.row"
    )
    assert "  Note␛]0;owned␇: x␛[31m" in shown["h.row"]


# --- round trip ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", CORPUS)
def test_import_report_import_gives_the_same_checklist(name: str, tmp_path: Path) -> None:
    first = import_file(
        DATA / name,
        **({"encoding": "latin-1"} if name == "latin1.md" else {}),
        bullets=name == "plain-bullets.md",
    )
    checklist = first.checklist
    store = open_store(tmp_path / "state.toml", checklist=checklist.title)
    items = checklist.item_map()
    for key in first.checked:
        actions.mark(store, items[key], "done", actor=Actor.current(clock=lambda: NOW))
    report = render("markdown", checklist, store.read(), Profile(), NOW)
    second = import_markdown(report)

    def items_of(result) -> list[tuple]:
        return [
            (
                i.key,
                i.title,
                i.priority,
                i.owner,
                " ".join(i.description.split()),
                i.fields,
                [(link.name, link.url) for link in i.links],
            )
            for i in result.checklist.items()
        ]

    assert items_of(second) == items_of(first)
    assert (
        second.checklist.criterion == checklist.criterion
    )  # the gate is read back, not added twice
    assert sorted(second.checked) == sorted(first.checked)
