"""Dependency reports as CI writes them, for the staged productions: npm audit (v7+ and v6), SARIF,
Trivy.

The shapes follow the tools' real output (npm-audit-report's JSON reporter, SARIF 2.1.0 as
Trivy and GitHub code scanning write it, Trivy's `--format json` schema 2), trimmed to the
fields a reader uses.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Vuln:
    package: str
    version: str
    severity: str
    """critical, high, moderate (medium), low."""
    advisory: str
    """GHSA or CVE id."""
    title: str
    fixed_in: str = ""


MINIMIST = Vuln(
    "minimist",
    "1.2.5",
    "critical",
    "GHSA-xvch-5gv4-984h",
    "Prototype Pollution in minimist",
    "1.2.6",
)
SEMVER = Vuln(
    "semver",
    "7.5.1",
    "moderate",
    "GHSA-c2qf-rxjj-qqgw",
    "semver vulnerable to Regular Expression Denial of Service",
    "7.5.2",
)
DEBUG = Vuln(
    "debug",
    "2.6.8",
    "low",
    "GHSA-gxpj-cx7g-858c",
    "Regular Expression Denial of Service in debug",
    "2.6.9",
)

_CVSS = {"critical": 9.8, "high": 7.5, "moderate": 5.3, "medium": 5.3, "low": 3.1}


def _counts(vulns: list[Vuln]) -> dict[str, int]:
    counts = dict.fromkeys(("info", "low", "moderate", "high", "critical"), 0)
    for v in vulns:
        counts["moderate" if v.severity == "medium" else v.severity] += 1
    return {**counts, "total": len(vulns)}


def npm_audit_v7(vulns: list[Vuln], dependencies: int = 412) -> dict[str, Any]:
    """`npm audit --json` of npm 7 and later (auditReportVersion 2): one entry per vulnerable
    package."""
    return {
        "auditReportVersion": 2,
        "vulnerabilities": {
            v.package: {
                "name": v.package,
                "severity": v.severity,
                "isDirect": False,
                "via": [
                    {
                        "source": 1090000 + n,
                        "name": v.package,
                        "dependency": v.package,
                        "title": v.title,
                        "url": f"https://github.com/advisories/{v.advisory}",
                        "severity": v.severity,
                        "cwe": ["CWE-1321"],
                        "cvss": {"score": _CVSS[v.severity]},
                        "range": f"<{v.fixed_in or '99'}",
                    }
                ],
                "effects": [],
                "range": f"<{v.fixed_in or '99'}",
                "nodes": [f"node_modules/{v.package}"],
                "fixAvailable": bool(v.fixed_in),
            }
            for n, v in enumerate(vulns)
        },
        "metadata": {
            "vulnerabilities": _counts(vulns),
            "dependencies": {
                "prod": dependencies,
                "dev": 0,
                "optional": 3,
                "peer": 0,
                "total": dependencies,
            },
        },
    }


def npm_audit_v6(vulns: list[Vuln]) -> dict[str, Any]:
    """`npm audit --json` of npm 6: advisories keyed by id, with findings per installed version."""
    return {
        "actions": [],
        "advisories": {
            str(1500 + n): {
                "id": 1500 + n,
                "module_name": v.package,
                "severity": v.severity,
                "title": v.title,
                "url": f"https://github.com/advisories/{v.advisory}",
                "cves": [],
                "vulnerable_versions": f"<{v.fixed_in or '99'}",
                "patched_versions": f">={v.fixed_in or '99'}",
                "findings": [{"version": v.version, "paths": [v.package]}],
            }
            for n, v in enumerate(vulns)
        },
        "muted": [],
        "metadata": {
            "vulnerabilities": _counts(vulns),
            "dependencies": 412,
            "devDependencies": 0,
            "totalDependencies": 412,
        },
    }


def sarif(vulns: list[Vuln], when: dt.datetime, tool: str = "Trivy") -> dict[str, Any]:
    """SARIF 2.1.0 with `security-severity` on each rule, as Trivy and GitHub code scanning write
    it."""
    rules = [
        {
            "id": v.advisory,
            "name": "LanguageSpecificPackageVulnerability",
            "shortDescription": {"text": v.title},
            "defaultConfiguration": {
                "level": "error" if v.severity in ("critical", "high") else "warning"
            },
            "properties": {
                "security-severity": str(_CVSS[v.severity]),
                "tags": ["vulnerability", "security"],
            },
        }
        for v in vulns
    ]
    results = [
        {
            "ruleId": v.advisory,
            "ruleIndex": n,
            "level": "error" if v.severity in ("critical", "high") else "warning",
            "message": {
                "text": (
                    f"Package: {v.package}\nInstalled Version: {v.version}\nFixed "
                    f"Version: {v.fixed_in}"
                )
            },
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": "package-lock.json"}}}],
        }
        for n, v in enumerate(vulns)
    ]
    return {
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [
            {
                "tool": {"driver": {"name": tool, "rules": rules}},
                "results": results,
                "invocations": [
                    {"executionSuccessful": True, "endTimeUtc": when.strftime("%Y-%m-%dT%H:%M:%SZ")}
                ],
            }
        ],
    }


def trivy(vulns: list[Vuln], when: dt.datetime, image: str) -> dict[str, Any]:
    """`trivy image --format json` (schema 2): results per target with their vulnerabilities."""
    return {
        "SchemaVersion": 2,
        "CreatedAt": when.isoformat(),
        "ArtifactName": image,
        "ArtifactType": "container_image",
        "Results": [
            {
                "Target": "usr/src/app/package-lock.json",
                "Class": "lang-pkgs",
                "Type": "npm",
                "Vulnerabilities": [
                    {
                        "VulnerabilityID": v.advisory,
                        "PkgName": v.package,
                        "InstalledVersion": v.version,
                        "FixedVersion": v.fixed_in,
                        "Severity": "MEDIUM" if v.severity == "moderate" else v.severity.upper(),
                        "Title": v.title,
                    }
                    for v in vulns
                ],
            }
        ],
    }


def write(path: Path, document: dict[str, Any]) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2))
    return str(path)
