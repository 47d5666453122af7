"""Architecture rules that keep the core headless and startup fast."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "golive_tui"
CORE = [
    "golive_tui.cli",
    "golive_tui.engine",
    "golive_tui.state",
    "golive_tui.decision",
    "golive_tui.actions",
    "golive_tui.checklists",
    "golive_tui.state.chain",
    "golive_tui.views",
    "golive_tui.probes",
]
MAX_MODULE_LINES = 400


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(imported module, type-only) for every import in `path`, relative imports resolved."""
    tree = ast.parse(path.read_text(), str(path))
    package = (
        _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    )
    type_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            type_only |= {id(n) for inner in node.body for n in ast.walk(inner)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, id(node) in type_only) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            names = [f"{base}.{alias.name}" for alias in node.names]
            # `from pkg import name`: a submodule when one exists by that name, else the package
            # itself.
            for name in names:
                target = name if _exists(name) else base
                found.append((target, id(node) in type_only))
    return found


def _exists(module: str) -> bool:
    if not module.startswith("golive_tui"):
        return False
    path = PACKAGE.parent.joinpath(*module.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _graph(*, include_type_only: bool) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        name = _module_name(path)
        graph[name] = {
            target
            for target, typed in _imports(path)
            if target.startswith("golive_tui")
            and target != name
            and (include_type_only or not typed)
        }
    return graph


def test_layers_import_one_way() -> None:
    """The core never imports textual; the state package never imports the TUI, the CLI or the
    probes."""
    problems = []
    for path in PACKAGE.rglob("*.py"):
        name = _module_name(path)
        for target, _typed in _imports(path):
            in_ui = name.startswith(
                ("golive_tui.tui", "golive_tui.cli", "golive_tui.serve", "golive_tui.__main__")
            )
            if (
                not in_ui
                and target.split(".")[0] in ("textual", "textual_serve")
                and not name.startswith("golive_tui.sandbox")
            ):
                problems.append(f"{name} imports {target} (only the TUI may)")
            if name.startswith("golive_tui.state") and target.startswith(
                (
                    "golive_tui.tui",
                    "golive_tui.cli",
                    "golive_tui.probes",
                    "golive_tui.engine",
                    "golive_tui.serve",
                )
            ):
                problems.append(f"{name} imports {target} (the state package is below them)")
            if not in_ui and target.startswith(("golive_tui.tui", "golive_tui.cli")):
                problems.append(f"{name} imports {target} (the core is below the UI)")
    assert problems == []


def test_no_import_cycles_except_type_only() -> None:
    graph = _graph(include_type_only=False)
    # A package's __init__ importing its own submodules is how Python packages work, not a cycle to
    # fix.
    for name, targets in graph.items():
        graph[name] = {t for t in targets if not t.startswith(name + ".")}
    cycles, state, stack = [], {}, []

    def visit(node: str) -> None:
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                cycles.append(" -> ".join(stack[stack.index(target) :] + [target]))
            elif target not in state:
                visit(target)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert cycles == []


def test_every_module_fits_one_sitting() -> None:
    long = {
        str(p.relative_to(PACKAGE.parent)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_core_never_imports_textual_or_heavy_sdks() -> None:
    code = (
        "import sys, importlib\n"
        f"for name in {CORE!r}: importlib.import_module(name)\n"
        "from golive_tui.probes import registry; registry()\n"
        "bad = sorted(m for m in ('textual', 'boto3', "
        "'botocore', 'kubernetes', 'moto') if m in sys.modules)\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"imported at load time: {result.stdout.strip()}"


def test_no_shell_true_anywhere() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.keyword)
                and node.arg == "shell"
                and not (isinstance(node.value, ast.Constant) and node.value.value is False)
            ):
                offenders.append(f"{path}:{node.value.lineno}")
    assert offenders == []


def test_tls_verification_never_disabled_in_probes() -> None:
    offenders = []
    for path in (PACKAGE / "probes").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.keyword)
                and node.arg == "verify"
                and isinstance(node.value, ast.Constant)
                and node.value.value is False
            ):
                offenders.append(f"{path}:{node.value.lineno}")
    assert offenders == [], (
        "verify=False in a probe (read certificate dates with ssl, not by disabling verification)"
    )


def test_no_tui_module_but_app_imports_app() -> None:
    """Pages and controllers reach the app through `tui/host.py`'s Protocol, never by importing it
    (not even for types)."""
    offenders = [
        f"{name} imports golive_tui.tui.app"
        for path in (PACKAGE / "tui").rglob("*.py")
        if (name := _module_name(path)) != "golive_tui.tui.app"
        for target, _typed in _imports(path)
        if target == "golive_tui.tui.app"
    ]
    assert offenders == []


def test_the_cockpit_state_never_imports_textual() -> None:
    code = (
        "import sys; import golive_tui.cockpit, golive_tui.cockpit.views\n"
        "print(','.join(sorted(m for m in ('textual', 'rich') if m in sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "textual" not in result.stdout


def test_keys_are_declared_only_in_the_action_registry() -> None:
    """Every binding of the app and of every page comes from keymap.REGISTRY, and read-only gating
    asks the registry alone: no other list of writing actions or keys exists in the TUI."""
    import importlib

    for path in (PACKAGE / "tui" / "screens").glob("*.py"):
        importlib.import_module(_module_name(path))
    from golive_tui.tui import keymap
    from golive_tui.tui.app import GoliveApp
    from golive_tui.tui.screens.base import Page

    declared = {(a.keys, a.action, a.show) for a in keymap.REGISTRY if a.keys}
    pages, todo = [], [Page]
    while todo:
        cls = todo.pop()
        pages.append(cls)
        todo.extend(cls.__subclasses__())
    strays = [
        f"{cls.__name__}: {b.key} -> {b.action}"
        for cls in (GoliveApp, *pages)
        if cls.__module__.startswith("golive_tui.")  # not the tests' own screens
        for b in cls.__dict__.get("BINDINGS", [])
        if (b.key, b.action, b.show) not in declared
    ]
    assert strays == []
    lists = [
        f"{path.name}: {target.id}"
        for path in (PACKAGE / "tui").rglob("*.py")
        for node in ast.parse(path.read_text(), str(path)).body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
        and target.id
        in ("WRITES", "WRITE_KEYS", "APP_WRITES", "COMMANDS", "ITEM_COMMANDS", "RECORD_BINDINGS")
    ]
    assert lists == []


def test_the_first_frame_reads_the_files_without_pydantic() -> None:
    """The preview's fast path is the core's (first_frame, locations, tomlfile), and it stays fast:
    no pydantic, no state package."""
    code = (
        "import sys; from golive_tui.tui import preview; "
        "from golive_tui.first_frame import first_frame\n"
        "first_frame(None, '/nonexistent/state.toml')\n"
        "print(','.join(sorted(m for m in ('pydantic', "
        "'golive_tui.state', 'golive_tui.model') if m in sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
