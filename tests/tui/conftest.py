"""TUI test set-up: a small probed checklist, a test-only probe kind, fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from golive_tui.checklists import load_checklist
from golive_tui.probes.base import REGISTRY, ProbeParams, ProbeResult, Verdict, probe
from golive_tui.profile import Profile
from golive_tui.state import StateStore
from golive_tui.tui.app import make_app

FIXED_NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
MINI = (Path(__file__).resolve().parent.parent / "data" / "mini.toml").read_text()


class EchoParams(ProbeParams):
    verdict: str = "pass"
    value: float | None = None


@pytest.fixture
def echo_kind():
    @probe("test.echo", EchoParams)
    def echo(ctx, params: EchoParams) -> ProbeResult:
        return ProbeResult(Verdict(params.verdict), f"echo {params.verdict}", "evidence line one\nline two",
                           value=params.value, unit="ms" if params.value is not None else "")

    yield
    REGISTRY.pop("test.echo", None)


@pytest.fixture
def probed_checklist(tmp_path: Path, echo_kind):
    text = MINI.replace('id = "cluster"\ntitle = "Cluster"\nowner = "Platform"\npriority = "P1"\n',
                        'id = "cluster"\ntitle = "Cluster"\nowner = "Platform"\npriority = "P1"\n'
                        '[[section.subsection.item.probe]]\nkind = "test.echo"\n')
    text = text.replace('id = "p95"\ntitle = "API p95"\nowner = "Platform"\n',
                        'id = "p95"\ntitle = "API p95"\nowner = "Platform"\n'
                        '[[section.item.probe]]\nkind = "test.echo"\nparams = { verdict = "acceptable", value = 320.0 }\n')
    path = tmp_path / "probed.toml"
    path.write_text(text)
    return load_checklist(path)


@pytest.fixture
def store(tmp_path: Path) -> StateStore:
    return StateStore(tmp_path / "state.toml", checklist="Mini go-live")


@pytest.fixture
def app_factory(store):
    def build(checklist, **kwargs):
        return make_app(checklist, Profile(), store, clock=lambda: FIXED_NOW, **kwargs)

    return build
