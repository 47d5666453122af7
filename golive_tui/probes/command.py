"""The `command` kind: runs a local program — never in the shipped checklist.

Kept for teams' own checklists (a check only a local tool can make), under three rules:
the program must be named in the operator's profile (`run.allowed_commands`), because a
checklist is data others write; an argv list, never a shell; and the probe's deadline,
after which the whole process group is killed. The output tail is the evidence. Checks
the seed runs inside a pod (`kubectl exec … npx prisma migrate status`) use the
Kubernetes exec API instead; dependency scanning reads a report (`deps.report`).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
from pathlib import Path

from pydantic import Field

from .base import (
    NotConfigured,
    ProbeContext,
    ProbeError,
    ProbeParams,
    ProbeResult,
    failed,
    passed,
    probe,
)


class CommandParams(ProbeParams):
    argv: list[str] = Field(min_length=1)
    cwd: str = ""
    expect_exit: int = 0
    pattern: str = ""
    """A regex the output must contain (e.g. `Database schema is up to date`)."""
    env: dict[str, str] = Field(default_factory=dict)


@probe("command", CommandParams)
def run_command(ctx: ProbeContext, params: CommandParams) -> ProbeResult:
    """Run a local program the profile allows (no shell) and check its exit code and output."""
    program = params.argv[0]
    allowed = ctx.profile.run.allowed_commands
    if program not in allowed and Path(program).name not in allowed:
        raise NotConfigured(
            f"runs a local program ({program}): allow it in the profile's run.allowed_commands to "
            "run it here"
        )
    cwd = Path(params.cwd).expanduser() if params.cwd else Path.cwd()
    if not cwd.is_dir():
        raise ProbeError(f"working directory not found: {cwd}")
    try:
        proc = subprocess.Popen(
            params.argv,
            cwd=cwd,
            env={**os.environ, **params.env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
    except FileNotFoundError:
        raise ProbeError(f"command not found: {program}") from None
    except PermissionError:
        raise ProbeError(f"not executable: {program}") from None
    try:
        output, _ = proc.communicate(timeout=ctx.remaining())
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise ProbeError(f"{' '.join(params.argv)} timed out after {ctx.timeout:g}s") from None
    tail = "\n".join(output.rstrip().splitlines()[-20:])
    shown = " ".join(params.argv)
    evidence = f"$ {shown}  (in {cwd}, exit {proc.returncode})\n{tail}"
    if proc.returncode != params.expect_exit:
        return failed(f"{shown} exited {proc.returncode} (expected {params.expect_exit})", evidence)
    if params.pattern and not re.search(params.pattern, output):
        return failed(f"{shown}: output lacks /{params.pattern}/", evidence)
    return passed(f"{shown} exited {proc.returncode}", evidence)
