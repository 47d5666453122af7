"""Text that reaches a terminal or a page: control characters made visible, lines shortened.

Anything a person or a remote server wrote (notes, names, evidence paths, probe output,
imported titles) may hold terminal control sequences: `ESC[2J` clears a screen, OSC 0
retitles the window, OSC 8 plants a link, CR/BS overwrite what was printed. Every view
(CLI, TUI, reports) passes such text through `safe_line` or `safe_block`, which show
each control character as a visible glyph (ESC as `␛`) instead of sending it.
"""

from __future__ import annotations

import re
import textwrap

# C0 (but tab and newline, handled by the callers), DEL, C1, and the bidirectional
# overrides that reorder what is shown ("Trojan Source").
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NAMES = {
    0x1B: "ESC",
    0x07: "BEL",
    0x08: "BS",
    0x0D: "CR",
    0x00: "NUL",
    0x7F: "DEL",
    0x0A: "LF",
    0x9B: "CSI",
    0x9D: "OSC",
    0x0C: "FF",
    0x0B: "VT",
}


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode control pictures: ␛ ␇ ␈ ␍ …
    if code == 0x7F:
        return "␡"
    return f"⟨U+{code:04X}⟩"


def safe_block(text: object) -> str:
    """Multi-line text with every control character but newline and tab shown, not sent."""
    return _CONTROL.sub(_picture, str(text))


def safe_line(text: object) -> str:
    """One line: control characters shown, newlines as `␤`, tabs as a space."""
    return safe_block(str(text).replace("\r\n", "\n")).replace("\n", "␤").replace("\t", " ")


def indent_block(text: object, prefix: str) -> list[str]:
    """Lines of a multi-line text, each indented by `prefix`, so none can pass for a field of its
    own."""
    return [
        prefix + line
        for line in safe_block(text).replace("\r\n", "\n").replace("\t", "    ").split("\n")
    ]


def control_characters(text: str) -> str:
    """The control characters in `text`, named (`ESC, LF`); empty when there are none."""
    found = sorted({ord(c) for c in text if c == "\n" or c == "\t" or _CONTROL.match(c)})
    return ", ".join(_NAMES.get(code, f"U+{code:04X}") for code in found)


def shorten(text: object, width: int) -> str:
    """One line of at most `width` characters, cut at a word boundary where there is one."""
    line = " ".join(str(text).split())
    if len(line) <= width:
        return line
    cut = textwrap.shorten(line, width, placeholder="…")
    # textwrap drops a first word longer than the width (a URL, a path): cut it instead.
    return cut if cut != "…" else line[: width - 1] + "…"


def plural(n: int, word: str, many: str | None = None) -> str:
    """`1 rule`, `2 rules`."""
    return f"{n} {word}" if n == 1 else f"{n} {many or word + 's'}"
