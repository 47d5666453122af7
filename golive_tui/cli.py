"""The headless CLI (`golive …`) and the entry point of the TUI (`golive` with no command).

Every command is a thin layer over the domain core. stdout belongs to the command's
output (tables, JSON, reports); diagnostics go to stderr. Exit codes: 0 ok / GO,
1 a failure or NO-GO, 2 bad usage or input, 3 probes that could not evaluate (errors only).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from .errors import GoliveError

FORMATS_RUN = ("table", "json", "markdown", "html", "junit")


@dataclass
class Env:
    """Options shared by every command; checklist/profile/state are loaded on first use."""

    checklist_path: str | None = None
    profile_path: str | None = None
    overrides: tuple[str, ...] = ()
    state_path: str | None = None
    _cache: dict[str, Any] = field(default_factory=dict)

    @property
    def checklist(self):
        if "checklist" not in self._cache:
            from .checklists import DEFAULT_CHECKLIST, load_checklist

            self._cache["checklist"] = load_checklist(self.checklist_path or DEFAULT_CHECKLIST)
        return self._cache["checklist"]

    @property
    def profile(self):
        if "profile" not in self._cache:
            from .profile import load_profile

            self._cache["profile"] = load_profile(self.profile_path, self.overrides)
        return self._cache["profile"]

    @property
    def store(self):
        if "store" not in self._cache:
            from .state import StateStore, state_location

            location = state_location(self.state_path)
            storage = None
            if location.startswith("s3://"):
                from .storage_s3 import S3Object

                # Shared state: credentials, region and endpoint as the AWS probes use them.
                storage = S3Object.from_settings(location, self.profile.aws)
            self._cache["store"] = StateStore(location, checklist=self.checklist.title, storage=storage)
        return self._cache["store"]

    def item(self, key: str):
        from .checklists import resolve_item

        return resolve_item(self.checklist, key)


pass_env = click.make_pass_decorator(Env)


def now() -> datetime:
    return datetime.now(UTC)


def emit(text: str) -> None:
    click.echo(text, nl=not text.endswith("\n"))


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--checklist", "checklist_path", envvar="GOLIVE_CHECKLIST", type=click.Path(dir_okay=False),
              help="Checklist TOML (default: the shipped checklists/production.toml; env GOLIVE_CHECKLIST).")
@click.option("--profile", "profile_path", type=click.Path(dir_okay=False),
              help="Target profile TOML (default: $GOLIVE_PROFILE, ./golive-profile.toml, user config dir).")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
              help="Override a profile key for this run, e.g. --set aws.region=eu-west-1 (repeatable).")
@click.option("--state", "state_path", type=click.Path(dir_okay=False),
              help="State file (default: $GOLIVE_STATE, else ./golive-state.toml).")
@click.option("--read-only", is_flag=True, help="Open the TUI for an observer: nothing can be changed.")
@click.option("--monochrome", is_flag=True, help="TUI without colour (also on when NO_COLOR is set).")
@click.version_option(package_name="golive")
@click.pass_context
def cli(ctx: click.Context, checklist_path, profile_path, overrides, state_path, read_only, monochrome) -> None:
    """golive: drive a production go-live from the terminal.

    With no command, opens the cockpit (TUI) on the checklist and state file.
    """
    ctx.obj = Env(checklist_path, profile_path, tuple(overrides), state_path)
    if ctx.invoked_subcommand is None:
        open_tui(ctx.obj, read_only=read_only, monochrome=monochrome)


def open_tui(env: Env, *, read_only: bool = False, monochrome: bool = False) -> None:
    import os

    from .tui.app import make_app

    env.store.read()  # refuse to start on an unreadable state file: exit 2 with file:line
    app = make_app(env.checklist, env.profile, env.store, read_only=read_only,
                   monochrome=monochrome or bool(os.environ.get("NO_COLOR")))
    app.run()


# --- validate / show / status ------------------------------------------------------------
@cli.command()
@click.argument("checklist", required=False, type=click.Path(dir_okay=False))
@pass_env
def validate(env: Env, checklist: str | None) -> None:
    """Check a checklist (and the profile) for errors; exit 2 naming file, line and key."""
    from .checklists import DEFAULT_CHECKLIST, load_checklist

    path = Path(checklist or env.checklist_path or DEFAULT_CHECKLIST)
    loaded = load_checklist(path)
    env.profile  # noqa: B018 - validating the profile is part of validate
    items = list(loaded.items())
    probed = sum(1 for i in items if i.probe)
    click.echo(f"{path}: ok — {len(loaded.section)} sections, {len(items)} items "
               f"({probed} with probes, {sum(1 for i in items if i.priority == 'P1')} P1), "
               f"{len(loaded.approval)} approvals, {len(loaded.criterion)} go/no-go criteria")


@cli.command()
@click.argument("item_id")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_env
def show(env: Env, item_id: str, fmt: str) -> None:
    """Show one item: description, owner, probes, status, evidence, runbook."""
    from .views import item_record, item_text

    item = env.item(item_id)
    state = env.store.read()
    if fmt == "json":
        emit(json.dumps(item_record(env.checklist, item, state, now()), indent=2, default=str))
    else:
        emit(item_text(env.checklist, item, state, now()))


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--no-gate", is_flag=True, help="Exit 0 even on NO-GO.")
@pass_env
def status(env: Env, fmt: str, no_gate: bool) -> None:
    """Progress per section, counts by status, and GO / NO-GO (exit 0 GO, 1 NO-GO)."""
    from .views import status_record, status_table

    state = env.store.read()
    record = status_record(env.checklist, env.profile, state, now(), store=env.store)
    emit(json.dumps(record, indent=2, default=str) if fmt == "json" else status_table(record))
    if not record["decision"]["go"] and not no_gate:
        sys.exit(1)


# --- recording -----------------------------------------------------------------------------
@cli.command()
@click.argument("item_id")
@click.argument("status", type=click.Choice(["pending", "done", "failed", "n/a", "blocked"]))
@click.option("--note", help="Free text: what was done, by whom, where.")
@click.option("--evidence", help="Evidence: text, a link, or a file path (its SHA-256 is recorded).")
@click.option("--by", help="Who attests (default $GOLIVE_USER, else login@host).")
@pass_env
def mark(env: Env, item_id: str, status: str, note, evidence, by) -> None:
    """Record an item's status with who, when, note and evidence."""
    from . import actions

    item = env.item(item_id)
    entries = actions.mark(env.store, item, status, note=note, evidence=evidence, by=by)
    entry = entries[-1]
    click.echo(f"{item.key}: {status} (by {entry.by} at {entry.at:%Y-%m-%d %H:%M:%S} UTC, audit #{entry.seq})")


@cli.command()
@click.argument("item_id")
@click.option("--note")
@click.option("--evidence")
@click.option("--by")
@pass_env
def note(env: Env, item_id: str, note, evidence, by) -> None:
    """Change an item's note or evidence without changing its status."""
    from . import actions

    if note is None and evidence is None:
        raise click.UsageError("give --note and/or --evidence")
    item = env.item(item_id)
    entries = actions.annotate(env.store, item, note=note, evidence=evidence, by=by)
    click.echo(f"{item.key}: updated (audit #{entries[-1].seq})" if entries else f"{item.key}: unchanged")


def _parse_until(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r}: use a date like 2026-12-31 or 2026-12-31T18:00") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if len(value) == 10:  # a bare date: the waiver runs to the end of that day
        parsed = parsed.replace(hour=23, minute=59, second=59)
    return parsed.astimezone(UTC)


@cli.command()
@click.argument("item_id")
@click.option("--reason", required=True, help="Why the item may be skipped (mandatory).")
@click.option("--until", "until", required=True, help="Waiver end: YYYY-MM-DD (end of day, UTC) or ISO time.")
@click.option("--by", help="Who grants the waiver.")
@pass_env
def waive(env: Env, item_id: str, reason: str, until: str, by) -> None:
    """Waive an item until a date: counts as neither pass nor fail, and is shown apart."""
    from . import actions

    item = env.item(item_id)
    actions.waive(env.store, item, reason=reason, until=_parse_until(until), by=by)
    click.echo(f"{item.key}: waived until {_parse_until(until):%Y-%m-%d %H:%M} UTC")


@cli.command()
@click.argument("item_id")
@click.option("--by")
@pass_env
def unwaive(env: Env, item_id: str, by) -> None:
    """Remove an item's waiver."""
    from . import actions

    item = env.item(item_id)
    entries = actions.unwaive(env.store, item, by=by)
    click.echo(f"{item.key}: waiver removed" if entries else f"{item.key}: had no waiver")


@cli.command()
@click.argument("role")
@click.option("--name", required=True, help="The approver's name as it should appear in the record.")
@click.option("--by", help="Who records it (default: the approver's name).")
@pass_env
def approve(env: Env, role: str, name: str, by) -> None:
    """Approve as ROLE: signs the current state of every item (SHA-256)."""
    from . import actions

    entries = actions.approve(env.store, env.checklist, role, name=name, by=by or name)
    values = entries[-1].values
    click.echo(f"{values['role']}: approved by {values['name']}, signature {values['signature'][:16]}…")


@cli.command()
@click.argument("role")
@click.option("--reason", required=True)
@click.option("--by")
@pass_env
def revoke(env: Env, role: str, reason: str, by) -> None:
    """Revoke an approval (recorded in the audit trail)."""
    from . import actions

    actions.revoke(env.store, env.checklist, role, reason=reason, by=by)
    click.echo(f"{role}: approval revoked")


@cli.command("golive")
@click.option("--force", is_flag=True, help="Record go-live despite NO-GO (needs --reason; audited).")
@click.option("--reason", default="", help="Why go-live is forced.")
@click.option("--by")
@pass_env
def golive_moment(env: Env, force: bool, reason: str, by) -> None:
    """Record the go-live moment (only on GO unless forced); post-go-live tasks become due."""
    from . import actions

    if force and not reason.strip():
        raise click.UsageError("--force needs --reason")
    entries = actions.go_live(env.store, env.checklist, force_reason=reason if force else "", by=by)
    entry = entries[-1]
    click.echo(f"go-live recorded at {entry.values['golive_at']:%Y-%m-%d %H:%M:%S} UTC by {entry.by}"
               + (" (FORCED)" if entry.action == "go-live-forced" else ""))


# --- audit -------------------------------------------------------------------------------------
@cli.group(invoke_without_command=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--item", "item_id", help="Only the history of this item.")
@click.pass_context
def audit(ctx: click.Context, fmt: str, item_id: str | None) -> None:
    """List the change history (newest last); `golive audit verify` checks it."""
    if ctx.invoked_subcommand is not None:
        return
    env: Env = ctx.obj
    state = env.store.read()
    entries = state.audit
    if item_id:
        key = env.item(item_id).key
        entries = [e for e in entries if e.target == f"item:{key}"]
    if fmt == "json":
        emit(json.dumps([e.model_dump() for e in entries], indent=2, default=str))
        return
    for e in entries:
        detail = ", ".join(f"{k}={_short(v)}" for k, v in e.values.items() if k not in ("at", "by"))
        click.echo(f"#{e.seq:<4} {e.at:%Y-%m-%d %H:%M:%S} {e.by:<20} {e.action:<10} {e.target}  {detail}")


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return value.get("verdict") or value.get("reason") or "{…}"
    text = str(value).replace("\n", " ")
    return text if len(text) <= 40 else text[:39] + "…"


@audit.command("verify")
@pass_env
def audit_verify(env: Env) -> None:
    """Check the hash chain and that replaying it gives the stored state; exit 1 if tampered."""
    from .audit import verify

    report = verify(env.store.read())
    if report.ok:
        click.echo(f"{env.store.path}: audit chain intact ({report.entries} entries)")
        return
    click.echo(f"{env.store.path}: TAMPERED — {report.problem}", err=True)
    sys.exit(1)


# --- probes ------------------------------------------------------------------------------------
@cli.command()
@click.option("--section", "sections", multiple=True, help="Only this section (id or dotted path; repeatable).")
@click.option("--item", "item_ids", multiple=True, help="Only this item (repeatable).")
@click.option("--format", "fmt", type=click.Choice(FORMATS_RUN), default="table", show_default=True)
@click.option("--yes", is_flag=True, help="Confirm probes that page a human (PagerDuty test event).")
@click.option("--concurrency", type=int, help="Probes at once (default: profile run.concurrency, 16).")
@click.option("--timeout", type=float, help="Seconds per probe (default: profile run.timeout, 10).")
@click.option("--no-save", is_flag=True, help="Do not record the results in the state file.")
@click.option("--by")
@pass_env
def run(env: Env, sections, item_ids, fmt, yes, concurrency, timeout, no_save, by) -> None:
    """Run probes headless and record the results (exit 0 pass, 1 any fail, 3 errors only)."""
    from . import actions
    from .engine import run_sync
    from .views import run_record, run_table, select_items

    items = select_items(env.checklist, sections, item_ids)
    probed = [i for i in items if i.probe]
    if not probed:
        raise GoliveError("no item with a probe in the selection")
    if not no_save:
        env.store.read()  # fail before probing if the state file is unreadable
    profile = env.profile
    outcomes = run_sync(profile, probed, confirmed=yes, concurrency=concurrency, timeout=timeout)
    order = {item.key: n for n, item in enumerate(probed)}
    outcomes.sort(key=lambda o: order[o.item.key])
    if not no_save:
        actions.record_results(env.store, outcomes, by=by)
    if fmt == "table":
        emit(run_table(outcomes))
    elif fmt == "json":
        emit(json.dumps(run_record(outcomes), indent=2, default=str))
    else:
        from .report import render

        state = env.store.read()
        emit(render(fmt, env.checklist, state, profile, now(), only={o.item.key for o in outcomes}))
    verdicts = {o.result.verdict.value for o in outcomes}
    if "fail" in verdicts:
        sys.exit(1)
    if "error" in verdicts:
        sys.exit(3)


# --- reports and import ------------------------------------------------------------------------
@cli.command()
@click.option("--format", "fmt", type=click.Choice(["markdown", "html", "json", "junit"]), default="markdown", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to this file instead of stdout.")
@pass_env
def report(env: Env, fmt: str, output: str | None) -> None:
    """Render the record for humans (markdown, html) or pipelines (json, junit)."""
    from .report import render

    text = render(fmt, env.checklist, env.store.read(), env.profile, now())
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
    from . import actions
    from .importer import import_markdown
    from .state import StateStore

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
        store = StateStore(env.state_path, checklist=result.checklist.title)
        items = result.checklist.item_map()
        for key in result.checked:
            actions.mark(store, items[key], "done", note=f"checked in {Path(markdown_file).name}")
        click.echo(f"{store.path}: {len(result.checked)} checked items recorded as done", err=True)


# --- secrets -------------------------------------------------------------------------------------
@cli.group()
def secret() -> None:
    """Secrets in the OS keyring (never in TOML, logs or reports)."""


@secret.command("set")
@click.argument("name")
@click.option("--from-env", metavar="VAR", help="Read the value from this environment variable instead of a prompt.")
def secret_set(name: str, from_env: str | None) -> None:
    """Store a secret; prompts without echo."""
    import os

    from .secrets import set_secret

    if from_env:
        value = os.environ.get(from_env, "")
        if not value:
            raise GoliveError(f"${from_env} is empty or unset")
    else:
        value = click.prompt(f"value for {name}", hide_input=True, confirmation_prompt=True)
    set_secret(name, value)
    click.echo(f"{name}: stored in the keyring")


@secret.command("list")
def secret_list() -> None:
    """List the names of stored secrets (never their values)."""
    from .secrets import list_secrets

    for name in list_secrets():
        click.echo(name)


@secret.command("delete")
@click.argument("name")
def secret_delete(name: str) -> None:
    """Delete a secret from the keyring."""
    from .secrets import delete_secret

    delete_secret(name)
    click.echo(f"{name}: deleted")


# --- serving the cockpit -------------------------------------------------------------------------
@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback: use an SSH tunnel).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--allow-write", is_flag=True, help="Let browser users change the record (default: read-only).")
@pass_env
def serve(env: Env, host: str, port: int, allow_write: bool) -> None:
    """Serve the cockpit to a browser, protected by a one-time token printed at start."""
    from .serve import serve as serve_cockpit
    from .serve import served_command
    from .state import state_location

    env.store.read()  # refuse to start on a bad checklist, profile or state file
    command = served_command(checklist=env.checklist_path, profile=env.profile_path,
                             state=state_location(env.state_path), overrides=env.overrides,
                             allow_write=allow_write)
    serve_cockpit(command, host=host, port=port, allow_write=allow_write, title=f"golive — {env.checklist.title}")


# --- demo -----------------------------------------------------------------------------------------
@cli.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.option("--scenario", type=click.Choice(["degraded", "healthy"]), default="degraded", show_default=True,
              help="degraded: a realistic mixed production (most pass, several fail); healthy: everything passes.")
@click.option("--headless", is_flag=True, help="Run the golive command after `--` against the demo instead of the TUI.")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def demo(ctx: click.Context, scenario: str, headless: bool, args: tuple[str, ...]) -> None:
    """Start a staged production on 127.0.0.1 and open golive on it (all servers stop on exit).

    Example: golive demo --headless -- run --format table
    """
    try:
        from .sandbox.demo import DemoEnvironment, install_signal_handlers
    except ModuleNotFoundError as exc:  # the demo extra (moto, trustme, kubernetes-validate) is missing
        raise GoliveError(f"the demo needs the `demo` extra ({exc.name} is missing): uv sync --extra demo") from None
    if headless and not args:
        raise click.UsageError("--headless needs a golive command after --, e.g. golive demo --headless -- run")
    install_signal_handlers()
    click.echo(f"golive demo: starting the {scenario} staged production on 127.0.0.1 …", err=True)
    env = DemoEnvironment(scenario)
    code = 0
    try:
        env.start()
        for note in env.notes:
            click.echo(f"golive demo: {note}", err=True)
        click.echo(f"golive demo: profile {env.profile_path}, state {env.state_path}", err=True)
        base = ["--profile", str(env.profile_path), "--state", str(env.state_path)]
        if ctx.obj.checklist_path:
            base = ["--checklist", ctx.obj.checklist_path, *base]
        try:
            cli.main(args=[*base, *(args if headless else ())], standalone_mode=False, prog_name="golive")
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    except KeyboardInterrupt:
        code = 130
    finally:
        env.stop()
        click.echo("golive demo: every server stopped", err=True)
    sys.exit(code)


def main() -> None:
    """Console entry point: user-facing errors in one line on stderr, exit 2."""
    try:
        code = cli.main(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except GoliveError as exc:
        click.echo(f"golive: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
