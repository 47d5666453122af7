"""The cockpit for others: `golive serve` (a browser view) and `golive demo` (a staged
production)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import GoliveError
from . import Env, cli, pass_env

if TYPE_CHECKING:
    from filelock import BaseFileLock

    from ..sandbox.demo_process import DemoProcess


@cli.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (loopback: use an SSH tunnel).",
)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--allow-write", is_flag=True, help="Let browser users change the record (default: read-only)."
)
@pass_env
def serve(env: Env, host: str, port: int, allow_write: bool) -> None:
    """Serve the cockpit to a browser, protected by a one-time token printed at start."""
    from ..setup.extras import require

    require("serve")
    from ..serve import serve as serve_cockpit
    from ..serve import served_command
    from ..state import state_location

    env.store.read()  # refuse to start on a bad checklist, profile or state file
    command = served_command(
        checklist=env.checklist_path,
        profile=env.profile_path,
        state=state_location(env.state_path),
        overrides=env.overrides,
        allow_write=allow_write,
    )
    serve_cockpit(
        command,
        host=host,
        port=port,
        allow_write=allow_write,
        title=f"golive — {env.checklist.title}",
    )


@cli.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.option(
    "--scenario",
    type=click.Choice(["degraded", "healthy"]),
    default="degraded",
    show_default=True,
    help=(
        "degraded: a realistic mixed production (most pass, several fail); healthy: "
        "everything passes."
    ),
)
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False),
    help="Keep the demo (state, profile, kubeconfig, credentials) in DIR and resume it next time; "
    "default: a temporary folder removed on exit.",
)
@click.option(
    "--headless",
    is_flag=True,
    help="Run the golive command after `--` against the demo instead of the TUI.",
)
@click.option(
    "--no-cockpit",
    is_flag=True,
    help="Only run the staged production until Ctrl+C (open cockpits with the printed command).",
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@pass_env
def demo(
    env: Env,
    scenario: str,
    directory: str | None,
    headless: bool,
    no_cockpit: bool,
    args: tuple[str, ...],
) -> None:
    """Start a staged production on 127.0.0.1 and open golive on it (all servers stop on exit).

    The staged production runs in a child process that ends with this one. Example:
    golive demo --headless -- run --format table
    """
    from ..setup.extras import require

    require("demo")  # the child process imports moto, trustme and kubernetes-validate
    from ..sandbox.demo import install_signal_handlers
    from ..sandbox.demo_process import DemoFailed, DemoProcess

    if headless and not args:
        raise click.UsageError(
            "--headless needs a golive command after --, e.g. golive demo --headless -- run"
        )
    if args and not headless:
        raise click.UsageError(
            "a command after -- needs --headless, e.g. golive demo --headless -- status"
        )
    if env.state_path or env.profile_path:
        raise click.UsageError(
            "golive demo writes its own profile and state: use --dir DIR to keep them (and "
            "--set to override keys)"
        )
    lock = _lock_directory(Path(directory)) if directory else None
    install_signal_handlers()
    resumed = (Path(directory) / "golive-state.toml").exists() if directory else False
    click.echo(f"golive demo: starting the {scenario} staged production on 127.0.0.1 …", err=True)
    staged = DemoProcess(scenario, Path(directory) if directory else None)
    code = 0
    try:
        staged.start()
        for note in staged.notes:
            click.echo(f"golive demo: {note}", err=True)
        base = ["--profile", str(staged.profile_path), "--state", str(staged.state_path)]
        if env.checklist_path:
            base = ["--checklist", env.checklist_path, *base]
        base += [part for assignment in env.overrides for part in ("--set", assignment)]
        verb = "resuming" if resumed else "recording in"
        click.echo(
            f"golive demo: {verb} {staged.state_path}; a second cockpit on this demo: "
            f"{_golive(base)}",
            err=True,
        )
        if no_cockpit:
            click.echo("golive demo: running until Ctrl+C", err=True)
            _wait_for(staged)
        else:
            try:
                cli.main(
                    args=[*base, *(args if headless else ())],
                    standalone_mode=False,
                    prog_name="golive",
                )
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
    except DemoFailed as exc:
        raise GoliveError(str(exc)) from None
    except KeyboardInterrupt:
        code = 130 if not no_cockpit else 0
    finally:
        staged.stop()
        kept = f"; kept {staged.directory}" if staged.keep else "; its temporary folder is removed"
        click.echo(f"golive demo: every server stopped{kept}", err=True)
        if lock is not None:
            lock.release()
    sys.exit(code)


def _lock_directory(directory: Path) -> BaseFileLock:
    """One demo per directory: a second `golive demo --dir` is told how to join the running one."""
    from filelock import FileLock, Timeout

    if not directory.exists():
        directory.mkdir(
            parents=True, mode=0o700
        )  # it will hold a token, AWS keys and the routing key
    lock = FileLock(str(directory / ".demo.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        base = [
            "--profile",
            str((directory / "profile.toml").resolve()),
            "--state",
            str((directory / "golive-state.toml").resolve()),
        ]
        raise GoliveError(
            f"a demo is already running in {directory}: open a cockpit on it with {_golive(base)}"
        ) from None
    return lock


def _golive(args: list[str]) -> str:
    """The command line of this golive with `args`, as a user can paste it into another shell."""
    import os
    import shlex
    import shutil

    argv0 = os.path.abspath(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    if os.path.basename(argv0) == "golive" and os.access(argv0, os.X_OK):
        program = ["golive"] if shutil.which("golive") == argv0 else [argv0]
    else:
        program = [sys.executable, "-m", "golive_tui"]
    return shlex.join([*program, *args])


def _wait_for(staged: DemoProcess) -> None:
    process = staged.process
    if process is not None:
        process.wait()
