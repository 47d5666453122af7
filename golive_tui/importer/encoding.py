"""Bytes of a Markdown file as text: the encoding from a BOM, UTF-16 without one, else strict UTF-8.

Nothing is guessed silently: a file that is not UTF-8 (Latin-1, Windows-1252, …) is refused
with the line of the first byte that does not fit and the `--encoding` to pass; a binary file
is refused as binary. Line endings become `\\n` (CRLF and CR files read like LF ones).
"""

from __future__ import annotations

import codecs

from ..errors import LoadError

BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),  # before UTF-16: FF FE 00 00 starts with FF FE
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
CONTROL_SHARE = 0.05
"""More control characters than this share of the text (other than tab, newlines, form feed) is
binary."""


def _line_of(data: bytes, offset: int, encoding: str = "utf-8") -> int:
    """1-based line of byte `offset`, counting newlines in what decodes before it."""
    return data[:offset].decode(encoding, errors="replace").count("\n") + 1


def _utf16_without_bom(data: bytes) -> str:
    """`utf-16-le`/`utf-16-be` when NULs sit on one side of most byte pairs (ASCII-heavy UTF-16
    text)."""
    if len(data) < 4 or len(data) % 2:
        return ""
    even, odd = data[0::2], data[1::2]
    even_nul, odd_nul = even.count(0) / len(even), odd.count(0) / len(odd)
    if odd_nul > 0.3 and even_nul < 0.02:
        return "utf-16-le"
    if even_nul > 0.3 and odd_nul < 0.02:
        return "utf-16-be"
    return ""


def _decode(data: bytes, encoding: str, source: str, how: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = _line_of(data, exc.start, encoding)
        raise LoadError(
            source,
            f"not valid {how}: bytes {data[exc.start : exc.start + 4]!r} cannot be decoded "
            f"({exc.reason}); give the file's encoding with --encoding",
            line=line,
        ) from None


def decode(data: bytes, source: str, encoding: str | None = None) -> tuple[str, str]:
    """(text, the encoding used and why) for a file's bytes; LoadError with a line when they are not
    text."""
    if encoding:
        try:
            name = codecs.lookup(encoding).name
        except LookupError:
            raise LoadError(
                source, f"unknown encoding {encoding!r} (try utf-8, latin-1, cp1252, utf-16)"
            ) from None
        text, how = _decode(data, encoding, source, name), f"{name} (--encoding)"
    else:
        bom = next(((mark, name) for mark, name in BOMS if data.startswith(mark)), None)
        guessed = _utf16_without_bom(data) if bom is None else ""
        if bom is not None:
            text, how = (
                _decode(data, bom[1], source, bom[1]),
                f"{bom[1].replace('-sig', '')} (byte order mark)",
            )
        elif guessed:
            text, how = _decode(data, guessed, source, guessed), f"{guessed} (no byte order mark)"
        elif b"\x00" in data:
            raise LoadError(
                source,
                "binary file, not Markdown text (it holds NUL bytes)",
                line=_line_of(data, data.index(b"\x00")),
            )
        else:
            try:
                text, how = data.decode("utf-8"), "utf-8"
            except UnicodeDecodeError as exc:
                line = _line_of(data, exc.start)
                byte, column = data[exc.start], exc.start - data.rfind(b"\n", 0, exc.start)
                hint = (
                    "if it is Latin-1 or Windows-1252 text, pass --encoding cp1252"
                    if _mostly_text(data)
                    else "it looks binary"
                )
                raise LoadError(
                    source,
                    f"not UTF-8: byte 0x{byte:02X} at column {column} cannot be decoded; {hint}",
                    line=line,
                ) from None
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        raise LoadError(
            source,
            "binary file, not Markdown text (it holds NUL characters)",
            line=text[: text.index("\x00")].count("\n") + 1,
        )
    controls = sum(1 for c in text if c < " " and c not in "\t\n\f")
    if text and controls / len(text) > CONTROL_SHARE:
        raise LoadError(source, f"binary file, not Markdown text ({controls} control characters)")
    return text, how


def _mostly_text(data: bytes) -> bool:
    """Whether bytes read as Windows-1252 are mostly printable (a Latin-1 file) rather than
    noise."""
    text = data.decode("cp1252", errors="replace")
    printable = sum(1 for c in text if c.isprintable() or c in "\t\n\r")
    return printable / max(len(text), 1) > 0.95
