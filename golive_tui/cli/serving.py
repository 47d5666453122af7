"""The cockpit for others: `golive serve` (a browser view) and `golive demo` (a staged production)."""

from __future__ import annotations

import sys

import click

from ..errors import GoliveError
from . import Env, cli, pass_env


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback: use an SSH tunnel).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--allow-write", is_flag=True, help="Let browser users change the record (default: read-only).")
@pass_env
def serve(env: Env, host: str, port: int, allow_write: bool) -> None:
    """Serve the cockpit to a browser, protected by a one-time token printed at start."""
    from ..serve import serve as serve_cockpit
    from ..serve import served_command
    from ..state import state_location

    env.store.read()  # refuse to start on a bad checklist, profile or state file
    command = served_command(checklist=env.checklist_path, profile=env.profile_path,
                             state=state_location(env.state_path), overrides=env.overrides,
                             allow_write=allow_write)
    serve_cockpit(command, host=host, port=port, allow_write=allow_write, title=f"golive — {env.checklist.title}")


@cli.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.option("--scenario", type=click.Choice(["degraded", "healthy"]), default="degraded", show_default=True,
              help="degraded: a realistic mixed production (most pass, several fail); healthy: everything passes.")
@click.option("--headless", is_flag=True, help="Run the golive command after `--` against the demo instead of the TUI.")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@pass_env
def demo(env: Env, scenario: str, headless: bool, args: tuple[str, ...]) -> None:
    """Start a staged production on 127.0.0.1 and open golive on it (all servers stop on exit).

    Example: golive demo --headless -- run --format table
    """
    try:
        from ..sandbox.demo import DemoEnvironment, install_signal_handlers
    except ModuleNotFoundError as exc:  # the demo extra (moto, trustme, kubernetes-validate) is missing
        raise GoliveError(f"the demo needs the `demo` extra ({exc.name} is missing): uv sync --extra demo") from None
    if headless and not args:
        raise click.UsageError("--headless needs a golive command after --, e.g. golive demo --headless -- run")
    install_signal_handlers()
    click.echo(f"golive demo: starting the {scenario} staged production on 127.0.0.1 …", err=True)
    staged = DemoEnvironment(scenario)
    code = 0
    try:
        staged.start()
        for note in staged.notes:
            click.echo(f"golive demo: {note}", err=True)
        click.echo(f"golive demo: profile {staged.profile_path}, state {staged.state_path}", err=True)
        base = ["--profile", str(staged.profile_path), "--state", str(staged.state_path)]
        if env.checklist_path:
            base = ["--checklist", env.checklist_path, *base]
        try:
            cli.main(args=[*base, *(args if headless else ())], standalone_mode=False, prog_name="golive")
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    except KeyboardInterrupt:
        code = 130
    finally:
        staged.stop()
        click.echo("golive demo: every server stopped", err=True)
    sys.exit(code)
