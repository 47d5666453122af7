"""What the HTTP probes judge, without I/O: leaks in error responses, and CORS answers.

Kept apart from the requests so each rule can be read (and tested) on its own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..text import safe_line, shorten

# Stack traces and crash dumps, by runtime: what a production error page must never show.
TRACE_PATTERNS: dict[str, re.Pattern[str]] = {
    "Python traceback": re.compile(
        r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+"
    ),
    "Java stack trace": re.compile(
        r"\bat [\w$.]+\([\w$]+\.java:\d+\)|\b(?:java|javax|jakarta)\.[\w.]+(?:Exception|Error)\b"
    ),
    "Node.js stack trace": re.compile(r"\bat (?:.+ \()?(?:/|node:|file://)[^)\s]+:\d+:\d+\)?"),
    "Go panic": re.compile(r"goroutine \d+ \[running\]|\bpanic: |\.go:\d+ \+0x[0-9a-f]+"),
    ".NET stack trace": re.compile(
        r"\bat [\w.<>`]+\(.*\) in .+:line \d+|\bSystem\.[\w.]*Exception\b|--- "
        r"End of (?:inner exception )?stack trace"
    ),
    "Ruby backtrace": re.compile(r"\.rb:\d+:in `"),
    "PHP error": re.compile(
        r"(?:Fatal error|Parse error|Warning|Notice): .+ in \S+\.php on line \d+|Stack trace:\s*#0"
    ),
}
INTERNAL_PATH = re.compile(
    r"/usr/src/app|/home/\w+/|/var/www/|/opt/app/|/srv/app/|site-packages|dist-packages|node_modules/"
    r"|[A-Za-z]:\\(?:Users|inetpub|src|app)\\|(?:/[\w.-]+){2,}\.(?:py|js|mjs|ts|java|go|rb|php|cs)\b"
)
# Default error pages and debug screens that name the framework (and often its version).
BODY_BANNERS: dict[str, re.Pattern[str]] = {
    "Spring Whitelabel error page": re.compile(r"Whitelabel Error Page"),
    "Django debug page": re.compile(r"DEBUG = True|Django Version:"),
    "Werkzeug debugger": re.compile(r"Werkzeug Debugger|The debugger caught an exception"),
    "Express default error page": re.compile(r"<pre>Cannot (?:GET|POST|PUT|DELETE|PATCH) /"),
    "Rails exception page": re.compile(r"Action Controller: Exception caught"),
    "ASP.NET error page": re.compile(r"Server Error in '/' Application"),
    "Laravel/Whoops page": re.compile(r"Whoops, looks like something went wrong|Whoops\\Exception"),
    "server version in error page": re.compile(
        r"(?:nginx|Apache|Apache Tomcat|Jetty|Microsoft-IIS)/\d+(?:\.\d+)+"
    ),
}
VERSIONED = re.compile(r"\d+\.\d+")
# Headers that name the stack: any value of the first group, a versioned value of the second.
ALWAYS_BANNER_HEADERS = (
    "x-powered-by",
    "x-aspnet-version",
    "x-aspnetmvc-version",
    "x-debug-exception",
    "x-debug-exception-file",
)
VERSION_BANNER_HEADERS = ("server",)


@dataclass(frozen=True)
class Leak:
    """One thing an error response gave away, and the text that gave it away."""

    what: str
    snippet: str


def leaks_in(body: str, headers: Mapping[str, str]) -> list[Leak]:
    """Stack traces, internal paths and framework banners in one response (body and headers)."""
    found: list[Leak] = []
    for name, pattern in TRACE_PATTERNS.items():
        match = pattern.search(body)
        if match:
            found.append(Leak(name, _around(body, match)))
    match = INTERNAL_PATH.search(body)
    if match:
        found.append(Leak("internal path", _around(body, match)))
    for name, pattern in BODY_BANNERS.items():
        match = pattern.search(body)
        if match:
            found.append(Leak(f"banner {name}", _around(body, match)))
    for header, value in headers.items():
        key = header.lower()
        shown = f"{header.title()}: {safe_line(shorten(value, 120))}"
        if key in ALWAYS_BANNER_HEADERS or (
            key in VERSION_BANNER_HEADERS and VERSIONED.search(value)
        ):
            found.append(Leak(f"banner {shown}", shown))
        elif any(p.search(value) for p in TRACE_PATTERNS.values()) or INTERNAL_PATH.search(value):
            found.append(Leak(f"stack trace or path in header {header.title()}", shown))
    return found


def _around(text: str, match: re.Match[str], width: int = 100) -> str:
    start = max(0, match.start() - 20)
    return safe_line(shorten(text[start : match.end() + 60], width))


# --- CORS ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CorsAnswer:
    """The CORS headers of one response."""

    status: int
    allow_origin: str
    allow_credentials: bool
    allow_methods: str = ""
    allow_headers: str = ""

    @classmethod
    def of(cls, status: int, headers: Mapping[str, str]) -> CorsAnswer:
        return cls(
            status,
            headers.get("access-control-allow-origin", "").strip(),
            headers.get("access-control-allow-credentials", "").strip().lower() == "true",
            headers.get("access-control-allow-methods", ""),
            headers.get("access-control-allow-headers", ""),
        )

    def shown(self, preflight: bool) -> str:
        parts = [
            f"{self.status}",
            f"Allow-Origin {self.allow_origin or '(none)'}",
            f"Allow-Credentials {'true' if self.allow_credentials else '(none)'}",
        ]
        if preflight:
            parts += [
                f"Allow-Methods {self.allow_methods or '(none)'}",
                f"Allow-Headers {self.allow_headers or '(none)'}",
            ]
        return ", ".join(safe_line(p) for p in parts)

    def allows(self, origin: str) -> bool:
        return self.allow_origin == "*" or origin in [
            o.strip() for o in self.allow_origin.split(",")
        ]


def foreign_problem(origin: str, answer: CorsAnswer, *, public_api: bool) -> str | None:
    """What is wrong when a foreign origin got this answer (None: it was refused, or may be)."""
    if answer.allow_origin == "*":
        if answer.allow_credentials:
            return "Allow-Origin * with Allow-Credentials: true"
        return (
            None
            if public_api
            else "Allow-Origin * on an API not declared public (http.public_api = false)"
        )
    if answer.allows(origin) or answer.allow_origin == "null":
        if answer.allow_credentials:
            return f"reflects foreign origin {origin} with Allow-Credentials: true"
        return None if public_api else f"reflects foreign origin {origin}"
    return None


def lookalike_origin(production: str, foreign: str) -> str:
    """`https://app.example.com` + `https://evil.example` -> `https://app.example.com.evil.example`.

    Allow-lists written as a prefix or a regex without anchors let this one through.
    """
    host = foreign.split("://", 1)[-1]
    return f"{production.rstrip('/')}.{host}"
