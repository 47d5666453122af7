"""Probe kinds, one module per backend. Importing this package registers every kind.

The modules import their SDKs (kubernetes, boto3, httpx) lazily inside the probe
functions, so importing them here costs milliseconds, not the SDKs' import time.
"""

from __future__ import annotations

from typing import Any

from .base import REGISTRY, ProbeKind

_BACKENDS: tuple[str, ...]  # grown below; unannotated, mypy would type it as exactly nine names
_BACKENDS = ("kubernetes", "aws", "http", "tls", "prometheus", "pagerduty", "command", "k6", "deps")
_BACKENDS += (
    "openapi",
    "identity",
    "pagerduty_rest",
    "grafana",
    "runbooks",
    "tracing",
)  # issue 29: probes of rows an API can decide
_loaded = False


def registry() -> dict[str, ProbeKind[Any]]:
    """All registered probe kinds, loading the backend modules on first use."""
    global _loaded
    if not _loaded:
        import importlib

        for backend in _BACKENDS:
            importlib.import_module(f"{__name__}.{backend}")
        _loaded = True
    return REGISTRY
