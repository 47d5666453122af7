"""Kubernetes env-var probes: every container configured, every reference resolvable, no literal
secrets.

`k8s.env-vars` answers "all required env vars configured": each container defines env (the
seed's `jq '...containers[].env | length'`), every `configMapKeyRef` / `secretKeyRef` /
`envFrom` names an object (and key) that exists, and, when the profile lists
`target.required_env`, those names are set. Referenced Secrets are read one by one (GET,
never a list of every Secret's values); a reference to a Secret the role may not read (403)
is decided by the pods' container states (k8s_infer), and is "not verifiable" only when no
pod shows it. Values are never shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import k8s_rules as rules
from .base import NoParams, ProbeContext, ProbeError, ProbeResult, errored, failed, passed
from .k8s_client import K8s, deployments, k8s_probe, none_deployed, ns_path
from .k8s_infer import PodStates, Unread


@dataclass
class _Sources:
    """The ConfigMaps and Secrets the deployments refer to, fetched once: name -> keys, None if
    missing."""

    k8s: K8s
    configmaps: dict[str, set[str] | None] = field(default_factory=dict)
    secrets: dict[str, set[str] | None] = field(default_factory=dict)
    unreadable: dict[str, str] = field(default_factory=dict)
    """Secret name -> why it could not be read (e.g. 403)."""

    def keys(self, kind: str, name: str) -> set[str] | None:
        cache = self.configmaps if kind == "configmap" else self.secrets
        if name not in cache:
            try:
                obj = self.k8s.find(self._path(kind, name))
            except ProbeError as exc:
                if kind != "secret" or not str(exc).startswith("forbidden (403)"):
                    raise
                self.unreadable[name] = "not verifiable (403)"
                obj = None
            cache[name] = (
                None
                if obj is None
                else {
                    *(obj.get("data") or {}),
                    *(obj.get("binaryData") or {}),
                    *(obj.get("stringData") or {}),
                }
            )
        return cache[name]

    def _path(self, kind: str, name: str) -> str:
        return ns_path(self.k8s.ctx, "v1", "configmaps" if kind == "configmap" else "secrets", name)

    def prefetch(self, deployments: list[dict[str, Any]]) -> None:
        """Read every ConfigMap and Secret the deployments name at once: independent GETs, one round
        trip, not one each.

        Only answers are kept (an object, or None for a 404); a failed read is left to
        `keys`, which reads it again and decides what the failure means.
        """
        wanted = sorted(
            {
                (kind, ref.get("name", ""))
                for dep in deployments
                for container, _ in rules.containers(rules.pod_spec(dep))
                for kind, ref in _references(container)
            }
        )
        answers = self.k8s.find_all([self._path(kind, name) for kind, name in wanted])
        for (kind, name), obj in zip(wanted, answers, strict=True):
            if not isinstance(obj, Exception):
                (self.configmaps if kind == "configmap" else self.secrets)[name] = (
                    None
                    if obj is None
                    else {
                        *(obj.get("data") or {}),
                        *(obj.get("binaryData") or {}),
                        *(obj.get("stringData") or {}),
                    }
                )


def _references(container: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(kind, reference) of every ConfigMap/Secret a container's env and envFrom name."""
    found = []
    for var in container.get("env") or []:
        source = var.get("valueFrom") or {}
        found += [
            (kind, source[key])
            for key, kind in (("configMapKeyRef", "configmap"), ("secretKeyRef", "secret"))
            if source.get(key)
        ]
    for entry in container.get("envFrom") or []:
        found += [
            (kind, entry[key])
            for key, kind in (("configMapRef", "configmap"), ("secretRef", "secret"))
            if entry.get(key)
        ]
    return found


def _check_refs(
    where: tuple[str, str, bool],
    container: dict[str, Any],
    sources: _Sources,
    problems: list[str],
    notes: list[str],
    unread: list[Unread],
) -> int:
    """Check each reference of one container (`where`: deployment, container, init); returns how
    many it has.

    A reference to a Secret the role may not read goes to `unread`, for the pods to decide
    (k8s_infer).
    """
    count = 0
    deployment, container_name, init = where
    label = f"deployment/{deployment}/{container_name}{' (init)' if init else ''}"

    def check(kind: str, name: str, key: str | None, optional: bool, what: str) -> None:
        nonlocal count
        count += 1
        keys = sources.keys(kind, name)
        if kind == "secret" and name in sources.unreadable:
            if not optional:
                unread.append(
                    Unread(label, deployment, container_name, init, what, name, key or None)
                )
            else:
                # an optional one never stops a container: nothing for the pods to show, nothing
                # to require
                notes.append(f"{label}: {what} -> secret {name}: not readable (403), optional")
        elif keys is None:
            (notes if optional else problems).append(
                f"{label}: {what} -> {kind} {name}, which does not exist"
                + (" (optional)" if optional else "")
            )
        elif key is not None and key not in keys:
            (notes if optional else problems).append(
                f"{label}: {what} -> {kind} {name} has no key {key}"
                + (" (optional)" if optional else "")
            )

    for var in container.get("env") or []:
        source = var.get("valueFrom") or {}
        for ref_name, kind in (("configMapKeyRef", "configmap"), ("secretKeyRef", "secret")):
            ref = source.get(ref_name)
            if ref:
                check(
                    kind,
                    ref.get("name", ""),
                    ref.get("key", ""),
                    bool(ref.get("optional")),
                    var.get("name", "?"),
                )
    for entry in container.get("envFrom") or []:
        for ref_name, kind in (("configMapRef", "configmap"), ("secretRef", "secret")):
            ref = entry.get(ref_name)
            if ref:
                check(kind, ref.get("name", ""), None, bool(ref.get("optional")), "envFrom")
    return count


def _defined_names(
    container: dict[str, Any], sources: _Sources
) -> tuple[set[str], set[str], list[str]]:
    """(names defined, names defined empty, envFrom Secrets whose keys are unknown) of one
    container."""
    defined: set[str] = set()
    empty: set[str] = set()
    unread: list[str] = []
    for var in container.get("env") or []:
        (defined if var.get("value") or var.get("valueFrom") else empty).add(var.get("name", ""))
    for entry in container.get("envFrom") or []:
        prefix = entry.get("prefix") or ""
        for ref_name, kind in (("configMapRef", "configmap"), ("secretRef", "secret")):
            ref = entry.get(ref_name)
            if not ref:
                continue
            keys = sources.keys(kind, ref.get("name", ""))
            if keys is None and kind == "secret":
                unread.append(ref.get("name", ""))
            defined |= {prefix + key for key in keys or ()}
    return defined, empty - defined, unread


@k8s_probe("k8s.env-vars", NoParams)
def env_vars(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """Every container defines env whose ConfigMap/Secret references resolve; plus profile
    target.required_env names."""
    k8s = K8s(ctx)
    by_name = deployments(k8s)
    if not by_name:
        return none_deployed(ctx)
    sources = _Sources(k8s)
    sources.prefetch(list(by_name.values()))
    required = ctx.profile.target.required_env
    problems: list[str] = []
    notes: list[str] = []
    lines: list[str] = []
    refs = 0
    unread: list[Unread] = []
    for name, dep in sorted(by_name.items()):
        k8s.check_cancel()
        for container, init in rules.containers(rules.pod_spec(dep)):
            label = f"deployment/{name}/{container.get('name', '?')}{' (init)' if init else ''}"
            count = len(container.get("env") or []) + len(container.get("envFrom") or [])
            refs += _check_refs(
                (name, str(container.get("name", "?")), init),
                container,
                sources,
                problems,
                notes,
                unread,
            )
            if (
                not init
            ):  # the seed counts `containers[].env`; init containers may rightly have none
                lines.append(f"{label}: {count} env entries")
                if not count:
                    problems.append(f"{label} defines no env")
    if any(required.values()):
        _check_required(ctx, by_name, sources, problems, lines)
    inferred = [PodStates(k8s, by_name).decide(ref) for ref in unread] if unread else []
    problems += [i.problem for i in inferred if i.problem]
    undecided = [i.undecided for i in inferred if i.undecided]
    resolved = [i.resolved for i in inferred if i.resolved]
    scope = (
        f"{len(by_name)} deployments of {ctx.profile.target.namespace}, {refs} ConfigMap/Secret "
        "references"
    )
    how = (
        f"; {len(resolved)} references to Secrets this role may not read inferred resolved from "
        "the pods' containers"
        if resolved
        else ""
    )
    evidence = "\n".join(
        [*problems, *undecided, *notes, *resolved, *lines, f"checked {scope}{how}"]
    )
    if problems:
        return failed(
            "; ".join(problems[:4])
            + (f" and {len(problems) - 4} more" if len(problems) > 4 else ""),
            evidence,
        )
    if undecided:
        named = sorted({u.split(" -> ", 1)[1].split(":")[0] for u in undecided})
        return errored(
            f"not verifiable (403, and no pod shows it): {', '.join(named)}; the rest of {scope} "
            "resolves",
            evidence,
        )
    and_required = " and required env names set" if any(required.values()) else ""
    return passed(
        f"every container defines env, all references resolve{and_required} ({scope}{how})",
        evidence,
    )


def _check_required(
    ctx: ProbeContext,
    by_name: dict[str, Any],
    sources: _Sources,
    problems: list[str],
    lines: list[str],
) -> None:
    """Each deployment (profile services plus those named in target.required_env) sets its required
    names non-empty."""
    required = ctx.profile.target.required_env
    names = list(dict.fromkeys([*ctx.profile.target.services, *(k for k in required if k != "*")]))
    for name in names:
        wanted = list(dict.fromkeys([*required.get("*", []), *required.get(name, [])]))
        dep = by_name.get(name)
        if dep is None:
            problems.append(f"deployment/{name} not found")
            continue
        defined: set[str] = set()
        empty: set[str] = set()
        unread: list[str] = []
        for container, _ in rules.containers(rules.pod_spec(dep), init=False):
            d, e, u = _defined_names(container, sources)
            defined, empty, unread = defined | d, empty | e, unread + u
        empty -= defined
        absent = [v for v in wanted if v not in defined and v not in empty]
        blank = [v for v in wanted if v in empty]
        note = f" (envFrom Secret {', '.join(unread)} not read)" if unread and absent else ""
        lines.append(
            f"deployment/{name}: {len(wanted) - len(absent) - len(blank)}/{len(wanted)} required "
            "env vars set"
            + (f"; missing {', '.join(absent)}" if absent else "")
            + (f"; empty {', '.join(blank)}" if blank else "")
            + note
        )
        if absent:
            problems.append(f"deployment/{name} lacks {', '.join(absent)}{note}")
        if blank:
            problems.append(f"deployment/{name} sets {', '.join(blank)} empty")


@k8s_probe("k8s.secret-refs", NoParams)
def secret_refs(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """Env vars named like secrets (*PASSWORD*, *SECRET*, *TOKEN*, *KEY*) come from Secrets, never
    literals."""
    k8s = K8s(ctx)
    by_name = deployments(k8s)
    if not by_name:
        return none_deployed(ctx)
    problems, refs = [], []
    for name, dep in sorted(by_name.items()):
        for container, _ in rules.containers(rules.pod_spec(dep)):
            for var in container.get("env") or []:
                var_name = var.get("name", "")
                if not rules.secret_like(var_name):
                    continue
                where = f"deployment/{name}/{container.get('name', '?')}: {var_name}"
                source = var.get("valueFrom") or {}
                if source.get("secretKeyRef"):
                    refs.append(f"{where} from secret {source['secretKeyRef'].get('name', '?')}")
                elif source.get("configMapKeyRef"):
                    problems.append(
                        f"{where} comes from configmap "
                        f"{source['configMapKeyRef'].get('name', '?')}, not a Secret"
                    )
                elif var.get("value"):  # the value itself is never shown
                    problems.append(f"{where} is a literal value (use valueFrom.secretKeyRef)")
    evidence = "\n".join(problems + refs) or "no secret-like env vars found"
    if problems:
        return failed(
            "secret-like env vars not from Secrets: "
            f"{'; '.join(p.removeprefix('deployment/') for p in problems)}",
            evidence,
        )
    return passed(f"all {len(refs)} secret-like env vars come from Secrets", evidence)
