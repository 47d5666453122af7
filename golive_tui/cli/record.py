"""Changing the record: mark, note, waive, unwaive, approve, revoke, golive."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

import click

from ..errors import GoliveError
from ..text import safe_line
from . import Env, cli, pass_env

if TYPE_CHECKING:
    from ..state import AuditEntry, Change, State

Command = TypeVar("Command", bound=Callable[..., Any])

STATUS_CHOICE = click.Choice(["pending", "done", "failed", "n/a", "blocked"])
MAX_NOTE_BYTES = 1024 * 1024
"""A note is text a person wrote; a megabyte is far more than one, and keeps the record small."""


def note_text(note: str | None, note_file: str | None) -> str | None:
    """The note from --note, --note - (standard input) or --note-file (a note longer than a command
    line holds)."""
    if note is not None and note_file is not None:
        raise click.UsageError("give --note or --note-file, not both")
    if note_file is not None:
        from ..files import read_text

        return read_text(note_file, "note file", MAX_NOTE_BYTES)
    if note == "-":
        # click 8.5 serves get_text_stream (deprecated) from a module __getattr__ typed `object`.
        stdin: TextIO = click.get_text_stream("stdin")  # type: ignore[operator]
        data = stdin.read(MAX_NOTE_BYTES + 1)
        if len(data.encode()) > MAX_NOTE_BYTES:
            raise click.UsageError(
                f"the note on standard input is longer than {MAX_NOTE_BYTES // 1024} KiB"
            )
        return data
    return note


def note_options(command: Command) -> Command:
    command = click.option(
        "--note-file",
        type=click.Path(dir_okay=False),
        help="Read the note from this file (for notes too long for a command line).",
    )(command)
    return click.option(
        "--note",
        help="Free text: what was done, by whom, where (`-`: read it from standard input).",
    )(command)


@cli.command()
@click.argument("item_id")
@click.argument("status", type=STATUS_CHOICE)
@note_options
@click.option(
    "--evidence", help="Evidence: text, a link, or a file path (its SHA-256 is recorded)."
)
@click.option(
    "--override",
    metavar="REASON",
    help="Mark done/n/a although the last probe says fail/error: why (recorded).",
)
@click.option("--by", help="Who attests (default $GOLIVE_USER, else login@host).")
@pass_env
def mark(
    env: Env,
    item_id: str,
    status: str,
    note: str | None,
    note_file: str | None,
    evidence: str | None,
    override: str | None,
    by: str | None,
) -> None:
    """Record an item's status with who, when, note and evidence."""
    from .. import actions

    item = env.item(item_id)
    note = note_text(note, note_file)
    actor = env.actor(by)
    warn_invalidated(
        env,
        lambda state: [
            actions.mark_change(item, status, actor, note=note, state=state, override=override)
        ],
    )
    entries = actions.mark(
        env.store, item, status, actor=actor, note=note, evidence=evidence, override=override
    )
    entry = entries[-1]
    click.echo(
        f"{item.key}: {status} (by {safe_line(entry.by)} at {entry.at:%Y-%m-%d %H:%M:%S} "
        f"UTC, {audit_ref(env)(entry)})"
    )


@cli.command()
@click.argument("item_id")
@note_options
@click.option("--evidence")
@click.option("--by")
@pass_env
def note(
    env: Env,
    item_id: str,
    note: str | None,
    note_file: str | None,
    evidence: str | None,
    by: str | None,
) -> None:
    """Change an item's note or evidence without changing its status."""
    from .. import actions

    note = note_text(note, note_file)
    if note is None and evidence is None:
        raise click.UsageError("give --note (or --note-file) and/or --evidence")
    item = env.item(item_id)
    entries = actions.annotate(env.store, item, actor=env.actor(by), note=note, evidence=evidence)
    click.echo(
        f"{item.key}: updated ({audit_ref(env)(entries[-1])})"
        if entries
        else f"{item.key}: unchanged"
    )


def audit_ref(env: Env) -> Callable[[AuditEntry], str]:
    """`audit #N` for a committed entry; a queued one has no number yet (it would be invented)."""
    queued = bool(getattr(env.store, "queued_here", None))
    return lambda entry: (
        "QUEUED offline, not committed: no audit number yet" if queued else f"audit #{entry.seq}"
    )


def warn_invalidated(env: Env, changes: Callable[[State], list[Change]]) -> None:
    """Say on stderr, before writing, which fresh approvals the change will make stale."""
    from .. import actions

    state = env.store.read()
    try:
        roles = actions.invalidated_approvals(env.checklist, state, changes(state))
    except click.ClickException:
        raise
    except Exception:  # the action itself reports what is wrong with the change
        return
    if roles:
        click.echo(
            f"golive: this invalidates {len(roles)} "
            f"approval{'s' if len(roles) != 1 else ''}: {', '.join(roles)}",
            err=True,
        )


def parse_until(value: str, now: datetime | None = None) -> datetime:
    """A waiver's end as the cockpit's dialog reads it (until.py): +2h, 18:30, a date (end of day),
    ISO (UTC)."""
    from ..until import parse_until as parse

    try:
        return parse(value, now or datetime.now(UTC))
    except GoliveError as exc:
        raise click.BadParameter(str(exc)) from None


@cli.command()
@click.argument("item_id")
@click.option("--reason", required=True, help="Why the item may be skipped (mandatory).")
@click.option(
    "--until",
    "until",
    required=True,
    help="Waiver end: +2h, 18:30, YYYY-MM-DD (end of day) or ISO time; UTC.",
)
@click.option("--by", help="Who grants the waiver.")
@pass_env
def waive(env: Env, item_id: str, reason: str, until: str, by: str | None) -> None:
    """Waive an item until a date: counts as neither pass nor fail, and is shown apart."""
    from .. import actions

    item = env.item(item_id)
    actor = env.actor(by)
    end = parse_until(until, actor.now())
    actions.waive(env.store, item, actor=actor, reason=reason, until=end)
    click.echo(f"{item.key}: waived until {end:%Y-%m-%d %H:%M} UTC")


@cli.command()
@click.argument("item_id")
@click.option("--by")
@pass_env
def unwaive(env: Env, item_id: str, by: str | None) -> None:
    """Remove an item's waiver."""
    from .. import actions

    item = env.item(item_id)
    entries = actions.unwaive(env.store, item, actor=env.actor(by))
    click.echo(f"{item.key}: waiver removed" if entries else f"{item.key}: had no waiver")


@cli.command()
@click.argument("role")
@click.option(
    "--name", help="The approver's name as it should appear in the record (default: your login)."
)
@click.option(
    "--principal", help="The approver's identity in the allowed-signers file (default: the name)."
)
@click.option(
    "--sign-key",
    type=click.Path(dir_okay=False),
    help="Sign with this SSH key (or its .pub, with the key in ssh-agent).",
)
@click.option("--agent", "use_agent", is_flag=True, help="Sign with the first key ssh-agent holds.")
@click.option(
    "--evidence", help="For a proxy approval (recording someone else's yes): where they said it."
)
@click.option(
    "--allowed-signers",
    type=click.Path(dir_okay=False),
    help="Verify with this allowed-signers file (default: profile signoff.allowed_signers).",
)
@click.option("--by", help="The name this change is recorded under (default: the approver's name).")
@click.option(
    "--request",
    "request_file",
    type=click.Path(dir_okay=False),
    help=(
        "Write a review request for ROLE to this file, for the approver to sign with "
        "ssh-keygen -Y sign."
    ),
)
@click.option(
    "--signature",
    "signature_file",
    type=click.Path(dir_okay=False),
    help="Import the approver's FILE.sig of a review request (the request beside it as FILE).",
)
@click.option(
    "--confirm-proxy",
    is_flag=True,
    help="Confirm another captain's proxy approval of ROLE (when the checklist asks).",
)
@pass_env
def approve(
    env: Env,
    role: str,
    name: str | None,
    principal: str | None,
    sign_key: str | None,
    use_agent: bool,
    evidence: str | None,
    allowed_signers: str | None,
    by: str | None,
    request_file: str | None,
    signature_file: str | None,
    confirm_proxy: bool,
) -> None:
    """Approve as ROLE: records the digest of every item's state, optionally signed with your SSH
    key.

    With --request FILE, writes a review request the approver signs from anywhere with plain
    OpenSSH; with --signature FILE.sig, records their signed approval."""
    import tempfile

    from .. import actions, signing
    from . import review

    if request_file or signature_file or confirm_proxy:
        review.approve_by_request(
            env,
            role,
            request_file,
            signature_file,
            confirm_proxy,
            name=name,
            allowed_signers=allowed_signers,
            by=by,
        )
        return

    with tempfile.TemporaryDirectory(prefix="golive-agent-") as tmp:
        if use_agent and sign_key is None:
            keys = signing.agent_keys()
            if not keys:
                raise GoliveError(
                    "--agent: ssh-agent holds no key (is SSH_AUTH_SOCK set? ssh-add KEY)"
                )
            sign_key = str(signing.agent_key_file(keys[0], Path(tmp)))
        entries = actions.approve(
            env.store,
            env.checklist,
            role,
            actor=env.actor(by or name),
            name=name,
            principal=principal,
            evidence=evidence,
            sign_key=sign_key,
            trust=env.trust(allowed_signers),
        )
    values = entries[-1].values
    how = (
        " (signed)"
        if values.get("ssh_signature")
        else " (PROXY approval)"
        if values.get("proxy")
        else ""
    )
    if values["principal"] != values["name"]:
        how = f" [{safe_line(values['principal'])}]{how}"
    click.echo(
        f"{values['role']}: approved by {safe_line(values['name'])}{how}, recorded by "
        f"{env.actor().operator}, state digest {values['signature'][:16]}…"
    )


@cli.command()
@click.argument("role")
@click.option("--reason", required=True)
@click.option("--by")
@pass_env
def revoke(env: Env, role: str, reason: str, by: str | None) -> None:
    """Revoke an approval (recorded in the audit trail)."""
    from .. import actions

    actions.revoke(env.store, env.checklist, role, actor=env.actor(by), reason=reason)
    click.echo(f"{role}: approval revoked")


@cli.command("golive")
@click.option(
    "--force",
    is_flag=True,
    help=(
        "Go live despite NO-GO: with --reason asks for it, with --confirm (a second "
        "operator) does it."
    ),
)
@click.option("--reason", default="", help="Why go-live is forced.")
@click.option(
    "--confirm", is_flag=True, help="Confirm a forced go-live another operator asked for."
)
@click.option("--by")
@pass_env
def golive_moment(env: Env, force: bool, reason: str, confirm: bool, by: str | None) -> None:
    """Record the go-live moment (only on GO; a forced one needs two operators); post-go-live tasks
    become due."""
    from .. import actions

    actor, trust = env.actor(by), env.trust()
    if confirm:
        if not force:
            raise click.UsageError("--confirm goes with --force: golive golive --force --confirm")
        entries = actions.confirm_forced_go_live(env.store, env.checklist, actor=actor, trust=trust)
    elif force:
        if not reason.strip():
            raise click.UsageError("--force needs --reason")
        entries = actions.request_forced_go_live(
            env.store, env.checklist, actor=actor, reason=reason, trust=trust
        )
        click.echo(
            f"forced go-live requested by {safe_line(actor.name)} ({actor.operator}): "
            "a second operator confirms it with `golive golive --force --confirm`"
        )
        return
    else:
        entries = actions.go_live(env.store, env.checklist, actor=actor, trust=trust)
    entry = entries[-1]
    click.echo(
        (
            f"go-live recorded at {entry.values['golive_at']:%Y-%m-%d %H:%M:%S} UTC by "
            f"{safe_line(entry.values['golive_by'])}"
        )
        + (
            f" (FORCED, confirmed by {safe_line(entry.values['golive_confirmed_by'])})"
            if entry.action == "go-live-forced"
            else ""
        )
    )
