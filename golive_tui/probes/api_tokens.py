"""Read an API token (PagerDuty REST, Grafana) for a probe: a token the profile does not give is
`skipped`.

A token that is not set anywhere, or no keyring to look in, is a configuration the captain has
not made yet: the probe is skipped naming the profile key and the secret to set. A token that
is set but unreadable (a `file:` secret others can read) is an error: something is wrong.
"""

from __future__ import annotations

import asyncio

from ..errors import GoliveError
from ..secrets import env_name, get_secret
from .base import NotConfigured, ProbeContext, ProbeError
from .threads import in_daemon_thread


async def api_token(ctx: ProbeContext, key: str, name: str) -> str:
    """The secret `name` (profile key `key`), read off the loop within the probe's deadline."""
    try:
        async with asyncio.timeout(ctx.remaining()):
            return await in_daemon_thread(get_secret, name)
    except GoliveError as exc:
        text = str(exc)
        if "is not set" in text or "no keyring backend" in text:
            raise NotConfigured(
                f"no API token: set the secret named by {key} ({name!r}): `golive secret set "
                f"{name}` or ${env_name(name)}"
            ) from None
        raise ProbeError(text) from None
    except TimeoutError:
        raise ProbeError(f"the keyring did not answer within {ctx.timeout:g}s") from None
