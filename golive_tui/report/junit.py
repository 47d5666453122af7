"""JUnit XML for CI: one testcase per probed item, a testsuite per top section."""

from __future__ import annotations

from datetime import datetime
from xml.etree import ElementTree as ET

from ..model import Checklist
from ..profile import Profile
from ..state_model import State
from .common import views


def render_junit(checklist: Checklist, state: State, profile: Profile, now: datetime, *, only: set[str] | None = None) -> str:
    root = ET.Element("testsuites", name=f"golive: {checklist.title}")
    totals = dict(tests=0, failures=0, errors=0, skipped=0)
    for top in checklist.section:
        cases = [v for v in views(checklist, state, now, only) if v.item.probe and v.item.key.split(".", 1)[0] == top.id]
        if not cases:
            continue
        suite = ET.SubElement(root, "testsuite", name=top.title, timestamp=now.strftime("%Y-%m-%dT%H:%M:%S"))
        counts = dict(tests=0, failures=0, errors=0, skipped=0)
        elapsed = 0.0
        for v in cases:
            seconds = (v.duration_ms or 0) / 1000
            elapsed += seconds
            case = ET.SubElement(suite, "testcase", classname=v.item.section_key, name=f"{v.item.key}: {v.item.title}",
                                 time=f"{seconds:.3f}")
            counts["tests"] += 1
            if v.state == "waived":
                ET.SubElement(case, "skipped", message=f"waived: {v.waiver['reason'] if v.waiver else ''}")
                counts["skipped"] += 1
            elif v.verdict == "fail":
                ET.SubElement(case, "failure", message=v.summary, type="fail").text = v.evidence
                counts["failures"] += 1
            elif v.verdict == "error":
                ET.SubElement(case, "error", message=v.summary, type="error").text = v.evidence
                counts["errors"] += 1
            elif v.verdict in ("", "skipped"):
                ET.SubElement(case, "skipped", message=v.summary or "not run")
                counts["skipped"] += 1
            elif v.evidence:
                ET.SubElement(case, "system-out").text = f"{v.verdict}: {v.summary}\n{v.evidence}"
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("time", f"{elapsed:.3f}")
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
