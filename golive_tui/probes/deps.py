"""Dependency scanning from the report a pipeline produced: `npm audit --json` (v6 and v7+), SARIF
2.1, Trivy JSON.

golive runs no scanner (nothing is installed or looked up on the bastion): CI writes the
report, the profile's `[deps] reports` names the files or URLs, and the probe judges the
findings by severity and the report by its age (a clean report from last quarter proves
nothing about today's lock file).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from ..text import safe_line, shorten
from .artifacts import Artifact, read_json
from .base import (
    NotConfigured,
    ProbeContext,
    ProbeError,
    ProbeParams,
    ProbeResult,
    errored,
    failed,
    passed,
    probe,
)

SEVERITIES = ("critical", "high", "moderate", "low", "info")
RANK = {name: n for n, name in enumerate(reversed(SEVERITIES))}
ALIASES = {
    "medium": "moderate",
    "negligible": "info",
    "unknown": "info",
    "none": "info",
    "error": "high",
    "warning": "moderate",
    "note": "low",
}


class DepsParams(ProbeParams):
    fail_at: Literal["critical", "high", "moderate", "low"] = "high"
    """A finding of this severity or worse fails the item (default: no critical or high)."""
    max_age_days: int = 7
    """A report older than this fails (its own timestamp, else the file's mtime or Last-Modified);
    0: any age."""


@dataclass(frozen=True)
class Finding:
    severity: str
    package: str
    title: str

    def shown(self) -> str:
        return safe_line(shorten(f"{self.severity}: {self.package} — {self.title}", 200))


@dataclass(frozen=True)
class Report:
    kind: str
    findings: list[Finding]
    created: datetime | None


def severity(value: object) -> str:
    name = str(value or "info").strip().lower()
    name = ALIASES.get(name, name)
    return name if name in RANK else "info"


def cvss_severity(score: float) -> str:
    """CVSS v3 bands, as GitHub code scanning reads SARIF `security-severity`."""
    return (
        "critical"
        if score >= 9
        else "high"
        if score >= 7
        else "moderate"
        if score >= 4
        else "low"
        if score > 0
        else "info"
    )


def parse(data: Any, where: str) -> Report:
    """Recognise the report's format and read its findings; ProbeError for anything else."""
    if not isinstance(data, dict):
        raise ProbeError(f"{where}: not a JSON object")
    if "error" in data and isinstance(
        data["error"], dict
    ):  # npm audit failing (no lock file, registry down)
        error = data["error"]
        raise ProbeError(
            f"{where}: npm audit failed: {error.get('code', '?')} "
            f"{shorten(error.get('summary', ''), 120)}"
        )
    if "auditReportVersion" in data or isinstance(data.get("vulnerabilities"), dict):
        return Report("npm audit (v7+)", _npm7(data), None)
    if isinstance(data.get("advisories"), dict):
        return Report("npm audit (v6)", _npm6(data), None)
    if isinstance(data.get("runs"), list):
        return _sarif(data)
    if "Results" in data or "SchemaVersion" in data:
        return Report("Trivy", _trivy(data), _timestamp(data.get("CreatedAt")))
    raise ProbeError(f"{where}: not an npm audit --json, SARIF 2.1 or Trivy JSON report")


def _npm7(data: dict[str, Any]) -> list[Finding]:
    out = []
    for name, entry in (data.get("vulnerabilities") or {}).items():
        advisories = [v for v in entry.get("via") or [] if isinstance(v, dict)]
        titles = [
            f"{v.get('title', '?')} ({v.get('url', '').rsplit('/', 1)[-1] or v.get('source', '')})"
            for v in advisories
        ]
        via = [v for v in entry.get("via") or [] if isinstance(v, str)]
        title = "; ".join(titles) or f"through {', '.join(via) or '?'}"
        out.append(
            Finding(
                severity(entry.get("severity")), f"{name} {entry.get('range', '')}".strip(), title
            )
        )
    return out


def _npm6(data: dict[str, Any]) -> list[Finding]:
    out = []
    for advisory in data["advisories"].values():
        versions = sorted({f.get("version", "") for f in advisory.get("findings") or []} - {""})
        cves = ", ".join(advisory.get("cves") or []) or str(advisory.get("id", ""))
        out.append(
            Finding(
                severity(advisory.get("severity")),
                f"{advisory.get('module_name', '?')} {' '.join(versions)}".strip(),
                f"{advisory.get('title', '?')} ({cves})",
            )
        )
    return out


def _sarif(data: dict[str, Any]) -> Report:
    out, created = [], None
    for run in data["runs"]:
        driver = (run.get("tool") or {}).get("driver") or {}
        rules = driver.get("rules") or []
        by_id = {rule.get("id"): rule for rule in rules if isinstance(rule, dict)}
        for invocation in run.get("invocations") or []:
            created = created or _timestamp(
                invocation.get("endTimeUtc") or invocation.get("startTimeUtc")
            )
        for result in run.get("results") or []:
            if result.get("suppressions") or result.get("baselineState") == "absent":
                continue  # accepted in review, or already fixed
            index = result.get("ruleIndex")
            rule = (
                rules[index]
                if isinstance(index, int) and 0 <= index < len(rules)
                else by_id.get(result.get("ruleId"), {})
            )
            score = (result.get("properties") or {}).get("security-severity") or (
                rule.get("properties") or {}
            ).get("security-severity")
            try:
                level = cvss_severity(float(score)) if score is not None else None
            except (TypeError, ValueError):
                level = None
            level = level or severity(
                result.get("level")
                or (rule.get("defaultConfiguration") or {}).get("level")
                or "warning"
            )
            locations = result.get("locations") or [{}]
            uri = ((locations[0].get("physicalLocation") or {}).get("artifactLocation") or {}).get(
                "uri", ""
            )
            message = (result.get("message") or {}).get("text", "")
            out.append(
                Finding(
                    level,
                    f"{result.get('ruleId', '?')}{f' in {uri}' if uri else ''}",
                    shorten(message, 140) or driver.get("name", ""),
                )
            )
    tools = sorted({(r.get("tool") or {}).get("driver", {}).get("name", "?") for r in data["runs"]})
    return Report(f"SARIF ({', '.join(tools)})", out, created)


def _trivy(data: dict[str, Any]) -> list[Finding]:
    out = []
    for result in data.get("Results") or []:
        for vuln in result.get("Vulnerabilities") or []:
            fixed = f", fixed in {vuln['FixedVersion']}" if vuln.get("FixedVersion") else ""
            out.append(
                Finding(
                    severity(vuln.get("Severity")),
                    f"{vuln.get('PkgName', '?')} {vuln.get('InstalledVersion', '')}".strip(),
                    f"{vuln.get('VulnerabilityID', '?')} {vuln.get('Title', '')}".strip()
                    + fixed
                    + f" [{result.get('Target', '?')}]",
                )
            )
    return out


def _timestamp(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


@probe("deps.report", DepsParams, blocking=False)
async def dependency_report(ctx: ProbeContext, params: DepsParams) -> ProbeResult:
    """No finding at `fail_at` or worse in any dependency report, and no report older than
    `max_age_days`."""
    sources = ctx.profile.deps.reports
    if not sources:
        raise NotConfigured(
            "no dependency report in the profile ([deps] reports: npm audit --json, SARIF or "
            "Trivy JSON)"
        )
    loaded = await asyncio.gather(*(_load(ctx, s) for s in sources))
    threshold = RANK[params.fail_at]
    problems, lines, unreadable, ageless = [], [], [], []
    counts = dict.fromkeys(SEVERITIES, 0)
    for source, outcome in zip(sources, loaded, strict=True):
        if isinstance(outcome, ProbeError):
            unreadable.append(str(outcome))
            lines.append(f"{source}: {outcome}")
            continue
        artifact, report = outcome
        created = report.created or artifact.modified
        age = (ctx.now() - created).days if created else None
        tally = {s: sum(1 for f in report.findings if f.severity == s) for s in SEVERITIES}
        for name, n in tally.items():
            counts[name] += n
        shown = ", ".join(f"{n} {s}" for s, n in tally.items() if n) or "no findings"
        lines.append(
            f"{artifact.where}: {report.kind}, {shown}; "
            + (f"{age} days old" if age is not None else "age unknown")
        )
        ranked = sorted(report.findings, key=lambda f: -RANK[f.severity])
        bad = [f for f in ranked if RANK[f.severity] >= threshold]
        lines += [
            f"  {f.shown()}" for f in ranked[:30]
        ]  # below the threshold too: a reviewer sees every finding
        if bad:
            worst = bad[0]
            more = f" and {len(bad) - 1} more" if len(bad) > 1 else ""
            problems.append(
                f"{worst.severity}: {worst.package} — {shorten(worst.title, 100)}{more} "
                f"({artifact.where})"
            )
        if params.max_age_days and age is not None and age > params.max_age_days:
            problems.append(f"{artifact.where} is {age} days old (> {params.max_age_days})")
        elif params.max_age_days and age is None:
            ageless.append(artifact.where)
    if problems:
        return failed("; ".join(problems), "\n".join(lines))
    if unreadable:
        raise ProbeError("; ".join(unreadable))
    if ageless:  # as a stale report proves nothing, so does a clean one of unknown age
        return errored(
            f"cannot tell how old {', '.join(ageless)} is (no timestamp in the report, no "
            "Last-Modified), so its clean result may be from any day: serve it with "
            "Last-Modified, or set max_age_days = 0",
            "\n".join(lines),
        )
    below = ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "no findings"
    return passed(
        f"nothing at {params.fail_at} or worse in {len(sources)} report(s) ({below})",
        "\n".join(lines),
    )


async def _load(ctx: ProbeContext, source: str) -> tuple[Artifact, Report] | ProbeError:
    try:
        artifact = await read_json(ctx, source, "dependency report")
        return artifact, parse(artifact.data, artifact.where)
    except ProbeError as exc:
        return exc
