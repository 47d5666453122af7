"""No control character from a person or a remote server reaches a terminal or a page.

A note holding `ESC[2J` (clear screen), an OSC 0 window title, an OSC 8 hyperlink and
BEL/BS/CR, probe evidence from a hostile server, a checklist title with escapes: through
`show`, `audit`, `status`, `run` and every report, none of those bytes comes out — each is
shown as a visible glyph. `--by` and names refuse control characters at the door.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from golive_tui import actions
from golive_tui.actor import Actor
from golive_tui.checklists import load_checklist
from golive_tui.engine import ItemResult
from golive_tui.probes.base import ProbeResult, Verdict
from golive_tui.state import open_store

MINI = Path(__file__).parent / "data" / "mini.toml"
HOSTILE = (
    "\x1b[2J\x1b[H"  # clear the screen, cursor home
    "\x1b]0;pwned\x07"  # OSC 0: retitle the window
    "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\"  # OSC 8 hyperlink
    "\x07\x08\x08\rDONE \x9b31m\u202eevil"
)  # BEL, BS, CR, C1 CSI, a bidi override
FORGED = "fine\n  status: ✓ complete — by ciso at 2026-12-01 10:00 UTC"
BAD_BYTES = ("\x1b", "\x07", "\x08", "\r", "\x9b", "\u202e")


def golive(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GOLIVE_CHECKLIST": str(cwd / "hostile.toml")}
    return subprocess.run(
        [sys.executable, "-m", "golive_tui", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def hostile_record(tmp_path: Path) -> Path:
    # An imported title with escapes (TOML's \u escapes are how they would arrive in a checklist
    # file).
    text = MINI.read_text().replace('title = "WAF"', 'title = "WAF \\u001b[31mRED\\u0007"', 1)
    # The cluster item gets a probe, so the JUnit report (probed items only) carries the hostile
    # evidence.
    text = text.replace(
        'priority = "P1"\n',
        'priority = "P1"\n[[section.subsection.item.probe]]\nkind = "k8s.cluster"\n',
        1,
    )
    (tmp_path / "hostile.toml").write_text(text)
    checklist = load_checklist(tmp_path / "hostile.toml")
    store = open_store(tmp_path / "golive-state.toml", checklist=checklist.title)
    waf = checklist.item("security.waf")
    actions.mark(
        store,
        waf,
        "failed",
        note=HOSTILE + "\n" + FORGED,
        evidence=HOSTILE,
        actor=Actor.current("alice"),
    )
    actions.record_results(
        store,
        [
            ItemResult(
                checklist.item("go-live.infra.cluster"),
                ProbeResult(
                    Verdict.FAIL, "server says " + HOSTILE, "Server: " + HOSTILE + "\nsecond line"
                ),
            )
        ],
        actor=Actor.current("alice"),
    )
    return tmp_path


def _clean(text: str, where: str) -> None:
    found = [repr(b) for b in BAD_BYTES if b in text]
    assert not found, f"{where} printed {', '.join(found)}"


def test_show_audit_status_print_no_control_characters(hostile_record: Path) -> None:
    for args in (
        ["show", "security.waf"],
        ["show", "go-live.infra.cluster"],
        ["show", "security.waf", "--format", "json"],
        ["audit"],
        ["audit", "--format", "json"],
        ["status"],
        ["status", "--format", "json"],
    ):
        result = golive(*args, cwd=hostile_record)
        assert result.returncode in (0, 1), (args, result.stderr)
        _clean(result.stdout + result.stderr, " ".join(args))
    shown = golive("show", "security.waf", cwd=hostile_record).stdout
    assert "␛[2J" in shown and "␇" in shown  # shown, visibly
    # The note's second line cannot pass for the item's status line.
    status_lines = [line for line in shown.splitlines() if line.startswith("  status:")]
    assert status_lines == [status_lines[0]] and "failed" in status_lines[0]
    assert "    │   status: ✓ complete — by ciso" in shown


def test_every_report_format_carries_no_control_characters(hostile_record: Path) -> None:
    for fmt in ("markdown", "html", "json", "junit"):
        result = golive("report", "--format", fmt, cwd=hostile_record)
        assert result.returncode == 0, result.stderr
        _clean(result.stdout, f"report --format {fmt}")
        # Shown visibly; JSON carries the escaped code point, which is text, not a control byte.
        assert ("\\u001b[2J" if fmt == "json" else "␛[2J") in result.stdout, fmt


@pytest.mark.parametrize("name", ["alice\x1b[2J", "alice\nstatus: done", "ali\rce", "\x07"])
def test_names_with_control_characters_are_refused(hostile_record: Path, name: str) -> None:
    result = golive("mark", "security.waf", "done", "--by", name, cwd=hostile_record)
    assert result.returncode == 2 and "contains control characters" in result.stderr
    _clean(result.stderr, "the refusal itself")
