"""The runbooks probe (async httpx, GET): every runbook page of the profile answers 200 to golive's
read, with no login.

A page that redirects to a sign-in page answers a browser with a session, not the on-call
engineer on a fresh laptop at 2 a.m.: a redirect whose target looks like a login (path or
query naming login/signin/sso/auth) fails, as does any status other than 200. Redirects
are followed by hand, at most 5 hops.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from .base import Findings, NoParams, NotConfigured, ProbeContext, ProbeError, ProbeResult, probe
from .http_client import request

LOGIN = re.compile(r"log-?in|sign-?in|/sso|/auth|/oauth|saml|okta|accounts\.google", re.IGNORECASE)


@probe("http.runbooks", NoParams, blocking=False)
async def runbooks(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """Every URL of http.runbook_urls answers 200 without redirecting to a login page."""
    urls = ctx.profile.http.runbook_urls
    if not urls:
        raise NotConfigured("http.runbook_urls is empty in the profile: no runbook page to check")
    found = Findings()
    for first in urls:
        url, hops = first, []
        try:
            for _hop in range(6):
                reply = await request(ctx, "GET", url, max_body=65536)
                location = reply.headers.get("location")
                if reply.status_code in (301, 302, 303, 307, 308) and location:
                    url = urljoin(url, location)
                    hops.append(f"{reply.status_code} -> {url}")
                    if LOGIN.search(url):
                        break
                    continue
                break
        except ProbeError as exc:
            found.problem(f"{first}: {exc}", f"  {first}: {exc}")
            continue
        path = f" ({'; '.join(hops)})" if hops else ""
        if hops and LOGIN.search(url):
            found.problem(f"{first} redirects to a login page", f"  {first}{path}: LOGIN REQUIRED")
        elif reply.status_code != 200:
            found.problem(
                f"{first} answers {reply.status_code}", f"  {first}{path}: {reply.status_code}"
            )
        else:
            found.line(f"  {first}{path}: 200, {len(reply.content)} bytes")
    return found.result(f"{len(urls)} runbook page(s) answer without a login")
