"""The item screen (Enter): everything about one item, and its runbook commands ready to copy.

The commands are the item's runbook filled in from the profile (namespace, context, cluster
id, domains, URLs). `y` copies the highlighted one through OSC 52 (`App.copy_to_clipboard`),
which works over SSH and inside tmux with `set-clipboard on`; `c` puts it in an editable
command line first (Enter copies what you edited). The cockpit never runs it.
"""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from ...clipboard import copy_note
from ...model import Item
from ...runbook import Command
from ...text import shorten
from .. import keymap
from ..render import item_text
from ..widgets.header import Pane
from .base import Page


class RunbookList(OptionList):
    """The runbook's commands; j/k move like every list of the cockpit. (Not `CommandList`:
    Textual's command palette styles a widget of that name `visibility: hidden`, which hid this list
    once the palette had opened.)"""

    BINDINGS = [
        Binding("j", "cursor_down", show=False),
        Binding("k", "cursor_up", show=False),
        Binding("g", "first", show=False),
        Binding("G", "last", show=False),
    ]


class ItemScreen(Page):
    SCOPE = "item"
    BINDINGS = keymap.bindings("item")

    def __init__(self, item: Item, order: list[str] | None = None) -> None:
        super().__init__()
        self.item = item
        self.order = order or [item.key]
        self.commands: tuple[Command, ...] = ()

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="item-body"):
            yield Pane(id="item-detail")
            yield Pane(id="runbook-title")
            yield RunbookList(id="commands", compact=True)
        yield Input(id="command-line", compact=True, select_on_focus=False)

    def on_mount(self) -> None:
        self.query_one("#command-line", Input).display = False
        super().on_mount()
        commands = self.query_one(RunbookList)
        (commands if self.commands else self.query_one("#item-body")).focus()

    def refresh_view(self) -> None:
        self.refresh_chrome()
        view = self.cockpit.item(self.item)
        detail = self.query_one("#item-detail", Pane)
        detail.update(item_text(view, detail.tones))
        title = self.query_one("#runbook-title", Pane)
        commands = self.query_one(RunbookList)
        commands.display = bool(view.commands)
        if view.commands:
            title.update(
                Text.assemble(
                    ("\nRunbook", title.tones["strong"]),
                    ("  filled in for this target — y copies, c edits first", title.tones["dim"]),
                )
            )
        else:
            title.update(Text("\nNo runbook commands for this item.", style=title.tones["dim"]))
        if view.commands != self.commands:
            highlighted = commands.highlighted
            self.commands = view.commands
            commands.clear_options()
            for n, command in enumerate(view.commands):
                prompt = Text()
                if command.label:
                    prompt.append(f"# {command.label}\n", style=title.tones["dim"])
                prompt.append(command.text)
                commands.add_option(Option(prompt, id=str(n)))
            commands.highlighted = (
                highlighted if highlighted is not None and highlighted < len(view.commands) else 0
            )

    def selected(self) -> Command | None:
        index = self.query_one(RunbookList).highlighted
        return (
            self.commands[index]
            if self.commands and index is not None and index < len(self.commands)
            else None
        )

    # --- actions -----------------------------------------------------------------------------
    def action_back(self) -> None:
        box = self.query_one("#command-line", Input)
        if box.display:
            box.display = False
            self.query_one(RunbookList).focus()
        else:
            self.dismiss()

    def copy(self, text: str) -> None:
        self.app.copy_to_clipboard(text)
        shown = shorten(text, 60)

        async def say_where() -> (
            None
        ):  # inside tmux it asks tmux (a subprocess): off the event loop
            note = await asyncio.to_thread(copy_note)
            self.app.notify(f"{note}: {shown}", timeout=6 if "tmux" in note else 4)

        self.run_worker(say_where(), group="clipboard", exit_on_error=False)

    def action_copy(self) -> None:
        command = self.selected()
        if command is None:
            self.app.notify("no runbook command to copy here", timeout=3)
        else:
            self.copy(command.text)

    def action_command_line(self) -> None:
        command = self.selected()
        if command is None:
            self.app.notify("no runbook command here", timeout=3)
            return
        box = self.query_one("#command-line", Input)
        box.value = command.text.replace("\\\n", " ").replace("\n", "; ")
        box.display = True
        box.focus()
        self.call_after_refresh(box.action_end)  # the end of the command in view, ready to extend

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "command-line":
            self.copy(event.value)
            event.input.display = False
            self.query_one(RunbookList).focus()

    def action_scroll(self, how: str) -> None:
        getattr(self.query_one("#item-body", VerticalScroll), f"action_{how}")()

    def action_step(self, step: int) -> None:
        keys = self.order
        index = keys.index(self.item.key) if self.item.key in keys else 0
        self.item = self.cockpit.session.checklist.item(keys[(index + step) % len(keys)])
        self.commands = ()
        self.refresh_view()
        self.query_one("#item-body", VerticalScroll).scroll_home(animate=False)

    def action_cycle(self) -> None:
        self.golive.recorder.cycle(self.item)

    def action_mark(self, status: str) -> None:
        self.golive.recorder.mark(self.item, status)

    def action_edit(self) -> None:
        self.golive.recorder.edit_note(self.item)

    def action_waive(self) -> None:
        self.golive.recorder.waive(self.item)

    def action_probe_item(self) -> None:
        self.golive.prober.probe_one(self.item)
