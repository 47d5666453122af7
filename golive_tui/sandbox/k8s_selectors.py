"""Label and field selectors as the Kubernetes API server parses and matches them
(`?labelSelector=app=web,tier in (a,b)`, `?fieldSelector=metadata.name=x`).

Split from `k8s_resources`; the sandbox API server (`k8s_api`) filters lists with these.
"""

from __future__ import annotations

import re
from typing import Any

Obj = dict[str, Any]

_KEY = r"[A-Za-z0-9][-A-Za-z0-9_./]*"
_EQUALITY = re.compile(rf"^\s*({_KEY})\s*(==|=|!=)\s*([-A-Za-z0-9_.]*)\s*$")
_SET = re.compile(rf"^\s*({_KEY})\s+(in|notin)\s*\(([^)]*)\)\s*$")
_EXISTS = re.compile(rf"^\s*(!?)\s*({_KEY})\s*$")

Requirement = tuple[str, str, frozenset[str]]


def parse_label_selector(text: str) -> list[Requirement]:
    """`app=web,tier in (a,b),!legacy` -> requirements; ValueError on bad syntax (the server answers
    400)."""
    terms, depth, current = [], 0, ""
    for char in text:
        depth += char == "("
        depth -= char == ")"
        if char == "," and depth == 0:
            terms.append(current)
            current = ""
        else:
            current += char
    terms.append(current)
    out: list[Requirement] = []
    for term in terms:
        if not term.strip():
            continue
        if m := _EQUALITY.match(term):
            out.append((m[1], "!=" if m[2] == "!=" else "=", frozenset([m[3]])))
        elif m := _SET.match(term):
            out.append((m[1], m[2], frozenset(v.strip() for v in m[3].split(",") if v.strip())))
        elif m := _EXISTS.match(term):
            out.append((m[2], "!" if m[1] else "exists", frozenset()))
        else:
            raise ValueError(f"unable to parse requirement: {term.strip()!r}")
    return out


def label_selector_matches(requirements: list[Requirement], labels: dict[str, str]) -> bool:
    for key, op, values in requirements:
        present, value = key in labels, labels.get(key)
        ok = {
            "=": present and value in values,
            "in": present and value in values,
            "!=": not present or value not in values,
            "notin": not present or value not in values,
            "exists": present,
            "!": not present,
        }[op]
        if not ok:
            return False
    return True


def field_selector_matches(text: str, obj: Obj) -> bool:
    """Only metadata.name and metadata.namespace, as most resources support; ValueError
    otherwise."""
    for term in filter(None, (t.strip() for t in text.split(","))):
        m = re.match(r"^(metadata\.name|metadata\.namespace)\s*(==|=|!=)\s*(.*)$", term)
        if not m:
            raise ValueError(f'field label not supported: "{term.split("=")[0].rstrip("!")}"')
        actual = obj["metadata"].get(m[1].split(".")[1], "")
        if (actual == m[3]) != (m[2] != "!="):
            return False
    return True
