"""Command palette provider: every action of the registry with a title, searchable (read-only shows
what works)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from . import keymap


class GoliveCommands(Provider):
    async def _run(self, action: str, on_screen: bool) -> None:
        if on_screen:
            await self.screen.run_action(action)
        else:
            await self.app.run_action(action)

    def _all(self) -> Iterator[tuple[str, Callable[[], Awaitable[None]], str]]:
        read_only = bool(getattr(self.app, "read_only", False))
        scopes = getattr(self.screen, "scopes", ("app",))
        for action, on_screen in keymap.palette(scopes, read_only=read_only):
            where = (
                "on the selected item"
                if on_screen and action.scope in ("record", "main", "item")
                else action.help
            )
            yield action.title, partial(self._run, action.action, on_screen), where

    async def discover(self) -> Hits:
        for title, callback, help_text in self._all():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, help_text in self._all():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
