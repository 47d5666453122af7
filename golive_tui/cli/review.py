"""Review requests from the command line: write one, import its signature, confirm a proxy, sign
one.

`golive approve ROLE --request FILE` (captain) writes the text an approver signs with plain
`ssh-keygen -Y sign`; `golive approve ROLE --signature FILE.sig` records their signed
approval; `golive sign FILE` is the same signature for an approver who has golive.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import GoliveError
from ..text import safe_block, safe_line
from . import Env, cli

if TYPE_CHECKING:
    from ..review import ReviewRequest


def approve_by_request(
    env: Env,
    role: str,
    request_file: str | None,
    signature_file: str | None,
    confirm_proxy: bool,
    *,
    name: str | None,
    allowed_signers: str | None,
    by: str | None,
) -> None:
    from .. import actions
    from ..actions.approvals_signed import read_signature, request_beside

    if confirm_proxy:
        actions.confirm_proxy(env.store, env.checklist, role, actor=env.actor(by))
        click.echo(f"{role}: proxy approval confirmed by {env.actor(by).operator}")
        return
    if signature_file is None:
        assert request_file is not None
        written = actions.write_request(
            env.store,
            env.checklist,
            role,
            Path(request_file),
            target=env.profile.target.name,
            actor=env.actor(by),
            trust=env.trust(allowed_signers),
        )
        _tell_team(env, written.request)
        click.echo(safe_block(written.text))
        click.echo(
            f"wrote {request_file}: send it to the {safe_line(written.request.role)} "
            "approver; they run the command above and send back "
            f"{Path(request_file).name}.sig; then: golive approve {written.request.role_id} "
            f"--signature {request_file}.sig",
            err=True,
        )
        return
    sig_path = Path(signature_file)
    request_path = Path(request_file) if request_file else request_beside(sig_path)
    try:
        request_text = request_path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise GoliveError(
            f"{request_path}: cannot read the review request: "
            f"{getattr(exc, 'strerror', None) or exc}"
        ) from None
    entries = actions.import_signature(
        env.store,
        env.checklist,
        role,
        request_text,
        read_signature(sig_path),
        actor=env.actor(by),
        trust=env.trust(allowed_signers),
        name=name,
    )
    values = entries[-1].values
    click.echo(
        f"{values['role']}: approved by {safe_line(values['name'])} "
        f"[{safe_line(values['principal'])}] (signed review request), recorded by "
        f"{env.actor().operator}, state digest {values['signature'][:16]}…"
    )


def _tell_team(env: Env, request: ReviewRequest) -> None:
    """The team's channel hears that an approval was asked for (only when [notify] names a
    channel)."""
    from ..notify.events import approval_requested
    from ..notify.hooks import notifier_of

    notifier = notifier_of(env.store)
    if notifier is not None:
        notifier.submit(approval_requested(request, env.actor().now()))


@cli.command("sign")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "-f",
    "--key",
    default="~/.ssh/id_ed25519",
    show_default=True,
    help="Your SSH private key (or its .pub, with the key in ssh-agent).",
)
@click.option("--yes", is_flag=True, help="Sign without asking (the request is still shown).")
def sign(file: str, key: str, yes: bool) -> None:
    """Sign a review request as its approver: writes FILE.sig, which you send back to the captain.

    The same as `ssh-keygen -Y sign -n golive -f KEY FILE`; golive is not needed to approve."""
    from .. import review, signing

    path = Path(file)
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise GoliveError(
            f"{path}: cannot read it: {getattr(exc, 'strerror', None) or exc}"
        ) from None
    request = review.parse(text)
    click.echo(safe_block(text), err=True)
    if not yes and not click.confirm(
        f"Approve as {safe_line(request.role)} the state {request.state_digest[:16]}… "
        f"({request.decision} now)?",
        err=True,
    ):
        click.echo("not signed", err=True)
        raise click.exceptions.Exit(1)
    out = signing.sign_file(path, key)
    click.echo(f"wrote {out}: send it back to the captain (it is text; pasting it in chat is fine)")
