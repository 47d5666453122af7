"""Probing headless: `golive run`."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import TYPE_CHECKING

import click

from ..errors import GoliveError
from . import Env, cli, emit, pass_env

if TYPE_CHECKING:
    from ..engine import ItemResult

FORMATS_RUN = ("table", "json", "markdown", "html", "junit")


@cli.command()
@click.option(
    "--section",
    "sections",
    multiple=True,
    help="Only this section (id or dotted path; repeatable).",
)
@click.option("--item", "item_ids", multiple=True, help="Only this item (repeatable).")
@click.option(
    "--filter",
    "expression",
    metavar="EXPR",
    help="Only items matching the cockpit's filter language, e.g. 'verdict:error,fail owner:dba'.",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS_RUN), default="table", show_default=True)
@click.option(
    "--yes", is_flag=True, help="Confirm probes that page a human (PagerDuty test event)."
)
@click.option(
    "--concurrency", type=int, help="Probes at once (default: profile run.concurrency, 32)."
)
@click.option("--timeout", type=float, help="Seconds per probe (default: profile run.timeout, 10).")
@click.option("--no-save", is_flag=True, help="Do not record the results in the state file.")
@click.option("--by")
@click.option(
    "--notify-summary",
    is_flag=True,
    help="Post this sweep's summary to the team's channel ([notify] in the profile).",
)
@pass_env
def run(
    env: Env,
    sections: tuple[str, ...],
    item_ids: tuple[str, ...],
    expression: str | None,
    fmt: str,
    yes: bool,
    concurrency: int | None,
    timeout: float | None,
    no_save: bool,
    by: str | None,
    notify_summary: bool = False,
) -> None:
    """Run probes headless and record the results (exit 0 pass, 1 any fail, 3 errors only)."""
    from .. import actions
    from ..engine import run_sync
    from ..selection import filter_items, select_items
    from ..views import run_record, run_table

    items = select_items(env.checklist, sections, item_ids)
    actor = env.actor(by)
    if expression:
        items = filter_items(items, expression, env.store.read(), actor.now())
    probed = [i for i in items if i.probe]
    if not probed:
        raise GoliveError("no item with a probe in the selection")
    # Read first: an unreadable state file fails before probing; the last run's times order this.
    last = {} if no_save else env.store.read().probe_seconds()
    profile = env.profile
    outcomes = run_sync(
        profile,
        probed,
        confirmed=yes,
        concurrency=concurrency,
        timeout=timeout,
        clock=actor.clock,
        last_seconds=last,
    )
    order = {item.key: n for n, item in enumerate(probed)}
    outcomes.sort(key=lambda o: order[o.item.key])
    if not no_save:
        actions.record_results(env.store, outcomes, actor=actor)
    if notify_summary:
        _post_summary(env, outcomes, actor.now())
    if fmt == "table":
        emit(run_table(outcomes))
    elif fmt == "json":
        emit(json.dumps(run_record(outcomes), indent=2, default=str))
    else:
        from ..report import render

        state = env.store.read()
        emit(
            render(
                fmt, env.checklist, state, profile, actor.now(), only={o.item.key for o in outcomes}
            )
        )
    if (
        fmt != "table"
    ):  # the table says it in its last lines; other formats keep stdout to their own syntax
        from ..views import run_unreachable

        for finding in run_unreachable(outcomes):
            click.echo(f"golive run: {finding.line()}", err=True)
    verdicts = {o.result.verdict.value for o in outcomes}
    if "fail" in verdicts:
        sys.exit(1)
    if "error" in verdicts:
        sys.exit(3)


def _post_summary(env: Env, outcomes: list[ItemResult], now: datetime) -> None:
    """`--notify-summary`: the sweep in a few lines on the team's channel."""
    from collections import Counter

    from ..decision import decide
    from ..notify.events import sweep_summary
    from ..notify.hooks import notifier_of

    notifier = notifier_of(env.store)
    if notifier is None:
        click.echo(
            "golive: --notify-summary: no channel configured (profile [notify] "
            "slack_webhook_secret or webhook_secret)",
            err=True,
        )
        return
    counts = Counter(o.result.verdict.value for o in outcomes)
    decision = decide(env.checklist, env.store.read(), now, env.trust())
    notifier.submit(sweep_summary(env.checklist, dict(counts), decision, now))
