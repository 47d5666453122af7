"""`golive init`, monitoring: Prometheus and Alertmanager URLs, their namespace, the alert rules.

Found anywhere in the cluster (Services named or labelled like the app, the ConfigMap with the
most `alert:` rules), not only in the target namespace: monitoring usually lives apart. A
Service with no address outside the cluster is not written down; the note says how to reach it.
"""

from __future__ import annotations

from typing import Any

from .draft import Draft
from .kube import KubeReader


def discover_monitoring(reader: KubeReader, draft: Draft, default_ns: str) -> None:
    everywhere = reader.get("/api/v1/services")
    services = everywhere.items()
    if not everywhere.ok:
        local = reader.get(f"/api/v1/namespaces/{default_ns}/services")
        services = local.items()
        if not local.ok:
            why = (
                f"{everywhere.why('Services in all namespaces')}; "
                f"{local.why(f'Services in {default_ns}')}"
            )
            for key in (
                "prometheus.url",
                "prometheus.alertmanager_url",
                "target.monitoring_namespace",
            ):
                draft.missing(key, why)
            return
    found_ns = ""
    for key, app, port in (
        ("prometheus.url", "prometheus", 9090),
        ("prometheus.alertmanager_url", "alertmanager", 9093),
    ):
        svc = _find_app(services, app)
        if svc is None:
            draft.missing(key, f"no Service named like {app!r} in any namespace")
            continue
        found_ns = found_ns or svc["metadata"].get("namespace", "")
        _service_url(draft, key, svc, port)
    if found_ns:
        draft.found(
            "target.monitoring_namespace", found_ns, "the namespace of the Prometheus Service"
        )
    if not _alert_rules(reader, draft, found_ns):
        draft.missing(
            "target.monitoring_namespace",
            "no Prometheus Service and no ConfigMap of alert rules found",
        )


def _find_app(services: list[dict[str, Any]], app: str) -> dict[str, Any] | None:
    def score(svc: dict[str, Any]) -> int:
        md = svc["metadata"]
        labels = md.get("labels") or {}
        name = md["name"]
        if labels.get("app.kubernetes.io/name") == app or labels.get("app") == app:
            return 3
        if app == "prometheus" and any(
            x in name for x in ("alertmanager", "exporter", "operator", "pushgateway", "adapter")
        ):
            return 0
        return 2 if name in (app, f"{app}-server", f"{app}-operated") else 1 if app in name else 0

    ranked = sorted((s for s in services if score(s)), key=score, reverse=True)
    return ranked[0] if ranked else None


def _service_url(draft: Draft, key: str, svc: dict[str, Any], usual_port: int) -> None:
    md, spec = svc["metadata"], svc.get("spec") or {}
    where = f"Service {md.get('namespace')}/{md['name']}"
    ports = spec.get("ports") or []
    port = next(
        (p for p in ports if p.get("port") == usual_port),
        ports[0] if ports else {"port": usual_port},
    )
    lb = [
        i.get("ip") or i.get("hostname")
        for i in ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    ]
    if spec.get("type") == "LoadBalancer" and lb and lb[0]:
        draft.found(
            key,
            f"http://{lb[0]}:{port['port']}",
            f"{where}, type LoadBalancer at {lb[0]}:{port['port']}",
        )
        return
    draft.note(
        key,
        f"{where} is {spec.get('type', 'ClusterIP')} (no address outside the cluster): reach it "
        f"with `kubectl -n {md.get('namespace')} port-forward svc/{md['name']} {port['port']}` "
        f"and use http://127.0.0.1:{port['port']}, or an internal load balancer / ingress you have",
    )
    draft.missing(key, f"{where} has no address reachable from here")


def _alert_rules(reader: KubeReader, draft: Draft, ns: str) -> str:
    """The ConfigMap with the most `alert:` rules (in `ns`, else anywhere); returns the namespace it
    is in."""
    where = f"in {ns}" if ns else "in any namespace"
    answer = reader.get(f"/api/v1/namespaces/{ns}/configmaps" if ns else "/api/v1/configmaps")
    if not answer.ok:
        draft.missing("kubernetes.alert_rules_configmap", answer.why(f"ConfigMaps {where}"))
        return ns
    with_rules: list[tuple[str, str, int]] = [  # (name, namespace, rules): ObjectMeta's strings
        (
            cm["metadata"]["name"],
            cm["metadata"].get("namespace", ""),
            sum(str(v).count("alert:") for v in (cm.get("data") or {}).values()),
        )
        for cm in answer.items()
    ]
    with_rules = sorted((r for r in with_rules if r[2]), key=lambda r: -r[2])
    if not with_rules:
        draft.missing(
            "kubernetes.alert_rules_configmap", f"no ConfigMap {where} holds `alert:` rules"
        )
        return ns
    name, home, count = with_rules[0]
    others = (
        f" (also: {', '.join(f'{s}/{n}' for n, s, _ in with_rules[1:])})"
        if len(with_rules) > 1
        else ""
    )
    draft.found(
        "kubernetes.alert_rules_configmap",
        name,
        f"the ConfigMap {where} with the most `alert:` rules: {home}/{name} ({count}){others}",
    )
    if not ns:
        draft.found(
            "target.monitoring_namespace",
            home,
            f"the namespace of the alert rules' ConfigMap {name} (no Prometheus Service found)",
        )
    return home
