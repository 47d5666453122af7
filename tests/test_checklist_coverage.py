"""`golive checklists --coverage`: how many rows of the shipped checklist a probe decides (issue 29:
at least 80 of 129)."""

from __future__ import annotations

import subprocess
import sys

from golive_tui.checklists import load_checklist
from golive_tui.probes import registry


def test_coverage_line_counts_the_probed_rows() -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "golive_tui", "checklists", "--coverage"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    items = list(load_checklist("production").items())
    probed = sum(1 for i in items if i.probe)
    assert probed >= 81 and len(items) == 129  # 81: APM/Tracing (tracing.recent-traces)
    assert f"probed {probed} of 129 rows" in shown.stdout
    assert (
        "performance     19/19  probed\n" in shown.stdout
    )  # a section without a row left to a human lists none
    assert "operational.support-handoff" in shown.stdout  # a row attested by hand is named


def test_every_probe_kind_of_the_checklist_is_registered() -> None:
    kinds = {spec.kind for item in load_checklist("production").items() for spec in item.probe}
    assert kinds <= set(registry()), kinds - set(registry())
