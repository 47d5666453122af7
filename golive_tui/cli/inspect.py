"""Reading the record: validate, show, status, audit (and audit verify)."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import TYPE_CHECKING, cast

import click

from . import Env, cli, emit, pass_env

if TYPE_CHECKING:
    from ..state import State, StateStore


@cli.command()
@click.argument("checklist", required=False)
@pass_env
def validate(env: Env, checklist: str | None) -> None:
    """Check a checklist (and the profile) for errors; exit 2 naming file, line and key."""
    from ..checklists import gate_warnings, load_checklist
    from ..locations import locate

    path = locate(checklist or env.checklist_path)
    loaded = load_checklist(path)
    env.profile  # noqa: B018 - validating the profile is part of validate
    items = list(loaded.items())
    probed = sum(1 for i in items if i.probe)
    click.echo(
        f"{path}: ok — {len(loaded.section)} sections, {len(items)} items "
        f"({probed} with probes, {sum(1 for i in items if i.priority == 'P1')} P1), "
        f"{len(loaded.approval)} approvals, {len(loaded.criterion)} go/no-go criteria"
    )
    for warning in gate_warnings(loaded):
        click.echo(f"{path}: warning: {warning}", err=True)


@cli.command()
@click.argument("item_id")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@pass_env
def show(env: Env, item_id: str, fmt: str) -> None:
    """Show one item: description, owner, probes, status, evidence, runbook."""
    from ..views import item_record, item_text

    item = env.item(item_id)
    state = env.store.read()
    now = env.actor().now()
    # The runbook filled in as the item screen fills it: a command copied from here runs against the
    # target.
    if fmt == "json":
        emit(
            json.dumps(
                item_record(env.checklist, item, state, now, env.profile), indent=2, default=str
            )
        )
    else:
        emit(item_text(env.checklist, item, state, now, env.profile))


@cli.command()
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.option("--no-gate", is_flag=True, help="Exit 0 even on NO-GO.")
@click.option(
    "--filter",
    "expression",
    metavar="EXPR",
    help="Also list the items matching the cockpit's filter language, e.g. 'status:failed'.",
)
@pass_env
def status(env: Env, fmt: str, no_gate: bool, expression: str | None) -> None:
    """Progress per section, counts by status, and GO / NO-GO (exit 0 GO, 1 NO-GO)."""
    from ..views import status_record, status_table

    state = env.store.read()
    now = env.actor().now()
    record = status_record(env.checklist, env.profile, state, now, store=env.store)
    matched = _matching(env, state, now, expression) if expression else None
    if fmt == "json":
        if matched is not None:
            record["filter"] = {"expression": expression, "items": [key for key, _ in matched]}
        emit(json.dumps(record, indent=2, default=str))
    else:
        lines = (
            ["", f"ITEMS matching {expression!r}: {len(matched)}", *(line for _, line in matched)]
            if matched is not None
            else []
        )
        emit("\n".join([status_table(record), *lines]))
    if not record["decision"]["go"] and not no_gate:
        sys.exit(1)


def _matching(env: Env, state: State, now: datetime, expression: str) -> list[tuple[str, str]]:
    """(key, one line) for each item the filter lets through: status, verdict, id, title."""
    from ..decision import outcome
    from ..selection import filter_items
    from ..text import safe_line, shorten
    from ..vocab import term

    lines = []
    for item in filter_items(env.checklist.items(), expression, state, now):
        istate = state.item(item.key)
        verdict = str(term(istate.probe.verdict)) if istate.probe else ""
        lines.append(
            (
                item.key,
                f"  {str(term(outcome(item, istate, now).state)):<10} {verdict:<12} {item.key}  "
                f"{safe_line(shorten(item.title, 60))}",
            )
        )
    return lines


@cli.group(invoke_without_command=True)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.option("--item", "item_id", help="Only the history of this item.")
@click.pass_context
def audit(ctx: click.Context, fmt: str, item_id: str | None) -> None:
    """List the change history (newest last); `golive audit verify` checks it."""
    if ctx.invoked_subcommand is not None:
        return
    from ..views import audit_lines

    env: Env = ctx.ensure_object(Env)
    entries = env.store.read().audit
    if item_id:
        key = env.item(item_id).key
        entries = [e for e in entries if e.target == f"item:{key}"]
    if fmt == "json":
        emit(json.dumps([e.model_dump() for e in entries], indent=2, default=str))
        return
    for line in audit_lines(entries):
        click.echo(line)


@audit.command("verify")
@click.option(
    "--allowed-signers",
    type=click.Path(dir_okay=False),
    help=(
        "Check signed approvals against this allowed-signers file (default: profile "
        "signoff.allowed_signers)."
    ),
)
@click.option(
    "--full",
    is_flag=True,
    help="Replay the whole chain, not only what no golive of yours verified before.",
)
@pass_env
def audit_verify(env: Env, allowed_signers: str | None, full: bool = False) -> None:
    """Check the hash chain, that replaying it gives the stored state, and every signed approval;
    exit 1 if not."""
    from ..signoff import verify_signatures
    from ..state import verified, verify
    from ..state.lineage import LineageError

    verified.RECALL = not full
    where = env.store.path or env.store.location
    try:
        state = env.store.read()
    except LineageError as exc:  # not the record expected here: say so, then inspect what is there
        click.echo(f"golive: {exc}", err=True)
        state = env.store.read_unchecked()
        lineage_exit = 1
    else:
        lineage_exit = 0
    report = verify(state)
    if (
        state.archive and env.store.path is not None
    ):  # archived history: every segment is read and checked too
        from ..state.archive import verify_history

        report = verify_history(state, env.store.path.parent)
    if not report.ok:
        click.echo(f"{where}: TAMPERED — {report.problem}", err=True)
        sys.exit(1)
    trust = env.trust(allowed_signers)
    signed, problem, _seq = verify_signatures(env.checklist, state, trust)
    if problem:
        click.echo(f"{where}: TAMPERED — {problem}", err=True)
        sys.exit(1)
    checked = (
        ""
        if not signed
        else f", {signed} signed approval{'s' if signed != 1 else ''} verified"
        if trust.allowed_signers
        else (
            f", {signed} signed approval{'s' if signed != 1 else ''} NOT verified (no "
            "allowed-signers file)"
        )
    )
    click.echo(f"{where}: audit chain intact ({report.entries} entries{checked})")
    if lineage_exit:
        sys.exit(lineage_exit)


@audit.command("archive")
@click.option("--yes", is_flag=True, help="Archive without asking.")
@pass_env
def audit_archive(env: Env, yes: bool) -> None:
    """Move old history into a hash-linked segment file next to the record (`audit verify` still
    checks it)."""
    from ..state.archive import archive, boundary

    store = env.store
    state = store.read()
    upto = boundary(state)
    if not yes and not click.confirm(
        f"Move entries up to #{upto} of {store.location} into a segment file?", default=False
    ):
        raise click.exceptions.Exit(1)
    # archive() refuses a store without a local path; one with a path is a StateStore (or the
    # notifying one, which delegates to it).
    done = archive(cast("StateStore", store), env.actor())
    click.echo(
        f"{done.segment}: {done.entries} entries archived; {done.kept} in the record "
        f"({done.before / 1024:.0f} KB -> {done.after / 1024:.0f} KB)"
    )
