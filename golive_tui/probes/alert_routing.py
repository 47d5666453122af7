"""Where Alertmanager sends alerts: its route tree read from the loaded configuration.

`/api/v2/status` returns the configuration as Alertmanager loaded it (`config.original`, YAML
with secrets shown as `<secret>`). A receiver is only a name; it reaches someone through its
integrations (`pagerduty_configs`, `slack_configs`, `webhook_configs`, ...). The kube-prometheus
default routes everything to a receiver called "null" with none, and line-scanning for
`- name:` also counts time intervals: both looked like "routes to a receiver".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_DEPTH = 32
"""Route trees deeper than this are not followed (Alertmanager's are a few levels)."""


@dataclass
class Routing:
    receivers: dict[str, list[str]]
    """Every receiver of the configuration -> its integrations (e.g. ["pagerduty"]; [] for none)."""
    routed: list[str] = field(default_factory=list)
    """Receivers the route tree sends alerts to, root first, each once."""
    catch_all: str = ""
    """The root route's receiver: where alerts that match no child route go."""
    tree: list[str] = field(default_factory=list)
    """The route tree, one indented line per route, for evidence."""
    undefined: list[str] = field(default_factory=list)

    @property
    def reaching(self) -> list[str]:
        """Routed receivers with at least one integration."""
        return [name for name in self.routed if self.receivers.get(name)]


def integrations(receiver: dict[str, Any]) -> list[str]:
    """`pagerduty_configs: [..]` -> ["pagerduty"]; empty lists and other keys do not count."""
    return [
        key.removesuffix("_configs")
        for key, value in receiver.items()
        if key.endswith("_configs") and isinstance(value, list) and value
    ]


def _matchers(route: dict[str, Any]) -> str:
    parts = [str(m) for m in route.get("matchers") or []]
    for key in ("match", "match_re"):
        for label, value in (route.get(key) or {}).items():
            parts.append(f"{label}{'=~' if key == 'match_re' else '='}{value!r}")
    return ", ".join(parts)


def read_routing(config: Any) -> Routing:
    """The routing of a parsed Alertmanager configuration (a dict); ValueError when it has no
    route."""
    if not isinstance(config, dict) or not isinstance(config.get("route"), dict):
        raise ValueError("the configuration has no route")
    receivers = {
        str(r.get("name", "")): integrations(r)
        for r in config.get("receivers") or []
        if isinstance(r, dict)
    }
    root = config["route"]
    routing = Routing(receivers, catch_all=str(root.get("receiver", "")))

    def walk(route: dict[str, Any], inherited: str, depth: int) -> None:
        receiver = str(
            route.get("receiver") or inherited
        )  # a child without a receiver uses its parent's
        if receiver and receiver not in routing.routed:
            routing.routed.append(receiver)
        if receiver and receiver not in receivers and receiver not in routing.undefined:
            routing.undefined.append(receiver)
        how = ", ".join(receivers.get(receiver) or []) or "no integration"
        where = (_matchers(route) if depth else "") or "every alert"
        routing.tree.append(f"{'  ' * depth}{where} -> {receiver or '?'} ({how})")
        if depth < MAX_DEPTH:
            for child in route.get("routes") or []:
                if isinstance(child, dict):
                    walk(child, receiver, depth + 1)

    walk(root, "", 0)
    return routing
