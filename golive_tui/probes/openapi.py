"""OpenAPI probes (async httpx): the published document, its secured operations refusing anonymous
callers, and refusing an unsigned (`alg: none`) token. Only GET requests, at most `max_operations`.

The document is read from http.openapi_url (empty: skipped, naming the key); the
operations are called at its first absolute `servers` URL, else at http.api_url. It is
validated with openapi-spec-validator when that is installed (the demo extra brings it),
else structurally (openapi, info.version, paths, responses) and the evidence says so.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import time
from pathlib import Path
from typing import Any

from pydantic import Field

from ..cache_file import write_cache_file
from .base import (
    Findings,
    NoParams,
    NotConfigured,
    ProbeContext,
    ProbeError,
    ProbeParams,
    ProbeResult,
    failed,
    probe,
)
from .http_client import request
from .threads import in_daemon_thread

PLACEHOLDER = "golive-probe"
"""Stands for every path parameter: an id no record has, so nothing real is read."""


class OperationParams(ProbeParams):
    max_operations: int = Field(default=20, ge=1, le=200)
    """Secured GET operations called at most (the first ones in document order)."""


def document_url(ctx: ProbeContext) -> str:
    if not ctx.profile.http.openapi_url:
        raise NotConfigured(
            "http.openapi_url is empty in the profile: set it to the published OpenAPI document"
        )
    return ctx.profile.http.openapi_url


async def fetch_document(ctx: ProbeContext) -> tuple[str, dict[str, Any]]:
    """(URL, parsed document), fetched once per sweep for the probes that use it (each parses its
    own copy: json.loads of the bytes is cheaper than copying a large document); a document that
    is not a JSON/YAML object is a ProbeError naming the URL."""
    url = document_url(ctx)
    content, kind = await ctx.clients.shared_async(
        ("openapi", url), lambda: _read_document(ctx, url)
    )
    try:
        document = json.loads(content)
    except ValueError:
        import yaml

        try:
            document = yaml.safe_load(content.decode("utf-8", errors="replace"))
        except yaml.YAMLError:
            document = None
    if not isinstance(document, dict):
        raise ProbeError(
            f"GET {url} answered 200 with {kind}, not an OpenAPI document (JSON or YAML object)"
        )
    return url, document


async def _read_document(ctx: ProbeContext, url: str) -> tuple[bytes, str]:
    """(body, content type) of the document's URL; not a 200 is a ProbeError."""
    reply = await request(ctx, "GET", url, headers={"Accept": "application/json, application/yaml"})
    if reply.status_code != 200:
        raise ProbeError(f"GET {url} answered {reply.status_code}: no OpenAPI document there")
    return reply.content, reply.headers.get("content-type", "?")


def _validate(document: dict[str, Any]) -> tuple[list[str], str]:
    """(errors, how it was validated)."""
    try:
        from openapi_spec_validator import validate
        from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
    except ImportError:
        errors = (
            []
            if ("openapi" in document or "swagger" in document)
            else ["no openapi/swagger version field"]
        )
        if not (document.get("info") or {}).get("version"):
            errors.append("info.version missing")
        for path, item in (document.get("paths") or {}).items():
            errors += [
                f"{m.upper()} {path}: no responses"
                for m, op in (item or {}).items()
                if isinstance(op, dict) and "responses" not in op and m in METHODS
            ]
        return errors, "structure only (openapi-spec-validator not installed)"
    try:
        validate(document)
        return [], "openapi-spec-validator"
    except OpenAPIValidationError as exc:
        where = "/".join(str(p) for p in getattr(exc, "path", []) or [])
        return [f"{exc.message}" + (f" at {where}" if where else "")], "openapi-spec-validator"
    # an unresolvable $ref, a document the validator cannot walk: still a verdict on the document
    except Exception as exc:
        return [f"{type(exc).__name__}: {str(exc)[:200]}"], "openapi-spec-validator"


_VALIDATED: dict[str, tuple[list[str], str]] = {}
"""`_validate`'s answers by the document's repr (types and key order kept: a YAML document's
int keys are not a JSON one's strings); a few documents, kept for the process."""


def _validate_once(document: dict[str, Any]) -> tuple[list[str], str]:
    """`_validate` once per document: the same document each sweep is the same verdict, and
    openapi-spec-validator walks it in ~5-10 ms of CPU. Remembered on disk too, by the document
    and the validator's version: importing the validator (pydantic-settings, jsonschema, boto3
    behind them) cost ~0.6 s of CPU in every `golive run` for a document that had not changed."""
    key = repr(document)
    if key not in _VALIDATED:
        if len(_VALIDATED) >= 8:
            _VALIDATED.clear()
        _VALIDATED[key] = _recall(key) or _remember(key, _validate(document))
    errors, how = _VALIDATED[key]
    return list(errors), how


def _memo_file(key: str) -> Path | None:
    from importlib.metadata import PackageNotFoundError, version

    from platformdirs import user_cache_path

    try:
        validator = version("openapi-spec-validator")
    except PackageNotFoundError:
        return None  # structure only: cheap, nothing to remember
    digest = hashlib.sha256(f"{validator}\0{key}".encode()).hexdigest()[:32]
    return user_cache_path("golive") / "openapi" / f"{digest}.json"


def _recall(key: str) -> tuple[list[str], str] | None:
    path = _memo_file(key)
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path else None
        return ([str(e) for e in data["errors"]], str(data["how"])) if data else None
    except (OSError, ValueError, KeyError, TypeError):
        return None  # nothing remembered, or not ours: validate


def _remember(key: str, answer: tuple[list[str], str]) -> tuple[list[str], str]:
    path = _memo_file(key)
    if path is not None:
        write_cache_file(path, json.dumps({"errors": answer[0], "how": answer[1]}))
    return answer


METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def secured_gets(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(path template, operationId) of every GET the document says needs credentials, in document
    order.

    An operation's own `security` overrides the document's; `[]` or a `{}` requirement means
    anonymous is allowed.
    """
    default = document.get("security") or []
    found = []
    for path, item in (document.get("paths") or {}).items():
        op = (item or {}).get("get")
        if not isinstance(op, dict):
            continue
        security = op.get("security", default) or []
        if security and all(requirement for requirement in security):
            found.append((path, op.get("operationId", "")))
    return found


def base_url(ctx: ProbeContext, document: dict[str, Any]) -> str:
    for server in document.get("servers") or []:
        url = str((server or {}).get("url", ""))
        if url.startswith("https://") or url.startswith("http://"):
            return url.rstrip("/")
    return ctx.profile.http.api_url.rstrip("/")


def concrete(path: str) -> str:
    """The path with every `{param}` replaced by PLACEHOLDER."""
    return "/".join(
        PLACEHOLDER if part.startswith("{") and part.endswith("}") else part
        for part in path.split("/")
    )


@probe("http.openapi", NoParams, blocking=False)
async def openapi_document(ctx: ProbeContext, params: NoParams) -> ProbeResult:
    """The OpenAPI document answers at http.openapi_url, is valid, and names the version being
    released."""
    url, document = await fetch_document(ctx)
    errors, how = await in_daemon_thread(_validate_once, document)
    version = str((document.get("info") or {}).get("version", ""))
    release = ctx.profile.target.release
    found = Findings()
    found.line(
        f"GET {url} -> 200; {document.get('openapi') or document.get('swagger') or '?'} "
        f"'{(document.get('info') or {}).get('title', '?')}' version {version or '?'}; "
        f"{len(document.get('paths') or {})} paths; validated by {how}"
    )
    for error in errors[:5]:
        found.problem(f"invalid: {error}", f"  invalid: {error}")
    if release and version != release:
        found.problem(
            f"documents version {version or '(none)'}, not the release {release}",
            f"  info.version {version!r} != target.release {release!r}",
        )
    elif not release:
        found.line("  target.release not set: the version is not compared")
    return found.result(
        f"OpenAPI document valid, version {version}" + (" (the release)" if release else "")
    )


@probe("http.openapi-auth", OperationParams, blocking=False)
async def openapi_auth(ctx: ProbeContext, params: OperationParams) -> ProbeResult:
    """Every GET the OpenAPI document marks as secured answers 401/403 to a request without
    credentials."""
    return await _call_secured(ctx, params, token=None)


def unsigned_token(ctx: ProbeContext) -> str:
    """A JWT with `alg: none` and no signature, for a subject that does not exist; it expires in 5
    minutes."""

    def part(data: dict[str, Any]) -> str:
        return (
            base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode())
            .rstrip(b"=")
            .decode()
        )

    claims = {
        "sub": "golive-probe-unsigned",
        "iss": ctx.profile.http.oidc_issuer or "golive",
        "exp": int(time.time()) + 300,
    }
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


@probe("http.jwt-unsigned-refused", OperationParams, blocking=False)
async def jwt_unsigned_refused(ctx: ProbeContext, params: OperationParams) -> ProbeResult:
    """Every secured GET of the OpenAPI document refuses (401/403) a bearer token signed with `alg:
    none`."""
    return await _call_secured(ctx, params, token=unsigned_token(ctx))


async def _call_secured(
    ctx: ProbeContext, params: OperationParams, token: str | None
) -> ProbeResult:
    url, document = await fetch_document(ctx)
    operations = secured_gets(document)
    base = base_url(ctx, document)
    with_what = "an unsigned (alg: none) token" if token else "no credentials"
    found = Findings()
    found.line(
        f"{url}: {len(operations)} secured GET operations; called at {base} with {with_what}"
    )
    if not operations:
        return failed(
            f"the OpenAPI document at {url} marks no GET operation as secured", found.evidence
        )
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    chosen = operations[: params.max_operations]
    # At once, not one after another: a sweep waits for its slowest probe (the client keeps <= 8
    # connections).
    replies = await asyncio.gather(
        *(
            request(ctx, "GET", base + concrete(path), headers=headers, max_body=4096)
            for path, _ in chosen
        )
    )
    for (path, op), reply in zip(chosen, replies, strict=True):
        label = f"GET {path}" + (f" ({op})" if op else "")
        if reply.status_code in (401, 403):
            found.line(f"  {label} -> {reply.status_code}")
        else:
            found.problem(
                f"{label} answers {reply.status_code} to {with_what}",
                f"  {label} -> {reply.status_code} (expected 401 or 403)",
            )
    skipped = len(operations) - params.max_operations
    if skipped > 0:
        found.line(f"  {skipped} more not called (max_operations {params.max_operations})")
    refused = min(len(operations), params.max_operations)
    return found.result(f"{refused} secured GET operations refuse {with_what}")
