"""The staged production of `golive demo` in a child process, so its servers never share the
cockpit's GIL.

The child (`python -m golive_tui.sandbox.demo_process`) starts a DemoEnvironment, prints
one JSON line when it is ready, and runs until its stdin closes — the parent ended,
however it ended — or it is sent SIGTERM. On Linux it also gets SIGTERM when the parent
dies (PR_SET_PDEATHSIG), as the demo's Prometheus does. It stops every server before it
exits, and removes a temporary directory once its parent is gone.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any, BinaryIO, cast

READY_TIMEOUT = 240.0
"""Seconds the parent waits for the staged production (moto's first calls and Prometheus' backfill
take most)."""


class DemoFailed(RuntimeError):
    """The child could not stage the production; the message says why (with the end of its log)."""


class DemoProcess:
    """The parent's handle on the child: start it, wait until it is ready, stop it, tidy up."""

    def __init__(self, scenario: str = "degraded", directory: Path | None = None) -> None:
        self.scenario = scenario
        self.keep = directory is not None
        """True with `--dir`: the directory (state, profile, kubeconfig, credentials) stays for next
        time."""
        self.directory = (
            Path(directory).resolve()
            if directory
            else Path(tempfile.mkdtemp(prefix="golive-demo-"))
        )
        self.profile_path = self.directory / "profile.toml"
        self.state_path = self.directory / "golive-state.toml"
        self.log_path = self.directory / "demo.log"
        self.notes: list[str] = []
        self.facts: dict[str, Any] = {}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = READY_TIMEOUT) -> DemoProcess:
        if not self.directory.exists():
            self.directory.mkdir(
                parents=True, mode=0o700
            )  # it holds a token, AWS keys and the routing key
        argv = [
            sys.executable,
            "-m",
            "golive_tui.sandbox.demo_process",
            "--scenario",
            self.scenario,
            "--dir",
            str(self.directory),
            "--parent",
            str(os.getpid()),
            *([] if self.keep else ["--temporary"]),
        ]
        with open(self.log_path, "ab") as log:
            # Its own session: a terminal's Ctrl+C reaches only the cockpit, which then stops the
            # child in order.
            self.process = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                start_new_session=True,
            )
        try:
            # stdout=PIPE above: never None, though Popen types it IO[bytes] | None
            message = _read_line(self.process.stdout, timeout)  # type: ignore[arg-type]
        except BaseException:
            self.stop()
            raise
        if not message or "error" in message or not message.get("ready"):
            self.stop(remove=False)
            reason = message.get("error") if message else "it exited before it was ready"
            tail = (
                self.log_path.read_text(errors="replace")[-800:] if self.log_path.exists() else ""
            )
            self._remove()
            raise DemoFailed(
                f"the staged production did not start: {reason}" + (f"\n{tail}" if tail else "")
            )
        self.notes = list(message.get("notes", []))
        self.facts = dict(message.get("facts", {}))
        return self

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def stop(self, *, remove: bool = True) -> None:
        """Ask the child to stop (EOF on its stdin), then insist; remove a temporary directory."""
        process, self.process = self.process, None
        if process is not None:
            try:
                if process.stdin:
                    process.stdin.close()
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            finally:
                if process.stdout:
                    process.stdout.close()
        if remove:
            self._remove()

    def _remove(self) -> None:
        if not self.keep:
            shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> DemoProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _read_line(stream: BinaryIO, timeout: float) -> dict[str, Any] | None:
    """The child's one JSON line, or None if it closed its stdout; TimeoutError after `timeout`
    seconds."""
    box: list[bytes] = []
    reader = threading.Thread(target=lambda: box.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    if reader.is_alive():
        raise DemoFailed(f"the staged production was not ready after {timeout:g} s")
    line = box[0] if box else b""
    if not line.strip():
        return None
    try:
        return cast(dict[str, Any], json.loads(line))  # the child prints one JSON object (main)
    except ValueError:
        return {"error": f"unexpected output {line[:200]!r}"}


# --- the child ------------------------------------------------------------------------------------
def _parent_gone(parent: int) -> bool:
    return os.getppid() != parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="golive-demo-process", description=__doc__)
    parser.add_argument("--scenario", default="degraded", choices=["degraded", "healthy"])
    parser.add_argument("--dir", required=True, type=Path)
    parser.add_argument(
        "--parent",
        type=int,
        required=True,
        help="the cockpit's pid: the child ends when it is gone",
    )
    parser.add_argument(
        "--temporary", action="store_true", help="remove --dir once the parent is gone"
    )
    args = parser.parse_args(argv)

    from .demo import DemoEnvironment, install_signal_handlers
    from .processes import die_with_parent

    # SIGTERM / SIGHUP -> KeyboardInterrupt, so `finally` stops every server; installed before
    # PR_SET_PDEATHSIG, whose SIGTERM would otherwise end us without that `finally`.
    install_signal_handlers()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    staged: DemoEnvironment | None = None
    code = 0
    out = sys.stdout
    try:
        die_with_parent()
        sys.stdout = sys.stderr  # nothing but the one JSON line reaches the parent's pipe
        if _parent_gone(args.parent):  # it died before PR_SET_PDEATHSIG was in place
            return 1
        staged = DemoEnvironment(args.scenario, args.dir)
        staged.start()
        facts = {k: v for k, v in staged.facts.items() if isinstance(v, (str, int, float))}
        out.write(json.dumps({"ready": True, "notes": staged.notes, "facts": facts}) + "\n")
        out.flush()
        sys.stdin.buffer.read()  # until the parent closes our stdin or dies
    except KeyboardInterrupt:
        pass
    except Exception as exc:  # report it to the parent in one line; the traceback goes to the log
        import traceback

        traceback.print_exc()
        out.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\n")
        out.flush()
        code = 1
    finally:
        if staged is not None:
            staged.stop()
        if args.temporary and _parent_gone(args.parent):
            shutil.rmtree(args.dir, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
