"""Looking after the record itself: `golive restore` (the last good copy) and `golive sync` (shared
state)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

import click

from ..errors import GoliveError, LoadError
from ..text import safe_line
from . import Env, cli, pass_env

if TYPE_CHECKING:
    from ..model import Checklist
    from ..state import StateStore


def describe_document(path: Path, checklist: Checklist) -> str:
    """One line on what a state document holds: entries, last change, verification, progress."""
    from ..decision import progress
    from ..state import verify
    from ..state.codec import Codec

    if not path.exists():
        return "missing"
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return f"unreadable ({exc})"
    if not text.strip():
        return f"empty ({len(text)} bytes)"
    try:
        state = Codec().loads(path, text)
    except LoadError as exc:
        return f"does not parse: {exc.message}" + (f" (line {exc.line})" if exc.line else "")
    report = verify(state)
    last = state.audit[-1] if state.audit else None
    done = progress(list(checklist.items()), state, last.at) if last else None
    parts = [f"{len(state.audit)} audit entries"]
    if last is not None:
        parts.append(
            f"last #{last.seq} {last.at:%Y-%m-%d %H:%M} UTC by {last.by} ({last.action} "
            f"{last.target})"
        )
    if done is not None:
        parts.append(f"{done.finished}/{done.total} items finished")
    parts.append("chain intact" if report.ok else f"TAMPERED: {report.problem}")
    return safe_line(", ".join(parts))


@cli.command()
@click.option("--yes", is_flag=True, help="Restore without asking.")
@pass_env
def restore(env: Env, yes: bool) -> None:
    """Bring back the previous good copy (.bak) of a local state file, after showing what it
    holds."""
    store = env.store
    if store.path is None or store.backup is None:
        raise GoliveError(
            f"{store.location}: restore works on a local state file; an s3:// state keeps earlier "
            "copies as bucket versions (aws s3api list-object-versions)"
        )
    if not store.backup.exists():
        raise GoliveError(f"{store.backup}: there is no previous copy to restore")
    click.echo(f"current: {store.path}: {describe_document(store.path, env.checklist)}")
    click.echo(f"backup:  {store.backup}: {describe_document(store.backup, env.checklist)}")
    if not yes and not click.confirm("Replace the current file with the backup?", default=False):
        raise click.exceptions.Exit(1)
    # A store with a local path and a .bak is a StateStore (or the notifying one, which delegates).
    kept = cast("StateStore", store).restore_backup(env.actor().now())
    click.echo(
        f"{store.path}: restored from {store.backup}"
        + (f"; the replaced file is kept as {kept}" if kept else "")
    )


@cli.command()
@click.option(
    "--keep",
    type=click.Choice(["mine", "theirs"]),
    help="Settle queued changes in conflict: push mine over theirs, or drop mine.",
)
@pass_env
def sync(env: Env, keep: str | None) -> None:
    """Push changes queued while a shared (s3://) state was unreachable; settle conflicts with
    --keep."""
    store = env.store
    report = store.resolve(keep) if keep else store.sync()
    status = store.status()
    click.echo(
        f"{store.location}: {report.pushed} pushed, {len(report.conflicts)} in conflict, "
        f"{report.remaining} still queued" + (" (offline)" if report.offline else "")
    )
    for entry in report.committed:  # the real numbers, now that they exist
        click.echo(
            f"  committed audit #{entry.seq}: {entry.action} {entry.target} by "
            f"{safe_line(entry.by)}"
        )
    for conflict in report.conflicts:
        click.echo(f"  conflict: {safe_line(conflict)}", err=True)
    if status.conflicts and not keep:
        click.echo(
            "  settle them with `golive sync --keep mine` (push yours over) or `--keep "
            "theirs` (drop yours)",
            err=True,
        )
    if report.offline and report.remaining:
        raise click.exceptions.Exit(
            4
        )  # still queued, not committed (as `mark` says when it queues)
    if report.offline or report.conflicts or status.conflicts:
        raise click.exceptions.Exit(1)


@cli.command("init-record")
@click.option(
    "--reason", required=True, help="Why a new record starts here (recorded as its first entry)."
)
@click.option("--by")
@pass_env
def init_record(env: Env, reason: str, by: str | None) -> None:
    """Start a NEW record (a new lineage) where golive expected another one: only on purpose, with a
    reason.

    golive refuses a record that vanished, shrank or is another record; this is how to start
    over instead. The record found there is kept (a local file as <name>.replaced-<time>, its
    .bak untouched; on S3 a bucket version), and the new record's first entry names the one it
    replaces.
    """
    store = env.store
    # An OfflineStore's StateStore, or the StateStore itself (the notifying one delegates).
    inner = cast("StateStore", getattr(store, "store", store))
    state, entry = inner.init_record(reason, env.actor(by))
    replaced = entry.values.get("replaces") or "nothing"
    click.echo(
        f"{store.location}: new record, lineage {state.lineage} (replaces {replaced}), audit "
        f"#{entry.seq}"
    )
