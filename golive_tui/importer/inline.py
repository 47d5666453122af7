"""One run of inline Markdown as the importer needs it: plain text, its links, its priority badge.

Emphasis, code and HTML tags are unwrapped; `<br>` is a space; links (Markdown, autolinks,
`<a href>`, bare URLs) are collected with their text; an image whose alt text or badge URL
names a priority (`![High][high_img]`) is a badge: it sets the priority and leaves the text.
Only emoji shortcodes the `emoji` library knows (GitHub's aliases) are touched, so
`02:00:30` and `1:2:3` stay as written.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from markdown_it.token import Token

from .priorities import badge_priority

SLUG_MAX = 60
TITLE_MAX = 100
"""A task text longer than this is split into a title and a description."""
SENTENCE_MAX = 160

_SHORTCODE = re.compile(r":[a-z0-9_+-]+:")
_HREF = re.compile(r"""<a\s[^>]*?href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
_IMG = re.compile(r"<img\s[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""(\w+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_BARE_URL = re.compile(r"https?://[^\s<>\"'`\]\x00-\x1f\x7f]+[^\s<>\"'`\].,;:!?)\x00-\x1f\x7f]")
_LITERAL_BADGE = re.compile(r"!\[([^\]]*)\]\[[^\]]*\]")
"""A reference image whose reference is not defined: markdown-it leaves it as text."""
_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z0-9\"'(\[])")
_ABBREVIATIONS = ("e.g", "i.e", "etc", "vs", "approx", "incl", "cf", "no", "fig", "min", "max")
_BOX_PREFIX = re.compile(r"^\s*\[[ xX]\]")
_LEAD_SEPARATOR = re.compile(r"^\s*(?:[:\-–—]\s*)")


@lru_cache(maxsize=4096)
def _known(code: str) -> str:
    """The emoji for a shortcode GitHub renders (`:rocket:` -> 🚀), '' if it is not one."""
    import emoji  # imported here: only `golive import` pays for its table

    glyph = emoji.emojize(code, language="alias")
    return glyph if glyph != code else ""


def shortcodes(text: str, *, drop: bool = False) -> str:
    """Known emoji shortcodes as their emoji (or dropped, for titles); anything else untouched."""
    if ":" not in text:
        return text
    return _SHORTCODE.sub(
        lambda m: ("" if drop else _known(m.group())) if _known(m.group()) else m.group(), text
    )


def slug(text: str) -> str:
    """A stable id: emoji shortcodes dropped, accents folded, lowercase words joined by '-'."""
    text = shortcodes(text, drop=True).replace("&", " and ")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if len(text) > SLUG_MAX:
        text = text[:SLUG_MAX].rsplit("-", 1)[0]
    return text or "item"


def one_line(text: str) -> str:
    return " ".join(text.split())


@dataclass
class Inline:
    """What one inline run says."""

    text: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)
    """(name, url) in order of appearance."""
    badge: tuple[str, str] | None = None
    """(the badge's own word, P1-P3) of the first priority badge."""
    lead: str = ""
    """The text of a bold run the inline opens with (`**Doctype:** …`), if any."""

    def add_link(self, name: str, url: str) -> None:
        name = one_line(name) or url
        if url and (name, url) not in self.links:
            self.links.append((name, url))


def read_inline(token: Token | None, *, title: bool = False) -> Inline:
    """Plain text, links, badge and bold lead of an inline token (shortcodes dropped in titles)."""
    out = Inline()
    if token is None:
        return out
    parts: list[str] = []
    link: tuple[str, int] | None = None  # (href, index into parts where its text starts)
    lead_open: int | None = None
    for child in token.children or []:
        kind = child.type
        if kind in ("text", "code_inline"):
            parts.append(child.content)
        elif kind in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif kind == "link_open":
            link = (str(child.attrs.get("href", "")), len(parts))
        elif kind == "link_close" and link is not None:
            out.add_link("".join(parts[link[1] :]), link[0])
            link = None
        elif (
            kind == "strong_open"
            and not _BOX_PREFIX.sub("", "".join(parts)).strip()
            and not out.lead
        ):
            lead_open = len(parts)
        elif kind == "strong_close" and lead_open is not None:
            out.lead = one_line("".join(parts[lead_open:]))
            lead_open = None
        elif kind == "image":
            _image(out, parts, child.content, str(child.attrs.get("src", "")))
        elif kind == "html_inline":
            link = _html(out, parts, child.content, link)
    text = "".join(parts)
    text = _LITERAL_BADGE.sub(lambda m: _literal_badge(out, m), text)
    for url in _BARE_URL.findall(text):
        if not any(u == url for _, u in out.links):
            out.add_link(url, url)
    out.text = one_line(shortcodes(text, drop=title))
    out.lead = one_line(shortcodes(out.lead, drop=title))
    return out


def _image(out: Inline, parts: list[str], alt: str, src: str) -> None:
    found = badge_priority(alt, src)
    if found is None:
        parts.append(alt)
    elif out.badge is None:
        out.badge = found


def _literal_badge(out: Inline, match: re.Match[str]) -> str:
    found = badge_priority(match.group(1), "")
    if found is None:
        return match.group()
    if out.badge is None:
        out.badge = found
    return ""


def _html(
    out: Inline, parts: list[str], tag: str, link: tuple[str, int] | None
) -> tuple[str, int] | None:
    """Inline HTML: `<br>` is a space, `<a href>` a link, `<img>` an image; other tags vanish."""
    lowered = tag.lower()
    if lowered.startswith("<br"):
        parts.append(" ")
    elif (href := _HREF.match(tag)) is not None:
        return (next(g for g in href.groups() if g is not None), len(parts))
    elif lowered.startswith("</a") and link is not None:
        out.add_link("".join(parts[link[1] :]), link[0])
        return None
    elif _IMG.match(tag):
        attrs = {
            m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3)
            for m in _ATTR.finditer(tag)
        }
        _image(out, parts, attrs.get("alt", ""), attrs.get("src", ""))
    return link


def split_title(inline: Inline) -> tuple[str, str]:
    """(title, description) of a task text: its bold lead, else its first sentence when it is
    long."""
    text = inline.text
    lead = inline.lead.rstrip()
    if lead and text.startswith(lead) and len(text) > len(lead):
        rest = text[len(lead) :]
        if lead.endswith(":") or _LEAD_SEPARATOR.match(rest) or len(text) > TITLE_MAX:
            return lead.rstrip(":").strip(), _LEAD_SEPARATOR.sub("", rest, count=1).strip()
    if len(text) <= TITLE_MAX:
        return text, ""
    for match in _SENTENCE_END.finditer(text):
        head = text[: match.start()]
        if head.lower().rsplit(" ", 1)[-1].rstrip(".") in _ABBREVIATIONS or len(head) < 10:
            continue
        if len(head) <= SENTENCE_MAX:
            return head, text[match.end() :].strip()
        break
    from ..text import shorten

    return shorten(text, TITLE_MAX), text
