"""JUnit XML for CI: a testsuite per top section, one testcase per item that has a probe.

Written to the strictest common reading of the format, so Jenkins (xunit junit-10.xsd),
GitLab, GitHub reporters and the Ant schema (windyroad JUnit.xsd) all accept it: no
attributes on <testsuites>; every suite carries package, id, timestamp (no zone), hostname,
counts and time, then <properties>, its testcases, <system-out> and <system-err>; a testcase
holds at most one of <failure>, <error>, <skipped>. Passing evidence goes to the suite's
<system-out>, one line per item.
"""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from ..decision import decide
from ..model import Checklist
from ..profile import Profile
from ..signoff import Trust
from ..state import State
from .common import ItemView, value_text, views, xml_text


def render_junit(
    checklist: Checklist,
    state: State,
    profile: Profile,
    now: datetime,
    *,
    only: set[str] | None = None,
) -> str:
    """The probed items as JUnit XML (`only` restricts to the items just probed)."""
    decision = decide(checklist, state, now, Trust.of(checklist, profile))
    root = ET.Element("testsuites")
    probed = [v for v in views(checklist, state, now, only) if v.item.probe]
    for top in checklist.section:
        cases = [v for v in probed if checklist.top_section_of(v.item) == top.id]
        if cases:
            _suite(
                root, top.id, top.title, cases, len(root), checklist, profile, decision.label, now
            )
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _suite(
    root: ET.Element,
    package: str,
    title: str,
    cases: list[ItemView],
    index: int,
    checklist: Checklist,
    profile: Profile,
    decision: str,
    now: datetime,
) -> None:
    checked = [v.checked_at for v in cases if v.checked_at]
    started = min(checked) if checked else now
    suite = ET.SubElement(
        root,
        "testsuite",
        name=xml_text(title),
        package=package,
        id=str(index),
        timestamp=started.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        hostname="localhost",
    )
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("checklist", checklist.title),
        ("target", profile.target.name),
        ("decision", decision),
        ("generated_at", now.astimezone(UTC).isoformat()),
    ):
        ET.SubElement(props, "property", name=name, value=xml_text(value))
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    log = []
    elapsed = 0.0
    for v in cases:
        seconds = (v.duration_ms or 0) / 1000
        elapsed += seconds
        counts["tests"] += 1
        case = ET.SubElement(
            suite,
            "testcase",
            name=xml_text(f"{v.item.key}: {v.item.title}"),
            classname=v.item.section_key,
            time=f"{seconds:.3f}",
        )
        kind, message, text = _result(v)
        if kind:
            element = ET.SubElement(case, kind, message=xml_text(message))
            if kind != "skipped":
                element.set("type", "fail" if kind == "failure" else "error")
            element.text = xml_text(text) or None
            counts[{"failure": "failures", "error": "errors", "skipped": "skipped"}[kind]] += 1
        log.append(_log_line(v))
    for key, count in counts.items():
        suite.set(key, str(count))
    suite.set("time", f"{elapsed:.3f}")
    ET.SubElement(suite, "system-out").text = xml_text("\n".join(log))
    ET.SubElement(suite, "system-err")


def _result(v: ItemView) -> tuple[str, str, str]:
    """(element, message, text): failure for a fail, error for an error, skipped for the rest not
    run."""
    if v.state == "waived" and v.waiver:
        return (
            "skipped",
            f"waived until {v.waiver['until']:%Y-%m-%d} by {v.waiver['by']}: {v.waiver['reason']}",
            "",
        )
    if v.state == "n/a":
        return "skipped", "not applicable" + (f": {v.note}" if v.note else ""), ""
    if v.verdict == "fail":
        return "failure", v.summary, v.probe_output
    if v.state == "failed":  # a human marked it failed after the probe passed
        return "failure", f"marked failed by {v.by}" + (f": {v.note}" if v.note else ""), v.summary
    if v.verdict == "error":
        return "error", v.summary, v.probe_output
    if v.verdict == "skipped":
        return "skipped", v.summary or "skipped", v.probe_output
    if not v.verdict:
        return "skipped", "never run", ""
    return "", "", ""


def _log_line(v: ItemView) -> str:
    verdict = v.verdict or "not run"
    measured = f" [{value_text(v.value, v.unit)}]" if v.value is not None else ""
    return f"{v.item.key}: {verdict}{measured} — {v.summary}".rstrip(" —")
