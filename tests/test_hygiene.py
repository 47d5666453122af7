"""Architecture rules that keep the core headless and startup fast."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "golive_tui"
CORE = ["golive_tui.cli", "golive_tui.engine", "golive_tui.state", "golive_tui.decision", "golive_tui.actions",
        "golive_tui.checklists", "golive_tui.audit", "golive_tui.views", "golive_tui.probes"]


def test_core_never_imports_textual_or_heavy_sdks() -> None:
    code = (
        "import sys, importlib\n"
        f"for name in {CORE!r}: importlib.import_module(name)\n"
        "from golive_tui.probes import registry; registry()\n"
        "bad = sorted(m for m in ('textual', 'boto3', 'botocore', 'kubernetes', 'moto') if m in sys.modules)\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"imported at load time: {result.stdout.strip()}"


def test_no_shell_true_anywhere() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.keyword) and node.arg == "shell" and not (
                isinstance(node.value, ast.Constant) and node.value.value is False
            ):
                offenders.append(f"{path}:{node.value.lineno}")
    assert offenders == []


def test_tls_verification_never_disabled_in_probes() -> None:
    offenders = []
    for path in (PACKAGE / "probes").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.keyword) and node.arg == "verify" and isinstance(node.value, ast.Constant) and node.value.value is False:
                offenders.append(f"{path}:{node.value.lineno}")
    assert offenders == [], "verify=False in a probe (read certificate dates with ssl, not by disabling verification)"
