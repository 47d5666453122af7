"""Files in and out: `golive report` and `golive import`."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import GoliveError
from . import Env, cli, emit, pass_env


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["markdown", "html", "json", "junit"]), default="markdown", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to this file instead of stdout.")
@pass_env
def report(env: Env, fmt: str, output: str | None) -> None:
    """Render the record for humans (markdown, html) or pipelines (json, junit)."""
    from ..report import render

    text = render(fmt, env.checklist, env.store.read(), env.profile, env.actor().now())
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {output} ({len(text.encode()):,} bytes)", err=True)
    else:
        emit(text)


@cli.command("import")
@click.argument("markdown_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Checklist TOML to write (default: stdout).")
@click.option("--with-state", is_flag=True, help="Record checked task boxes as done in the state file.")
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
@pass_env
def import_cmd(env: Env, markdown_file: str, output: str | None, with_state: bool, force: bool) -> None:
    """Turn a Markdown checklist (headings, tables, task lists) into a golive checklist."""
    from .. import actions
    from ..importer import import_markdown
    from ..state import open_store, state_location

    result = import_markdown(Path(markdown_file).read_text(encoding="utf-8"), source=markdown_file)
    if output:
        out = Path(output)
        if out.exists() and not force:
            raise GoliveError(f"{out} exists; use --force to overwrite")
        out.write_text(result.checklist_toml, encoding="utf-8")
        count = sum(1 for _ in result.checklist.items())
        click.echo(f"wrote {out}: {len(result.checklist.section)} sections, {count} items", err=True)
    else:
        emit(result.checklist_toml)
    if with_state and result.checked:
        store = open_store(state_location(env.state_path), env.profile, checklist=result.checklist.title,
                           accept_tampered=env.accept_tampered)
        items = result.checklist.item_map()
        actor = env.actor()
        for key in result.checked:
            actions.mark(store, items[key], "done", actor=actor, note=f"checked in {Path(markdown_file).name}")
        click.echo(f"{store.location}: {len(result.checked)} checked items recorded as done", err=True)
