"""Optional extras (`golive[demo]`, `golive[serve]`): a missing one is a one-line message, never a
traceback."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager

from ..errors import GoliveError

EXTRAS: dict[str, tuple[str, tuple[str, ...]]] = {
    "demo": (
        "the staged production of `golive demo`",
        ("moto", "trustme", "kubernetes_validate", "cryptography"),
    ),
    "serve": ("the browser view of `golive serve`", ("textual_serve",)),
}
"""extra -> (what it adds, the modules it installs)."""


class MissingExtra(GoliveError):
    """An optional extra is not installed: says which, and the command that installs it."""

    def __init__(self, extra: str, module: str) -> None:
        self.extra = extra
        self.module = module
        what = EXTRAS[extra][0] if extra in EXTRAS else f"the `{extra}` extra"
        super().__init__(
            f"{what} needs the `{extra}` extra ({module} is not installed): "
            f"uv tool install 'golive[{extra}]' or pip install 'golive[{extra}]' "
            f"(in a clone: uv sync --inexact --extra {extra}, which keeps the other extras; "
            f"./scripts/demo installs demo and serve)"
        )


def missing(extra: str) -> str | None:
    """The first module of `extra` that cannot be imported, else None (nothing is imported)."""
    for module in EXTRAS[extra][1]:
        try:
            found = importlib.util.find_spec(module)
        except (ImportError, ValueError):
            found = None
        if found is None:
            return module
    return None


def require(extra: str) -> None:
    """Raise MissingExtra unless every module of `extra` is installed."""
    module = missing(extra)
    if module is not None:
        raise MissingExtra(extra, module)


@contextmanager
def needs(extra: str) -> Iterator[None]:
    """Check `extra` first, and turn an import error inside the block into MissingExtra too."""
    require(extra)
    try:
        yield
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] in {m.split(".")[0] for m in EXTRAS[extra][1]}:
            raise MissingExtra(extra, exc.name) from None
        raise
