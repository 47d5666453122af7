"""Files in and out: `golive report` and `golive import`."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import GoliveError
from . import Env, cli, emit, pass_env


@cli.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "html", "json", "junit"]),
    default="markdown",
    show_default=True,
)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False), help="Write to this file instead of stdout."
)
@pass_env
def report(env: Env, fmt: str, output: str | None) -> None:
    """Render the record for humans (markdown, html) or pipelines (json, junit)."""
    from ..report import render

    text = render(fmt, env.checklist, env.store.read(), env.profile, env.actor().now())
    if output:
        written = (
            Path(output).expanduser().resolve()
        )  # the full path: a relative one depends on where golive ran
        written.write_text(text, encoding="utf-8")
        click.echo(f"wrote {written} ({len(text.encode()):,} bytes)", err=True)
    else:
        emit(text)


@cli.command("import")
@click.argument("markdown_file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--output", "-o", type=click.Path(), help="Checklist TOML to write (default: stdout)."
)
@click.option(
    "--with-state",
    is_flag=True,
    help="Record ticked items (task boxes, Status/Done/✓ columns) as done in the state file.",
)
@click.option(
    "--bullets",
    is_flag=True,
    help="The document's plain bullet lists are the checklist: leaf bullets become items.",
)
@click.option(
    "--encoding",
    help="The file's text encoding (default: from its byte order mark, UTF-16, else UTF-8).",
)
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
@pass_env
def import_cmd(
    env: Env,
    markdown_file: str,
    output: str | None,
    with_state: bool,
    bullets: bool,
    encoding: str | None,
    force: bool,
) -> None:
    """Turn a Markdown checklist (headings, tables, task lists) into a golive checklist.

    Links, extra columns, priorities (badges, Priority/Level/Severity columns) and code blocks
    are kept on their items. Without a sign-off table of its own, the checklist gets a go/no-go
    gate: every P1 item complete when the source gave priorities, else every item. Nothing is
    written when the file cannot be read or holds no items (exit 2).
    """
    from .. import actions
    from ..importer import import_file
    from ..state import open_store, state_location

    out = Path(output) if output else None
    if out is not None:  # refuse before any work: nothing is written on bad input
        if out.is_dir():
            raise GoliveError(f"{out}: is a folder; give a file name for the checklist")
        if not out.parent.is_dir():
            raise GoliveError(f"{out}: folder {out.parent} does not exist")
        if out.exists() and not force:
            raise GoliveError(f"{out} exists; use --force to overwrite")
    result = import_file(markdown_file, encoding=encoding, bullets=bullets)
    items = list(result.checklist.items())
    if out is not None:
        temporary = out.with_name(f".{out.name}.tmp")
        try:
            temporary.write_text(result.checklist_toml, encoding="utf-8")
            temporary.replace(out)  # atomic: a reader never sees half a checklist
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            raise GoliveError(f"{out}: cannot write: {exc.strerror or exc}") from None
        click.echo(
            f"wrote {out}: {len(result.checklist.section)} sections, {len(items)} items", err=True
        )
    else:
        emit(result.checklist_toml)
    p1 = sum(1 for i in items if i.priority == "P1")
    click.echo(
        (
            f"{markdown_file}: {result.encoding}; {p1} P1 items, "
            f"{sum(len(i.links) for i in items)} links; "
        )
        + (f"gate added: {result.gate}" if result.gate else "gate: the document's own sign-off"),
        err=True,
    )
    if with_state and result.checked:
        store = open_store(
            state_location(env.state_path),
            env.profile,
            checklist=result.checklist.title,
            accept_tampered=env.accept_tampered,
        )
        by_key = result.checklist.item_map()
        actor = env.actor()
        for key in result.checked:
            actions.mark(
                store,
                by_key[key],
                "done",
                actor=actor,
                note=f"checked in {Path(markdown_file).name}",
            )
        click.echo(
            f"{store.location}: {len(result.checked)} checked items recorded as done", err=True
        )
