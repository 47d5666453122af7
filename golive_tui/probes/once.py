"""Probe kinds whose verdict depends only on the profile and the spec, never on the item.

The shipped checklist names some of them under two rows (`grafana.dashboards` decides both
"Grafana" and "Monitoring dashboards ready"). The engine runs such a spec once per sweep and
gives every row naming it a copy of the one result: the same requests, made once. A kind that
reads `ctx.item` (a metric's target through `ctx.judge`, the item's title) must not be listed:
tests/test_sweep_once.py reads each listed probe's source to hold that.
"""

from __future__ import annotations

from ..model import ProbeSpec

ITEM_BLIND = frozenset(
    {
        "aws.eks-secrets-encryption",
        "grafana.dashboards",
        "http.oidc-discovery",
        "http.openapi-auth",
        "k8s.secret-refs",
        "pagerduty.oncall-coverage",
    }
)
"""Kinds that may run once per sweep for every item naming them with the same spec."""


def once_key(spec: ProbeSpec) -> str | None:
    """The key under which a sweep runs this spec once, or None: run it for each item."""
    if spec.kind not in ITEM_BLIND:
        return None
    from . import registry

    kind = registry().get(spec.kind)
    try:  # the parameters as the probe sees them: `{}` and its defaults spelled out are one spec
        params = kind.params.model_validate(spec.params).model_dump_json() if kind else ""
    except ValueError:
        return None  # the engine reports the bad parameters, row by row
    return f"{spec.model_dump_json(exclude={'params'})} {params}"
