"""Command probes: checks the seed runs as commands (`npx prisma migrate status`, `npm audit`).

argv list, never a shell; a timeout that kills the whole process group; the output tail
is the evidence.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
from pathlib import Path

from pydantic import Field

from .base import ProbeContext, ProbeError, ProbeParams, ProbeResult, failed, passed, probe


class CommandParams(ProbeParams):
    argv: list[str] = Field(min_length=1)
    cwd: str = ""
    expect_exit: int = 0
    pattern: str = ""
    """A regex the output must contain (e.g. `Database schema is up to date`)."""
    env: dict[str, str] = Field(default_factory=dict)


@probe("command", CommandParams)
def run_command(ctx: ProbeContext, params: CommandParams) -> ProbeResult:
    """Run a command (no shell) and check its exit code and output."""
    cwd = Path(params.cwd).expanduser() if params.cwd else Path.cwd()
    if not cwd.is_dir():
        raise ProbeError(f"working directory not found: {cwd}")
    try:
        proc = subprocess.Popen(params.argv, cwd=cwd, env={**os.environ, **params.env}, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, start_new_session=True)
    except FileNotFoundError:
        raise ProbeError(f"command not found: {params.argv[0]}") from None
    except PermissionError:
        raise ProbeError(f"not executable: {params.argv[0]}") from None
    try:
        output, _ = proc.communicate(timeout=ctx.timeout)
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
