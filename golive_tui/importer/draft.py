"""An item while it is being collected: the words, links, code and marks the source gave it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

SHELLS = {
    "",
    "bash",
    "sh",
    "shell",
    "console",
    "zsh",
    "fish",
    "shell-session",
    "sh-session",
    "terminal",
    "powershell",
    "pwsh",
    "ps1",
    "cmd",
    "bat",
    "batch",
}
"""Code in these languages is commands a person runs; anything else (html, yaml, …) keeps its
fence."""


def is_commands(language: str, code: str) -> bool:
    """Whether a code block is commands (an unlabelled block that starts with a tag is markup)."""
    return language.lower() in SHELLS and not (not language and code.lstrip().startswith("<"))


def fenced(language: str, code: str) -> str:
    """A code block as Markdown, its language kept, fenced longer than any backtick run inside."""
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{language}\n{code}\n{ticks}"


def code_text(blocks: list[tuple[str, str]], joiner: str) -> str:
    """Commands as they are; once any block is not commands, every block fenced with its
    language."""
    if all(is_commands(lang, code) for lang, code in blocks):
        return joiner.join(code for _, code in blocks)
    return "\n\n".join(fenced(lang, code) for lang, code in blocks)


@dataclass
class Draft:
    title: str
    line: int
    """1-based line of the source the item starts on."""
    description: str = ""
    owner: str = ""
    priority: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    links: list[tuple[str, str]] = field(default_factory=list)
    code: list[tuple[str, str]] = field(default_factory=list)
    metric: dict[str, Any] | None = None
    ticked: bool = False

    def describe(self, text: str) -> None:
        """Another sentence or paragraph of description."""
        text = text.strip()
        if not text:
            return
        if not self.description:
            self.description = text
        elif self.description.endswith((".", "!", "?", ":")):
            self.description += " " + text
        else:
            self.description += ". " + text

    def describe_line(self, line: str) -> None:
        """A sub-bullet: its own line of the description."""
        self.description = f"{self.description}\n{line}" if self.description else line

    def add_links(self, links: list[tuple[str, str]]) -> None:
        for link in links:
            if link not in self.links:
                self.links.append(link)

    def set_priority(self, priority: str | None, word: str = "", key: str = "Priority") -> None:
        """The first priority found wins; the source's own word is kept as a field."""
        if priority is None:
            return
        if self.priority is None:
            self.priority = priority
        if word and key not in self.fields:
            self.fields[key] = word

    def data(self) -> dict[str, Any]:
        """The item as checklist data (without its id)."""
        out: dict[str, Any] = {"title": self.title}
        for key in ("description", "owner", "priority"):
            if value := getattr(self, key):
                out[key] = value
        if self.code:
            out["runbook"] = code_text(self.code, "\n")
        if self.metric:
            out["metric"] = self.metric
        if self.fields:
            out["fields"] = self.fields
        if self.links:
            # The order a report gives them back in: those in the title, in the description, the
            # rest.
            def place(link: tuple[str, str]) -> int:
                return 0 if link[0] in self.title else 1 if link[0] in self.description else 2

            out["links"] = [
                {"name": name, "url": url} for name, url in sorted(self.links, key=place)
            ]
        return out
