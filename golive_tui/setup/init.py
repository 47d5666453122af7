"""`golive init`: write a commented target profile from what the kubeconfig and AWS credentials can
see.

Every value found is written with a comment saying where it came from; every value not
found is written commented out with what to put there. Nothing is guessed silently:
with several candidates and `--yes` (nobody to ask), the key stays commented out and the
candidates are listed. No secret is ever written — only the name of the keyring entry.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

from ..errors import GoliveError
from ..profile import Profile
from .discover_k8s import Chooser, discover_kubernetes
from .draft import Draft
from .kube import probe_context

DEFAULT_OUTPUT = "golive-profile.toml"
NOT_DISCOVERABLE = {
    "target.required_env": (
        "your services' contract with their configuration, which the cluster cannot tell"
    ),
    "http.health_urls": (
        "routes of the application behind its gateway, which the platform does not describe; "
        "services without one are checked through the API server's service proxy"
    ),
    "http.status_page_url": "the status page is hosted elsewhere (statuspage.io, instatus, …)",
    "http.allowed_origins": (
        "your web applications' origins: the API's CORS configuration lives in its code"
    ),
    "http.ca_bundle": "a private CA is not visible from the platform",
    "k6.summaries": "k6 summaries are artifacts of your load tests, not of the platform",
    "k6.summary": "k6 summaries are artifacts of your load tests, not of the platform",
    "deps.reports": "dependency reports are artifacts of your CI, not of the platform",
}
"""Keys no read of the platform can fill, and why (written as the comment of each)."""


def base_profile(path: str | None, overrides: tuple[str, ...] | list[str]) -> Profile:
    """The settings init starts from: `--profile` if given, plus `--set` — never the file it is
    about to write."""
    from ..profile import load_profile

    if path:
        return load_profile(path, overrides)
    from ..profile import parse_override

    raw: dict[str, Any] = {}
    for assignment in overrides:
        keys, value = parse_override(assignment)
        node = raw
        for part in keys[:-1]:
            node = node.setdefault(part, {})
        node[keys[-1]] = value
    try:
        return Profile.model_validate(raw)
    except Exception as exc:
        raise GoliveError(f"--set: {exc}") from None


def discover(
    profile: Profile,
    choose: Chooser,
    *,
    namespace: str = "",
    aws: bool = True,
    timeout: float = 8.0,
) -> Draft:
    """Read the platform and return the draft profile (nothing is written)."""
    draft = Draft()
    ctx = probe_context(profile, timeout)
    clues = discover_kubernetes(ctx, draft, choose, namespace=namespace)
    if aws:
        from .discover_aws import discover_aws

        try:
            discover_aws(ctx, draft, choose, clues)
        except Exception as exc:  # no credentials, an unknown AWS profile: a comment, not a failure
            from ..probes.aws_client import describe_error

            reason = describe_error(exc)
            if reason is None:
                raise
            draft.section_note("aws", f"nothing read from AWS: {reason}")
    if not draft.value("target.name"):
        name = clues.namespace or (clues.context.name if clues.context else "")
        if name:
            draft.found("target.name", name, "the namespace (no EKS cluster name found)")
    draft.found(
        "pagerduty.routing_key_secret",
        profile.pagerduty.routing_key_secret,
        "the NAME of the keyring entry, never the key: golive secret set "
        + profile.pagerduty.routing_key_secret,
    )
    for key, why in NOT_DISCOVERABLE.items():
        draft.missing(key, why)
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    context = clues.context.name if clues.context else "no kubeconfig context"
    draft.header = [
        f"golive target profile, written by `golive init` on {now}",
        f"from kubeconfig context {context!r}"
        + (f" ({clues.server})" if clues.server else "")
        + " and the AWS credentials in use.",
        "Each value says where it came from. Commented-out keys were not found: "
        "fill them in (the line says what",
        "to put there and which default applies meanwhile). No secret belongs here: "
        "store the PagerDuty routing key",
        "with `golive secret set`. Check the result with `golive doctor`, then `golive run`.",
    ]
    return draft


def render(draft: Draft) -> str:
    """The profile's text, refused if it would not load (it always should)."""
    text = draft.render(Profile())
    try:
        Profile.model_validate(tomllib.loads(text))
    except Exception as exc:  # a bug in init, never the user's doing: say so plainly
        raise GoliveError(
            "golive init produced a profile that does not load "
            f"({type(exc).__name__}: {exc}); please report it"
        ) from None
    return text


def write(text: str, output: Path, *, force: bool) -> None:
    """Write the profile; an existing file is kept unless `force` (and then saved as .bak)."""
    if output.exists() and not force:
        raise GoliveError(
            f"{output} exists: pass --force to overwrite it "
            f"(the old file is kept as {output.name}.bak), or --dry-run to print the new profile"
        )
    output.parent.mkdir(parents=True, exist_ok=True)
    if output.exists():
        output.replace(output.with_name(output.name + ".bak"))
    temporary = output.with_name(f".{output.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(output)


def summary(draft: Draft) -> tuple[list[str], list[str]]:
    """(keys found, keys not found) for the closing message."""
    found = sorted(k for k, e in draft.entries.items() if e.found)
    missing = sorted(k for k, e in draft.entries.items() if not e.found)
    return found, missing
