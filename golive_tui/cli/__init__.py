"""The headless CLI (`golive …`) and the entry point of the TUI (`golive` with no command).

Every command is a thin layer over the domain core. stdout belongs to the command's
output (tables, JSON, reports); diagnostics go to stderr. Exit codes: 0 ok / GO,
1 a failure or NO-GO, 2 bad usage or input (and a record that cannot be written: disk full,
read-only, permission, a refused file or lineage), 3 probes that could not evaluate (errors
only), 4 a change queued offline: not committed, no audit number yet (`golive sync`).

The global options (`--checklist`, `--profile`, `--set`, `--state`) are accepted before
or after the subcommand, as kubectl accepts `-n` and `--context` anywhere.
"""

from __future__ import annotations

import atexit
import gc
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import click

from ..errors import GoliveError

if TYPE_CHECKING:
    from ..actor import Actor
    from ..model import Checklist, Item
    from ..profile import Profile
    from ..signoff import Trust
    from ..state import Store


@dataclass
class Env:
    """Options shared by every command; checklist/profile/state are loaded on first use."""

    checklist_path: str | None = None
    profile_path: str | None = None
    overrides: tuple[str, ...] = ()
    state_path: str | None = None
    accept_tampered: str | None = None
    _cache: dict[str, Any] = field(default_factory=dict)

    @property
    def checklist(self) -> Checklist:
        if "checklist" not in self._cache:
            from ..checklists import load_checklist

            self._cache["checklist"] = load_checklist(self.checklist_path)
        cached: Checklist = self._cache["checklist"]
        return cached

    @property
    def profile(self) -> Profile:
        if "profile" not in self._cache:
            from ..profile import load_profile

            self._cache["profile"] = load_profile(self.profile_path, self.overrides)
        cached: Profile = self._cache["profile"]
        return cached

    @property
    def store(self) -> Store:
        if "store" not in self._cache:
            from ..state import open_store, state_location

            # The profile says how to reach a shared (s3://) state and the mode of a local one.
            self._cache["store"] = open_store(
                state_location(self.state_path),
                self.profile,
                checklist=self.checklist.title,
                accept_tampered=self.accept_tampered,
            )
            OPENED.append(self._cache["store"])
            if (
                self.profile.notify.configured
            ):  # the team's channel hears of every change this command writes
                from ..notify import with_notifications

                self._cache["store"] = with_notifications(
                    self._cache["store"],
                    self.profile,
                    self.checklist,
                    self.trust(),
                    on_failure=lambda m: click.echo(f"golive: {m}", err=True),
                )
        cached: Store = self._cache["store"]
        return cached

    def trust(self, allowed_signers: str | None = None) -> Trust:
        """What approvals' signatures are checked against (`--allowed-signers`, else the
        profile)."""
        from ..signoff import Trust

        return Trust.of(self.checklist, self.profile, allowed_signers)

    def actor(self, by: str | None = None) -> Actor:
        """Who acts: the name given (`--by`), else $GOLIVE_USER, else the operator's user@host."""
        from ..actor import Actor

        return Actor.current(by)

    def item(self, key: str) -> Item:
        from ..checklists import resolve_item

        return resolve_item(self.checklist, key)


pass_env = click.make_pass_decorator(Env, ensure=True)

OPENED: list[Any] = []
"""The stores the command used: after it, their warnings (size cap) and queued changes are
reported."""
QUEUED_EXIT = 4


def after_command(code: int) -> int:
    """Say on stderr what the stores need said; exit 4 when a change was queued instead of
    committed."""
    queued: list[object] = []
    for store in OPENED:
        warning = getattr(getattr(store, "store", store), "size_warning", lambda: None)()
        if warning:
            click.echo(f"golive: warning: {warning}", err=True)
        queued += getattr(store, "queued_here", [])
        if getattr(store, "queued_here", None):
            click.echo(f"golive: {store.reason or store.location + ' unreachable'}", err=True)
            click.echo(
                f"golive: {len(store.queued_here)} change(s) QUEUED, NOT committed: no audit "
                f"number until `golive sync` commits them (exit {QUEUED_EXIT}); "
                f"{store.summary()}",
                err=True,
            )
    return QUEUED_EXIT if queued and code == 0 else code


def emit(text: str) -> None:
    click.echo(text, nl=not text.endswith("\n"))


def _setter(name: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    """Store a global option on the shared Env, wherever on the command line it was given."""

    def store(ctx: click.Context, param: click.Parameter, value: Any) -> None:
        env = ctx.ensure_object(Env)
        source = ctx.get_parameter_source(param.name or name)
        given = source is click.core.ParameterSource.COMMANDLINE
        if name == "overrides":
            if given:
                env.overrides = (*env.overrides, *value)
        elif value is not None and (given or getattr(env, name) is None):
            # An option given on the command line wins over the environment, before or after the
            # subcommand.
            setattr(env, name, value)

    return store


_GLOBAL_OPTIONS = [
    click.option(
        "--checklist",
        "checklist_path",
        envvar="GOLIVE_CHECKLIST",
        expose_value=False,
        callback=_setter("checklist_path"),
        metavar="NAME|FILE",
        help=(
            "A shipped checklist (`golive checklists`) or a TOML file (default: production; "
            "env GOLIVE_CHECKLIST)."
        ),
    ),
    click.option(
        "--profile",
        "profile_path",
        type=click.Path(dir_okay=False),
        expose_value=False,
        callback=_setter("profile_path"),
        help=(
            "Target profile TOML (default: $GOLIVE_PROFILE, ./golive-profile.toml, user "
            "config dir)."
        ),
    ),
    click.option(
        "--set",
        "overrides",
        multiple=True,
        metavar="KEY=VALUE",
        expose_value=False,
        callback=_setter("overrides"),
        help="Override a profile key for this run, e.g. --set aws.region=eu-west-1 (repeatable).",
    ),
    click.option(
        "--state",
        "state_path",
        expose_value=False,
        callback=_setter("state_path"),
        metavar="FILE|s3://…",
        help="State file or s3://bucket/key (default: $GOLIVE_STATE, else ./golive-state.toml).",
    ),
    click.option(
        "--accept-tampered",
        "accept_tampered",
        expose_value=False,
        callback=_setter("accept_tampered"),
        metavar="REASON",
        help="Write on top of a record that fails verification (the reason is recorded).",
    ),
]


def global_options(command: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(_GLOBAL_OPTIONS):
        command = option(command)
    return command


class GoliveGroup(click.Group):
    """A group whose subcommands (and their subgroups') all accept the global options too."""

    group_class = type  # subgroups are GoliveGroups as well

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        known = {p.name for p in cmd.params}
        for option in _GLOBAL_OPTIONS:
            param = option(click.Command("_")).params[0]  # a fresh Option for each command
            if param.name not in known:
                cmd.params.append(param)
        super().add_command(cmd, name)


@click.group(
    cls=GoliveGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@global_options
@click.option(
    "--read-only", is_flag=True, help="Open the TUI for an observer: nothing can be changed."
)
@click.option(
    "--monochrome", is_flag=True, help="TUI without colour (also on when NO_COLOR is set)."
)
@click.option(
    "--watch",
    metavar="DURATION",
    callback=lambda ctx, param, value: _duration(value),
    help="Cockpit: sweep every DURATION (30s, 2m) and mark what changed since the sweep before.",
)
@click.version_option(package_name="golive", message="golive %(version)s")
@click.pass_context
def cli(ctx: click.Context, read_only: bool, monochrome: bool, watch: float | None) -> None:
    """golive: drive a production go-live from the terminal.

    With no command, opens the cockpit (TUI) on the checklist and state file.
    """
    env = ctx.ensure_object(Env)
    if ctx.invoked_subcommand is None:
        open_tui(env, read_only=read_only, monochrome=monochrome, watch=watch)


def _duration(value: str | None) -> float | None:
    """`30s`, `2m`, `90` (seconds) -> seconds; at least 5 s between sweeps."""
    if value is None:
        return None
    text = value.strip().lower()
    scale = {"s": 1, "m": 60, "h": 3600}.get(text[-1:], 0)
    try:
        seconds = float(text[:-1] if scale else text) * (scale or 1)
    except ValueError:
        raise click.BadParameter(
            f"{value!r}: a duration like 30s, 2m or 90", param_hint="--watch"
        ) from None
    if seconds < 5:
        raise click.BadParameter(f"{value!r}: at least 5s between sweeps", param_hint="--watch")
    return seconds


def open_tui(
    env: Env, *, read_only: bool = False, monochrome: bool = False, watch: float | None = None
) -> None:
    """The cockpit: its first frame is drawn before the checklist, profile and state are
    validated."""
    import os

    from ..tui.app import run_cockpit

    code, message = run_cockpit(
        checklist=env.checklist_path,
        profile=env.profile_path,
        overrides=env.overrides,
        state=env.state_path,
        read_only=read_only,
        watch=watch,
        monochrome=monochrome or bool(os.environ.get("NO_COLOR")),
    )
    if message:
        click.echo(message, err=True)
    if code:
        sys.exit(code)


def main() -> None:
    """Console entry point: user-facing errors in one line on stderr, exit 2."""
    # Registered first, so it runs after every other exit handler: the interpreter's last
    # collections at exit walk the whole heap (kubernetes' models, botocore's service models),
    # 0.4-0.5 s after a `golive run` had printed its results (bench/seed_by_hand.py). Frozen,
    # the heap is freed by reference counts alone; what remains is cyclic garbage the process
    # is about to hand back to the kernel anyway. Buffered output and files are unaffected.
    atexit.register(gc.freeze)
    try:
        try:
            code = cli.main(standalone_mode=False)
        except (
            SystemExit
        ) as exc:  # a command's own exit code (status: 1 for NO-GO) still gets the stores' warnings
            code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
            if not isinstance(exc.code, (int, type(None))):
                click.echo(exc.code, err=True)
        code = after_command(code if isinstance(code, int) else 0)
        if code:
            sys.exit(code)
    except GoliveError as exc:
        from ..text import safe_line

        click.echo(f"golive: error: {safe_line(exc)}", err=True)
        sys.exit(after_command(exc.exit_code))
    except OSError as exc:  # a disk or file fault nothing above named: still one line, never exit 1
        from ..text import safe_line

        click.echo(
            f"golive: error: {safe_line(exc.filename or '')}: {exc.strerror or exc}; the "
            "command stopped here (a write that failed leaves the file as it was)",
            err=True,
        )
        sys.exit(2)
    except click.exceptions.Exit as exc:
        sys.exit(after_command(exc.exit_code))
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)


# Registering the commands (each module adds its own to `cli`).
from . import files, inspect, maintain, probe, record, review, secret, serving, setup  # noqa: E402,F401

if __name__ == "__main__":
    main()
