"""Setting up: `golive init` (a profile from what it sees), `golive doctor` (the profile against
reality), `golive checklists`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import GoliveError
from . import Env, cli, emit, pass_env

if TYPE_CHECKING:
    from ..model import Checklist


@cli.command()
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False),
    default="golive-profile.toml",
    show_default=True,
    help="Where to write the profile (the first place golive looks after $GOLIVE_PROFILE).",
)
@click.option(
    "--context",
    "context",
    metavar="NAME",
    help="kubeconfig context to read (default: the current one).",
)
@click.option(
    "--namespace", "-n", metavar="NS", help="The application's namespace (default: the context's)."
)
@click.option("--no-aws", is_flag=True, help="Read only Kubernetes, not AWS.")
@click.option("--dry-run", is_flag=True, help="Print the profile instead of writing it.")
@click.option(
    "--force", is_flag=True, help="Overwrite an existing profile (the old one is kept as .bak)."
)
@click.option(
    "--yes",
    "-y",
    is_flag=True,
    help="Unattended: ask nothing; keys with several candidates stay commented out.",
)
@pass_env
def init(
    env: Env,
    output: str,
    context: str | None,
    namespace: str | None,
    no_aws: bool,
    dry_run: bool,
    force: bool,
    yes: bool,
) -> None:
    """Write a commented target profile from what the kubeconfig and the AWS credentials can see.

    Every value found says where it came from; every value not found is written commented out
    with what to put there. Reads only; never writes a secret.
    """
    from ..setup import init as setup_init

    target = Path(output)
    if target.exists() and not (
        force or dry_run
    ):  # before reading anything: the answer would be thrown away
        raise GoliveError(
            f"{target} exists: pass --force to overwrite it (the old file is kept as "
            f"{target.name}.bak), or --dry-run to print the new profile"
        )
    overrides = env.overrides + ((f"kubernetes.context={_quoted(context)}",) if context else ())
    profile = setup_init.base_profile(env.profile_path, overrides)
    interactive = not yes and sys.stdin.isatty()
    if not yes and not interactive and not dry_run:
        raise GoliveError(
            "golive init asks before it writes: run it in a terminal, or pass --yes (or --dry-run)"
        )

    def choose(key: str, candidates: list[str]) -> str | None:
        if not interactive or not candidates:
            return None
        click.echo(
            f"{key}: several candidates — "
            + ", ".join(f"[{n}] {c}" for n, c in enumerate(candidates, 1)),
            err=True,
        )
        picked = click.prompt(
            "which one (0: leave it commented out)",
            type=click.IntRange(0, len(candidates)),
            default=0,
            err=True,
        )
        return candidates[picked - 1] if picked else None

    click.echo(
        "golive init: reading the kubeconfig" + ("" if no_aws else " and AWS") + " …", err=True
    )
    draft = setup_init.discover(profile, choose, namespace=namespace or "", aws=not no_aws)
    text = setup_init.render(draft)
    found, missing = setup_init.summary(draft)
    if dry_run:
        emit(text)
        click.echo(
            f"golive init: {len(found)} keys found, {len(missing)} left commented out (dry "
            "run: nothing written)",
            err=True,
        )
        return
    if interactive and not click.confirm(
        f"{len(found)} keys found, {len(missing)} left commented out. Write {target}?",
        default=True,
        err=True,
    ):
        raise click.exceptions.Exit(1)
    setup_init.write(text, target, force=force)
    click.echo(
        f"wrote {target}: {len(found)} keys found, {len(missing)} left commented out — "
        "review it, then `golive doctor` and `golive run`",
        err=True,
    )


def _quoted(value: str) -> str:
    import json

    return json.dumps(
        value
    )  # a TOML string, whatever the context name holds (ARNs have ':' and '/')


@cli.command()
@click.option(
    "--deadline",
    type=click.FloatRange(0.5, 60),
    default=1.8,
    show_default=True,
    help="Seconds for all checks together; a check still waiting then is reported as failing.",
)
@pass_env
def doctor(env: Env, deadline: float) -> None:
    """Check the profile against reality in under two seconds: one line per check with a fix (exit 1
    if any fails)."""
    import time

    from ..setup.doctor import run_checks

    started = time.monotonic()
    profile = env.profile
    click.echo(f"profile: {profile.source}")
    checks = run_checks(profile, deadline)
    for check in checks:
        click.echo(check.line())
    failed = [c.name for c in checks if not c.ok]
    click.echo(
        (
            f"{len(checks) - len(failed)}/{len(checks)} checks passed in "
            f"{time.monotonic() - started:.1f} s"
        )
        + (f"; failing: {', '.join(failed)}" if failed else "")
    )
    if failed:
        sys.exit(1)


@cli.command("checklists")
@click.option(
    "--coverage",
    is_flag=True,
    help="Also print, per section, how many rows a probe decides and which are attested by hand.",
)
def checklists_cmd(coverage: bool = False) -> None:
    """List the shipped checklists (use one with --checklist NAME)."""
    from ..checklists import load_checklist
    from ..locations import shipped

    for name, path in shipped().items():
        checklist = load_checklist(path)
        items = list(checklist.items())
        click.echo(
            f"{name:<14} {checklist.title} — {len(checklist.section)} sections, {len(items)} items "
            f"({sum(1 for i in items if i.probe)} probed)"
        )
        if coverage:
            for line in coverage_lines(checklist):
                click.echo(line)


def coverage_lines(checklist: Checklist) -> list[str]:
    """`probed N of M rows`, then per top section its probed count and the rows left to a human."""
    items = list(checklist.items())
    probed = sum(1 for i in items if i.probe)
    lines = [
        f"  probed {probed} of {len(items)} rows ({100 * probed / max(1, len(items)):.0f} %); "
        f"{len(items) - probed} attested by hand"
    ]
    for section in checklist.section:
        mine = [i for i in items if i.key.split(".", 1)[0] == section.id]
        by_hand = [i.key.split(".", 1)[1] for i in mine if not i.probe]
        lines.append(
            f"    {section.id:<14} {sum(1 for i in mine if i.probe):>3}/{len(mine):<3} probed"
            + (f"; by hand: {', '.join(by_hand)}" if by_hand else "")
        )
    return lines
