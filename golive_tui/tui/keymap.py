"""Every action of the cockpit, declared once: key, footer label, palette title, help line, whether
it writes, and where it applies. Screens' BINDINGS, the command palette, read-only gating and the
help screen are all derived here from `REGISTRY`; nothing else lists keys.

The registry's entries are in action_registry.py and the `Action` type in action.py (the list is
long); callers read both from here, and the derivations below read `REGISTRY` from this module's
namespace (a test that adds an action patches `keymap.REGISTRY`).

To add an action: append an `Action` to the registry (scope = the screens it works on), and write
its `action_<name>` method on the app (scope "app") or on those screens. The footer, `:`/ctrl+p, `?`
and read-only gating follow by themselves (tests/tui/test_keymap.py adds one and checks all four).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from textual.binding import BindingType

from .action import Action, Scope
from .action_registry import REGISTRY

__all__ = [
    "REGISTRY",
    "SCOPES_OF_SCREEN",
    "Action",
    "Scope",
    "actions",
    "bindings",
    "help_lines",
    "palette",
    "shown_keys",
    "write_keys",
    "writes",
]

SCOPES_OF_SCREEN: dict[Scope, tuple[Scope, ...]] = {
    "page": ("page",),
    "main": ("record", "main"),
    "item": ("item", "record"),
    "signoff": ("signoff",),
    "performance": ("performance",),
    "audit": ("audit",),
    "help": ("help",),
}
"""The registry scopes whose bindings a screen's class declares, in footer order (the `page` ones
come from its base class)."""
HELP_GROUPS = ("Move", "Open", "Record", "Probes", "Find", "Screens", "Sign-off", "Anywhere")
"""The help screen's headings, in order (an action's `group` names one of them)."""


def actions(*scopes: Scope, registry: Iterable[Action] | None = None) -> Iterator[Action]:
    return (a for a in (REGISTRY if registry is None else registry) if a.scope in scopes)


def bindings(screen: Scope) -> list[BindingType]:
    """A screen class's BINDINGS (its base class adds the `page` ones), in declaration order."""
    scopes = ("app",) if screen == "app" else SCOPES_OF_SCREEN[screen]
    return [a.binding() for scope in scopes for a in actions(scope) if a.keys]


def writes(name: str, scopes: Iterable[Scope]) -> bool:
    """Whether the action `name` (no `app.`, no arguments) changes the record where it is asked."""
    return any(a.writes and a.name == name for a in actions(*scopes))


def write_keys(scopes: Iterable[Scope]) -> frozenset[str]:
    """Keys whose action writes, where these scopes apply (a read-only session says why it ignores
    them)."""
    return frozenset(
        key.strip()
        for a in actions(*scopes)
        if a.writes
        for key in a.keys.split(",")
        if key.strip()
    )


def palette(screen_scopes: Iterable[Scope], *, read_only: bool) -> Iterator[tuple[Action, bool]]:
    """(action, runs on the screen) for the palette: app-wide ones, then the screen's own; writers
    hidden read-only."""
    for action in actions("app"):
        if action.title and not (action.writes and read_only):
            yield action, False
    for action in actions(*(s for s in screen_scopes if s not in ("app", "page"))):
        if action.title and not (action.writes and read_only):
            yield action, True


KEY_NAMES = {
    "question_mark": "?",
    "colon": ":",
    "slash": "/",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "escape": "esc",
    "f1": "F1",
    "f2": "F2",
    "f3": "F3",
    "f4": "F4",
}


def shown_keys(keys: str) -> str:
    return "/".join(KEY_NAMES.get(k.strip(), k.strip()) for k in keys.split(","))


def help_lines(registry: Iterable[Action] | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    """(heading, [(keys, what it does)]) for the help screen, one line per action with a key and a
    group."""
    chosen = [
        a for a in (REGISTRY if registry is None else registry) if a.keys and a.group and a.help
    ]
    return [
        (group, [(shown_keys(a.keys), a.help) for a in chosen if a.group == group])
        for group in HELP_GROUPS
    ]
