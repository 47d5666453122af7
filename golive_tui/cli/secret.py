"""Secrets in the OS keyring: `golive secret set|list|delete`."""

from __future__ import annotations

import click

from ..errors import GoliveError
from . import cli


@cli.group()
def secret() -> None:
    """Secrets in the OS keyring (never in TOML, logs or reports); `golive doctor` names the
    backend."""


@secret.command("set")
@click.argument("name")
@click.option(
    "--from-env",
    metavar="VAR",
    help="Read the value from this environment variable instead of a prompt.",
)
@click.option(
    "--allow-plaintext",
    is_flag=True,
    help="Accept a keyring backend that stores secrets unencrypted (keyrings.alt).",
)
def secret_set(name: str, from_env: str | None, allow_plaintext: bool) -> None:
    """Store a secret; prompts without echo, and says which keyring backend holds it."""
    import os

    from ..secrets import set_secret, writable_backend

    writable_backend(allow_plaintext=allow_plaintext)  # refuse before asking for the value
    if from_env:
        value = os.environ.get(from_env, "")
        if not value:
            raise GoliveError(f"${from_env} is empty or unset")
    else:
        value = click.prompt(f"value for {name}", hide_input=True, confirmation_prompt=True)
    used = set_secret(name, value, allow_plaintext=allow_plaintext)
    click.echo(f"{name}: stored by the keyring backend {used.describe()}")


@secret.command("list")
def secret_list() -> None:
    """List the names of stored secrets (never their values)."""
    from ..secrets import list_secrets

    for name in list_secrets():
        click.echo(name)


@secret.command("delete")
@click.argument("name")
def secret_delete(name: str) -> None:
    """Delete a secret from the keyring."""
    from ..secrets import delete_secret

    delete_secret(name)
    click.echo(f"{name}: deleted")
